"""What the studio's API does: check a request, queue the job, and run it with the CLI's own functions.

`generate` runs `musegen.pipeline.compose` + `musegen.render.write_song_folder` (as `musegen generate`;
sung songs through `musegen.render.incremental.write_sung_folder`, the same files, keeping their band and
lines in the studio's `RenderCache` so that an edit re-sings only what it changed);
`edit`, `extend` and `undo` run `musegen.edit.edit_folder` / `extend_folder` / `undo_folder` (as
`musegen edit` and `musegen extend`). Requests are checked before they are queued, so a bad one gets
its 4xx at once; the job checks again when it runs (the song may have changed meanwhile).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from musegen.studio.state import HTTPError, Studio

GENERATE_FIELDS = {"prompt": str, "name": str, "seed": int, "key": str, "tempo": (int, float), "form": str,
                   "bars": str, "lyrics": str}
EDIT_FIELDS = {"line": str, "section": str, "bars": str, "what": str, "text": str, "seed": int,
               "only_this": bool}
EXTEND_FIELDS = {"add": str, "seed": int}
MAX_TEXT = 10_000


def _check(body: dict[str, Any], fields: dict[str, Any], what: str) -> dict[str, Any]:
    """Known fields of the right JSON types only (a 400 naming the field otherwise)."""
    for k, v in body.items():
        if k not in fields:
            raise HTTPError(400, f"{what}: unknown field {k!r} (fields: {', '.join(fields)})")
        want = fields[k]
        if v is None:
            continue
        if (isinstance(v, bool) and want is not bool) or not isinstance(v, want):
            names = {str: "a string", int: "an integer", bool: "true or false"}
            raise HTTPError(400, f"{what}: field {k!r} must be {names.get(want, 'a number')}")
        if isinstance(v, str) and len(v) > MAX_TEXT:
            raise HTTPError(400, f"{what}: field {k!r} is longer than {MAX_TEXT} characters")
    return {k: v for k, v in body.items() if v is not None}


def warm(studio: Studio) -> str:
    """Queue loading what every song needs once, so that the first song is quick.

    That is the lyrics and music models, the planner's mood embedder, the edit word tables, the singing
    voice and music21 (the MusicXML writer).
    """

    def run(job) -> dict[str, Any]:
        from musegen.edit.words import word_tables
        from musegen.plan import make_plan

        job.stage = "loading models"
        studio.models.get(None, "lyrics")
        studio.models.get(None, "music")
        make_plan("warm up", seed=0)
        word_tables()
        from musegen.lyrics.syllables import syllabify_line

        syllabify_line("remembering everything")  # loads pyphen's dictionary (about 0.4 s)
        import music21  # noqa: F401 - the MusicXML writer imports it on first use (about 1 s)

        if studio.audio and studio.vocals:
            from musegen.sing.model import load_voice

            load_voice(1)
        return {}

    return studio.worker.submit("warm", run).id


def list_songs(studio: Studio) -> dict[str, Any]:
    """The songs in the studio's folder, newest first."""
    from musegen.edit.folder import load_folder

    out = []
    dirs = [p for p in studio.folder.iterdir() if p.is_dir() and (p / "song.json").is_file()]
    for p in sorted(dirs, key=lambda p: -p.stat().st_mtime):
        try:
            song, _ = load_folder(p)
        except Exception:  # a broken song.json is listed, not fatal
            out.append({"name": p.name, "title": "(unreadable song.json)", "edits": 0})
            continue
        out.append({"name": p.name, "title": song.plan.title, "edits": len(song.history)})
    return {"folder": str(studio.folder), "songs": out}


def view(studio: Studio, folder: Path) -> dict[str, Any]:
    """The song view (see `musegen.studio.view`).

    A sung song whose band and lines the studio does not hold yet (rendered by the CLI or an earlier
    studio) gets them prepared by a queued job while the worker is idle, so that its first edit is quick.
    """
    from musegen.edit.folder import load_folder
    from musegen.render.incremental import is_primed
    from musegen.studio.view import song_view

    song, _ = load_folder(folder, "song")
    if studio.audio and (folder / "vocals.wav").is_file() and not studio.worker.pending() \
            and not is_primed(song, studio.cache):
        _prepare(studio, folder)
    return song_view(song, folder)


def _prepare(studio: Studio, folder: Path) -> str:
    def run(job) -> dict[str, Any]:
        from musegen.edit.folder import load_folder
        from musegen.render.incremental import prime

        job.stage = "preparing the audio for edits"
        song, _ = load_folder(folder, "song")  # as it is now: it may have changed since the view
        st = prime(song, studio.cache)
        return {"name": folder.name, "lines_sung": st.lines_sung, "band_reused": st.band_reused}

    return studio.worker.submit("prepare", run).id


def _slug(prompt: str) -> str:
    words = re.findall(r"[a-z0-9]+", prompt.lower())[:5]
    return "-".join(words)[:40] or "song"


def _free_name(studio: Studio, base: str) -> str:
    with studio.names_lock:
        for n in range(1, 1000):
            name = base if n == 1 else f"{base}-{n}"
            if not (studio.folder / name).exists() and name not in studio.reserved:
                studio.reserved.add(name)
                return name
    raise HTTPError(409, f"song name {base!r}: taken; choose another name")


