"""The studio's HTTP server: static page + a small JSON API over `compose` and `musegen.edit`.

Stack: the standard library's `http.server` (ThreadingHTTPServer) and plain HTML/JS/CSS shipped as
package data. It needs no dependency and no build step, serves every asset itself (no CDN, no network),
and the API is a dozen routes; a framework would add install weight and nothing the studio uses.

    GET  /                               the page          GET /static/<asset>
    GET  /api/songs                      songs in the folder
    GET  /api/songs/<name>               sections, timed lines, melody, chords, history, files
    GET  /api/songs/<name>/files/<file>  a download (song.mid, song.musicxml, song.wav, stems, song.lrc …)
    GET  /api/jobs/<id>                  a job's state, stage, progress, result or error
    POST /api/generate                   {"prompt", "name"?, "seed"?, "key"?, "tempo"?, "form"?, "bars"?}
    POST /api/songs/<name>/edit          {"line"|"section"|"bars", "what"?, "text"?, "seed"?, "only_this"?}
    POST /api/songs/<name>/extend        {"add", "seed"?}
    POST /api/songs/<name>/undo          {}

Work runs on one worker thread (`jobs.Worker`): requests queue instead of racing on a song. Song names
are plain folder names inside the studio's folder; anything else (`..`, `/`, absolute paths) is a 400.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from musegen.errors import InputError, MusegenError
from musegen.studio import actions
from musegen.studio.state import HTTPError, Studio

MAX_BODY = 64 * 1024
ASSETS = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "app.css": "text/css; charset=utf-8"}
FILE_TYPES = {".mid": "audio/midi", ".musicxml": "application/vnd.recordare.musicxml+xml",
              ".wav": "audio/wav", ".flac": "audio/flac", ".lrc": "text/plain; charset=utf-8",
              ".txt": "text/plain; charset=utf-8", ".json": "application/json"}


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the studio; every failure is a JSON {"error": "..."} with a 4xx/5xx status."""

    server: StudioServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines only with --verbose."""
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing
    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _parts(self) -> list[str]:
        raw = urlsplit(self.path).path
        if not raw.startswith("/"):
            raise HTTPError(400, f"path {raw!r}: must start with /")
        parts = [unquote(p) for p in raw.split("/")[1:]]
        for p in parts:
            if p in (".", "..") or "/" in p or "\\" in p or "\0" in p:
                raise HTTPError(400, f"path {raw!r}: '..', '/' and '\\\\' are not allowed in a name")
        return [p for p in parts if p != ""] if raw != "/" else []

    def _body(self) -> dict[str, Any]:
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise HTTPError(400, "Content-Length: not a number") from None
        if n > MAX_BODY:
            raise HTTPError(413, f"request body of {n} bytes: the limit is {MAX_BODY}")
        data = self.rfile.read(n) if n else b"{}"
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, f"request body: not JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise HTTPError(400, "request body: must be a JSON object")
        return obj

    def _handle(self, method: str) -> None:
        try:
            self._route(method)
        except HTTPError as exc:
            self._json(exc.status, {"error": str(exc)})
        except InputError as exc:
            self._json(400, {"error": str(exc)})
        except MusegenError as exc:
            self._json(422, {"error": str(exc)})
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:
        """GET routes."""
        self._handle("GET")

    def do_POST(self) -> None:
        """POST routes."""
        self._handle("POST")

    def do_HEAD(self) -> None:
        """GET without the body."""
        self._handle("GET")

    def _refuse(self) -> None:
        self._json(405, {"error": f"method {self.command} is not used here; the studio takes GET and POST"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815 - http.server calls do_<METHOD>

    # -- routes
    def _route(self, method: str) -> None:
        studio = self.server.studio
        parts = self._parts()
        if method == "GET" and parts in ([], ["index.html"]):
            return self._asset("index.html")
        if method == "GET" and len(parts) == 2 and parts[0] == "static":
            return self._asset(parts[1])
        if not parts or parts[0] != "api":
            raise HTTPError(404, f"no page {self.path!r}; open / for the studio")
        rest = parts[1:]
        if method == "GET":
            if rest == ["songs"]:
                return self._json(200, actions.list_songs(studio))
            if len(rest) == 2 and rest[0] == "jobs":
                job = studio.worker.get(rest[1])
                if job is None:
                    raise HTTPError(404, f"no job {rest[1]!r}")
                return self._json(200, job.view())
            if len(rest) == 2 and rest[0] == "songs":
                return self._json(200, actions.view(studio, studio.song_dir(rest[1])))
            if len(rest) == 4 and rest[0] == "songs" and rest[2] == "files":
                return self._file(studio.song_dir(rest[1]), rest[3])
        elif method == "POST":
            body = self._body()
            if rest == ["generate"]:
                return self._json(202, actions.generate(studio, body))
            if len(rest) == 3 and rest[0] == "songs" and rest[2] in ("edit", "extend", "undo"):
                folder = studio.song_dir(rest[1])
                return self._json(202, getattr(actions, rest[2])(studio, folder, body))
        raise HTTPError(404 if method in ("GET", "POST") else 405, f"no API route {method} {self.path!r}")

    def _asset(self, name: str) -> None:
        if name not in ASSETS:
            raise HTTPError(404, f"no asset {name!r}")
        data = (resources.files("musegen.studio") / "static" / name).read_bytes()
        self._send(200, data, ASSETS[name])

    def _file(self, folder: Path, name: str) -> None:
        from musegen.studio.view import DOWNLOADS

        if name not in DOWNLOADS or not (folder / name).is_file():
            raise HTTPError(404, f"no file {name!r} in song {folder.name!r}")
        data = (folder / name).read_bytes()
        ctype = FILE_TYPES.get(Path(name).suffix, "application/octet-stream")
        disp = {"Content-Disposition": f'attachment; filename="{folder.name}-{name}"'} \
            if self.headers.get("X-Download") or urlsplit(self.path).query == "download" else {}
        rng = self.headers.get("Range", "")
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
        if m and data and (m.group(1) or m.group(2)):
            a = int(m.group(1)) if m.group(1) else max(0, len(data) - int(m.group(2)))
            b = min(len(data) - 1, int(m.group(2))) if m.group(1) and m.group(2) else len(data) - 1
            if a > b or a >= len(data):
                raise HTTPError(416, f"Range {rng!r}: outside the {len(data)}-byte file")
            self._send(206, data[a:b + 1], ctype, {**disp, "Accept-Ranges": "bytes",
                                                   "Content-Range": f"bytes {a}-{b}/{len(data)}"})
            return
        self._send(200, data, ctype, {**disp, "Accept-Ranges": "bytes"})


class StudioServer(ThreadingHTTPServer):
    """A threading HTTP server holding the `Studio` (GETs run in parallel, work goes to the worker)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], studio: Studio, verbose: bool = False) -> None:
        self.studio = studio
        self.verbose = verbose
        super().__init__(address, Handler)


def make_server(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8765, models: Any = None,
                audio: bool = True, vocals: bool = True, verbose: bool = False) -> StudioServer:
    """A studio server for the songs in `folder` (created if missing); call `serve_forever()` on it.

    `audio` False: no audio files; `vocals` False: new songs' vocal line plays on an instrument.
    """
    return StudioServer((host, port), Studio(folder, models=models, audio=audio, vocals=vocals), verbose)
