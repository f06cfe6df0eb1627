"""The studio's HTTP API: the same edit functions as the CLI, confined to its folder, 4xx on bad input."""

import json
import threading

import pytest
from songs import make_song

from musegen.render import write_song_folder


@pytest.fixture
def with_song(studio):
    server, client = studio
    write_song_folder(make_song(), server.studio.folder / "morning", audio_format=None)
    return server, client


def test_page_and_assets_are_served_locally(studio):
    _, c = studio
    status, html, headers = c.raw("GET", "/")
    assert status == 200 and b"<title>musegen studio</title>" in html
    assert headers["Content-Type"].startswith("text/html")
    for asset in ("app.js", "app.css"):
        status, body, _ = c.raw("GET", f"/static/{asset}")
        assert status == 200 and body
    for body in (html, c.raw("GET", "/static/app.js")[1], c.raw("GET", "/static/app.css")[1]):
        assert b"http://" not in body and b"https://" not in body  # nothing from a CDN or the network
    assert c.raw("GET", "/static/nope.js")[0] == 404


def test_binds_to_localhost_by_default(tmp_path, tiny_models):
    from musegen.studio import make_server

    server = make_server(tmp_path, port=0, models=tiny_models)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
        server.studio.worker.stop()


def test_song_view_edit_versions_and_undo(with_song):
    server, c = with_song
    folder = server.studio.folder / "morning"
    before = (folder / "song.json").read_bytes()
    status, view = c.call("GET", "/api/songs/morning")
    assert status == 200 and view["title"] == "Morning Light" and view["versions"] == 0
    assert [s["name"] for s in view["sections"]][:3] == ["intro", "verse 1", "chorus 1"]
    line = view["sections"][3]["lines"][0]
    assert line["target"] == "verse 2:1" and 0 < line["start"] < line["end"]
    assert view["notes"] and view["chords"] and "song.mid" in view["files"]
    status, got = c.call("POST", "/api/songs/morning/edit", {"line": "verse 2:1", "seed": 3})
    assert status == 202
    job = c.wait(got["job"])
    assert job["state"] == "done", job
    assert job["result"]["changed"] == ["verse 2:1"]  # the page marks it and plays from it
    _, view2 = c.call("GET", "/api/songs/morning")
    assert view2["sections"][3]["lines"][0]["text"] != line["text"] and view2["versions"] == 1
    assert view2["history"][0]["target"] == "line verse 2:1"
    _, got = c.call("POST", "/api/songs/morning/edit", {"line": "verse 1:1", "text": "Hello my yesterday"})
    assert c.wait(got["job"])["state"] == "done"
    assert c.call("POST", "/api/songs/morning/undo", {"steps": 3})[0] == 400
    status, got = c.call("POST", "/api/songs/morning/undo", {"steps": 2})
    assert status == 202 and c.wait(got["job"])["state"] == "done"
    assert (folder / "song.json").read_bytes() == before
    assert c.call("POST", "/api/songs/morning/undo", {})[0] == 409


def test_downloads(with_song):
    _, c = with_song
    status, data, headers = c.raw("GET", "/api/songs/morning/files/song.mid?download")
    assert status == 200 and data[:4] == b"MThd" and "attachment" in headers["Content-Disposition"]
    status, data, headers = c.raw("GET", "/api/songs/morning/files/song.lrc", headers={"Range": "bytes=0-9"})
    assert status == 206 and len(data) == 10 and headers["Content-Range"].startswith("bytes 0-9/")
    assert c.raw("GET", "/api/songs/morning/files/song.wav")[0] == 404  # rendered without audio


@pytest.mark.parametrize("path", [
    "/api/songs/..%2F..%2Fetc/files/passwd",
    "/api/songs/../files/song.json",
    "/api/songs/%2Fetc%2Fpasswd",
    "/api/songs/morning/files/..%2Fsong.json",
    "/api/songs/morning/files/%2Fetc%2Fpasswd",
    "/static/..%2F..%2F__init__.py",
    "/api/songs/.hidden",
])
def test_paths_outside_the_folder_are_refused(with_song, path):
    _, c = with_song
    status, body, _ = c.raw("GET", path)
    assert status in (400, 404), (path, status)
    assert json.loads(body)["error"]
    assert b"root:" not in body


def test_names_in_requests_cannot_leave_the_folder(with_song):
    server, c = with_song
    for name in ("../evil", "/tmp/evil", "a/b", "..", "with space"):
        status, body = c.call("POST", "/api/generate", {"prompt": "rain", "name": name})
        assert status == 400 and "song name" in body["error"], name
    assert not (server.studio.folder.parent / "evil").exists()