def generate(studio: Studio, body: dict[str, Any]) -> dict[str, Any]:
    """Queue a new song for a prompt (or your lyrics); answers {"job", "name"}."""
    from musegen.pipeline import STAGES

    req = _check(body, GENERATE_FIELDS, "generate")
    prompt = req.get("prompt", "").strip()
    if not prompt and not req.get("lyrics", "").strip():
        raise HTTPError(400, "generate: give a mood \"prompt\" (e.g. \"melancholic rainy night\") or "
                             "\"lyrics\"")
    if "name" in req:
        studio.song_dir(req["name"], exists=False)
        if (studio.folder / req["name"]).exists():
            raise HTTPError(409, f"song name {req['name']!r}: already exists; choose another name")
        with studio.names_lock:
            if req["name"] in studio.reserved:
                raise HTTPError(409, f"song name {req['name']!r}: already being written; choose another")
            studio.reserved.add(req["name"])
        name = req["name"]
    else:
        name = _free_name(studio, _slug(prompt or req["lyrics"]))
    overrides = {k: req[k] for k in ("key", "tempo", "form", "bars") if k in req}
    steps = [*STAGES, "render"]

    class Progress(dict):
        """compose() fills this after each stage: the job's progress follows."""

        def __init__(self, job) -> None:
            super().__init__()
            self.job = job
            self.cpu: dict[str, float] = {}
            self.clock = time.thread_time()

        def __setitem__(self, key: str, value: float) -> None:
            super().__setitem__(key, value)
            now = time.thread_time()  # this worker thread's CPU seconds: what load does not inflate
            self.cpu[key], self.clock = round(now - self.clock, 3), now
            done = len(self)
            self.job.progress = done / len(steps)
            self.job.stage = steps[min(done, len(steps) - 1)]

    def run(job) -> dict[str, Any]:
        from musegen.pipeline import compose
        from musegen.render import write_song_folder
        from musegen.render.incremental import write_sung_folder

        try:
            job.stage = "plan"
            timings = Progress(job)
            song = compose(prompt, seed=req.get("seed"), lyrics_text=req.get("lyrics"),
                           lyrics_model=studio.models.get(None, "lyrics"),
                           music_model=studio.models.get(None, "music"), lyrics_source="lyrics",
                           timings=timings, **overrides)
            job.stage = "render"
            start = time.perf_counter()
            if studio.audio and studio.vocals:  # the same files; its band and lines stay for the edits
                write_sung_folder(song, studio.folder / name, studio.cache)
            else:
                write_song_folder(song, studio.folder / name, audio_format="wav" if studio.audio else None,
                                  vocals=False)
            timings["render"] = time.perf_counter() - start
        finally:
            with studio.names_lock:
                studio.reserved.discard(name)
        return {"name": name, "seed": song.meta.get("seed"), "timings": dict(timings), "cpu": timings.cpu}

    job = studio.worker.submit("generate", run)
    return {"job": job.id, "name": name}


def edit(studio: Studio, folder: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Queue an edit of one line, section or bars (the same arguments as `musegen edit`)."""
    from musegen.edit import edit_folder, resolve, section_names
    from musegen.edit.folder import load_folder

    req = _check(body, EDIT_FIELDS, "edit")
    what = "text" if "text" in req else req.get("what", "both")
    if "text" in req and req.get("what", "text") != "text":
        raise HTTPError(400, "edit: \"text\" replaces the line's words; leave out \"what\"")
    if what not in ("both", "words", "notes", "text"):
        raise HTTPError(400, f"edit: what {what!r}: use both, words, notes (or give \"text\")")
    song, _ = load_folder(folder, "song")
    target = {k: req[k] for k in ("line", "section", "bars") if k in req}
    resolve(song, only_this=req.get("only_this", False), **target)  # a 400 now if it does not exist

    def run(job) -> dict[str, Any]:
        job.stage = "edit"
        cpu = time.thread_time()
        res = edit_folder(folder, what=what, text=req.get("text"), seed=req.get("seed"),
                          only_this=req.get("only_this", False), models=studio.models, audio=studio.audio,
                          cache=studio.cache, **target)
        names = section_names(res.song)
        changed = [f"{names[k]}:{i + 1}" for k, idx in sorted(res.target.lines.items()) for i in idx]
        return {"name": folder.name, "seed": res.seed, "messages": res.messages, "changed": changed,
                "cpu_s": round(time.thread_time() - cpu, 3)}

    return {"job": studio.worker.submit("edit", run).id, "name": folder.name}


def extend(studio: Studio, folder: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Queue a new section ("bridge after chorus 2")."""
    from musegen.edit import extend_folder
    from musegen.edit.extend import where_to_add
    from musegen.edit.folder import load_folder

    req = _check(body, EXTEND_FIELDS, "extend")
    if not req.get("add", "").strip():
        raise HTTPError(400, "extend: give \"add\", e.g. \"bridge after chorus 2\"")
    song, _ = load_folder(folder, "song")
    where_to_add(song, req["add"])

    def run(job) -> dict[str, Any]:
        job.stage = "extend"
        res = extend_folder(folder, req["add"], seed=req.get("seed"), models=studio.models,
                            audio=studio.audio, cache=studio.cache)
        return {"name": folder.name, "seed": res.seed, "messages": res.messages}

    return {"job": studio.worker.submit("extend", run).id, "name": folder.name}


def undo(studio: Studio, folder: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Queue going back to the version before the last edit."""
    from musegen.edit import undo_folder
    from musegen.edit.folder import versions

    req = _check(body, {"steps": int}, "undo")
    steps, have = req.get("steps", 1), len(versions(folder))
    if not have:
        raise HTTPError(409, f"undo: song {folder.name!r} has no earlier version")
    if not 1 <= steps <= have:
        raise HTTPError(400, f"undo: steps {steps}: song {folder.name!r} has {have} earlier version(s)")

    def run(job) -> dict[str, Any]:
        job.stage = "undo"
        res = undo_folder(folder, steps=steps, audio=studio.audio, cache=studio.cache)
        return {"name": folder.name, "undone": res.undone}

    return {"job": studio.worker.submit("undo", run).id, "name": folder.name}