@pytest.mark.parametrize(("path", "body", "status", "says"), [
    ("/api/generate", b"{not json", 400, "not JSON"),
    ("/api/generate", b"[1, 2]", 400, "must be a JSON object"),
    ("/api/generate", b"{}", 400, "give a mood"),
    ("/api/generate", b'{"prompt": 5}', 400, "field 'prompt' must be a string"),
    ("/api/generate", b'{"prompt": "x", "colour": "red"}', 400, "unknown field 'colour'"),
    ("/api/generate", b'{"prompt": "x", "name": "morning"}', 409, "already exists"),
    ("/api/songs/morning/edit", b'{"line": "verse 9:1"}', 400, "the song has 2 verse section(s)"),
    ("/api/songs/morning/edit", b'{"bars": "99-100"}', 400, "the song has bars 1-20"),
    ("/api/songs/morning/edit", b'{"line": "verse 1:1", "what": "colour"}', 400, "what 'colour'"),
    ("/api/songs/morning/edit", b'{"line": "verse 1:1", "seed": "x"}', 400, "must be an integer"),
    ("/api/songs/morning/edit", b'{"line": "verse 1:1", "only_this": 1}', 400, "must be true or false"),
    ("/api/songs/nosuch/edit", b'{"line": "verse 1:1"}', 404, "no song 'nosuch'"),
    ("/api/songs/morning/extend", b'{"add": "solo after chorus"}', 400, "write TYPE"),
    ("/api/songs/morning/paint", b"{}", 404, "no API route"),
])
def test_malformed_requests_get_a_4xx_with_a_message(with_song, path, body, status, says):
    _, c = with_song
    got, data, _ = c.raw("POST", path, body, {"Content-Type": "application/json"})
    assert got == status, data
    assert says in json.loads(data)["error"]


def test_other_methods_get_405(with_song):
    _, c = with_song
    for method in ("PUT", "DELETE", "PATCH"):
        status, data, _ = c.raw(method, "/api/songs/morning")
        assert status == 405 and "GET and POST" in json.loads(data)["error"]
    assert c.raw("HEAD", "/")[0] == 200


def test_too_large_a_body_is_refused(with_song):
    _, c = with_song
    status, data, _ = c.raw("POST", "/api/generate", b"x" * 70_000)
    assert status == 413 and "limit" in json.loads(data)["error"]


def test_a_text_edit_that_cannot_fit_fails_the_job_with_the_count(with_song):
    _, c = with_song
    _, got = c.call("POST", "/api/songs/morning/edit", {"line": "verse 1:2", "text": "remember " * 20})
    job = c.wait(got["job"])
    assert job["state"] == "error" and "60 syllables, but verse 1 line 2 holds at most" in job["error"]


def test_concurrent_edits_queue_and_none_is_lost(with_song):
    _, c = with_song
    jobs, errors = [], []

    def send(i):
        try:
            jobs.append(c.call("POST", "/api/songs/morning/edit", {"line": f"verse {1 + i % 2}:1",
                                                                   "what": "words", "seed": i})[1]["job"])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(jobs) == 4
    assert all(c.wait(j)["state"] == "done" for j in jobs)
    _, view = c.call("GET", "/api/songs/morning")
    assert len(view["history"]) == 4 and view["versions"] == 4  # every edit landed, one after another


def test_generate_from_a_prompt(studio):
    _, c = studio
    req = {"prompt": "rainy night, lost love", "seed": 2, "form": "intro,verse,chorus,outro",
           "bars": "2,4,4,2"}
    status, got = c.call("POST", "/api/generate", req)
    assert status == 202 and got["name"] == "rainy-night-lost-love"
    job = c.wait(got["job"])
    assert job["state"] == "done", job
    assert set(job["result"]["timings"]) >= {"plan", "lyrics", "music", "align", "arrange", "render"}
    _, songs = c.call("GET", "/api/songs")
    assert [s["name"] for s in songs["songs"]] == ["rainy-night-lost-love"]
    _, view = c.call("GET", "/api/songs/rainy-night-lost-love")
    assert any(s["lines"] for s in view["sections"])


def test_viewing_a_sung_song_prepares_its_audio_for_edits_once(tmp_path, tiny_models, monkeypatch):
    import time

    import numpy as np

    from musegen.render import incremental
    from musegen.render.audio import REVERB_WET, resolve_soundfont
    from musegen.studio import make_server
    from studio.conftest import Client

    primed = []

    def fake_prime(song, cache, soundfont=None):  # what prime() leaves behind, without the voice
        primed.append(song.plan.title)
        cache.put_band(incremental.band_key(song, resolve_soundfont(soundfont), REVERB_WET), np.zeros(2))
        return incremental.RenderStats()

    monkeypatch.setattr(incremental, "prime", fake_prime)
    server = make_server(tmp_path / "songs", port=0, models=tiny_models)  # audio and vocals on
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        folder = server.studio.folder / "sung"
        write_song_folder(make_song(), folder, audio_format=None)
        (folder / "vocals.wav").write_bytes(b"")  # as if the CLI had sung it
        c = Client(server)
        for _ in range(2):
            assert c.call("GET", "/api/songs/sung")[0] == 200
            while server.studio.worker.pending():
                time.sleep(0.05)
        assert primed == ["Morning Light"]  # once: the second view finds it prepared
    finally:
        server.shutdown()
        server.server_close()
        server.studio.worker.stop()
