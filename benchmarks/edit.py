"""Benchmark of `musegen edit` and the studio on this CPU, with the real models loaded once; prints JSON.

    .venv/bin/python benchmarks/edit.py [--song DIR] [--edits 5] [--no-studio] [--out bench.json]

- edit: `edit_folder --line` (new words + new melody, then the whole folder re-rendered: song.json, MIDI,
  MusicXML, audio) on `--edits` different lines of one song, models loaded once as in the studio —
  seconds per edit (median; and split into the edit itself and the re-render), and the parts of song.json
  outside the edited line that differ (target 0). Also with `--no-audio` re-rendering.
- baseline, same run: what musegen offered before — regenerating the whole song with another seed
  (compose + render): its seconds, and how many parts of song.json changed.
- studio: prompt to first audio (POST /api/generate until song.wav is written), models warm.

Wall times on a shared machine are inflated by other load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

PROMPT = "rainy night in the city, missing you"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _generate(out: Path, seed: int, models) -> float:
    from musegen.pipeline import compose
    from musegen.render import write_song_folder

    t = time.perf_counter()
    song = compose(PROMPT, seed=seed, lyrics_model=models.get(None, "lyrics"),
                   music_model=models.get(None, "music"))
    write_song_folder(song, out, vocals=True, force=True)
    return time.perf_counter() - t


def bench_edits(folder: Path, n: int, models, audio: bool) -> dict:
    from musegen.edit import changed_parts, inside
    from musegen.edit.folder import load_folder, render_folder
    from musegen.edit.ops import edit_song
    from musegen.edit.targets import resolve, section_names

    song, _ = load_folder(folder)
    names = section_names(song)
    lines = [f"{names[k]}:{i + 1}" for k, s in enumerate(song.sections) if s.repeat_of is None
             for i in range(len(s.lines))]
    picks = [lines[(j * 7) % len(lines)] for j in range(n)]
    rows = []
    for j, line in enumerate(picks):
        song, data = load_folder(folder)
        t0 = time.perf_counter()
        target = resolve(song, line=line)
        res = edit_song(song, target, "both", seed=100 + j, models=models)
        t1 = time.perf_counter()
        render_folder(res.song, folder, push=data, audio=audio)
        t2 = time.perf_counter()
        after, _ = load_folder(folder)
        outside = sorted(set(changed_parts(song, after)) - inside(target.lines, target.detached))
        k, i = next((k, v[0]) for k, v in target.lines.items())
        rows.append({"line": line, "seconds": round(t2 - t0, 2), "edit_s": round(t1 - t0, 2),
                     "render_s": round(t2 - t1, 2), "outside_changed": len(outside), "outside": outside[:5],
                     "old_text": song.sections[k].lines[i].text, "new_text": after.sections[k].lines[i].text})
    secs = [r["seconds"] for r in rows]
    return {"median_s": round(statistics.median(secs), 2), "max_s": max(secs),
            "median_edit_s": round(statistics.median(r["edit_s"] for r in rows), 2),
            "median_render_s": round(statistics.median(r["render_s"] for r in rows), 2),
            "outside_changed_max": max(r["outside_changed"] for r in rows), "edits": rows, "load": _load()}


def bench_baseline(folder: Path, models) -> dict:
    from musegen.edit import changed_parts
    from musegen.edit.folder import load_folder
    from musegen.edit.splice import parts

    before, _ = load_folder(folder)
    tmp = Path(tempfile.mkdtemp(prefix="musegen-bench-"))
    try:
        secs = _generate(tmp / "song", 2, models)
        after, _ = load_folder(tmp / "song")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    changed = changed_parts(before, after)
    total = len(set(parts(before)) | set(parts(after)))
    return {"what": "regenerate the whole song with another seed (compose + render)",
            "seconds": round(secs, 2), "changed_parts": len(changed), "of_parts": total, "load": _load()}


def bench_studio(models) -> dict:
    import http.client

    from musegen.studio import make_server

    work = Path(tempfile.mkdtemp(prefix="musegen-studio-"))
    server = make_server(work, port=0, models=models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]

        def call(method: str, path: str, body: dict | None = None) -> dict:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Content-Type": "application/json"})
            out = json.loads(conn.getresponse().read())
            conn.close()
            return out

        t = time.perf_counter()
        got = call("POST", "/api/generate", {"prompt": "hopeful sunrise after a long winter", "seed": 5})
        while True:
            job = call("GET", f"/api/jobs/{got['job']}")
            if job["state"] in ("done", "error"):
                break
            time.sleep(0.2)
        secs = time.perf_counter() - t
        ok = job["state"] == "done" and (work / got["name"] / "song.wav").is_file()
        stages = {k: round(v, 2) for k, v in job["result"].get("timings", {}).items()}
        return {"prompt_to_first_audio_s": round(secs, 2), "ok": ok, "error": job["error"],
                "stages_s": stages, "load": _load()}
    finally:
        server.shutdown()
        server.server_close()
        server.studio.worker.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--song", type=Path, default=None, help="a song folder to edit (a copy is edited)")
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--no-studio", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from musegen.edit import Models
    from musegen.plan import make_plan

    models = Models()
    t = time.perf_counter()
    from musegen.edit.words import word_tables

    models.get(None, "lyrics"), models.get(None, "music"), make_plan("warm up", seed=0), word_tables()
    out: dict = {"models_load_s": round(time.perf_counter() - t, 2), "load_at_start": _load(),
                 "targets": {"edit_line_median_s": 5.0, "studio_prompt_to_first_audio_s": 30.0,
                             "outside_changed": 0}}
    work = Path(tempfile.mkdtemp(prefix="musegen-edit-bench-"))
    try:
        folder = work / "song"
        if args.song is not None:
            shutil.copytree(args.song, folder, ignore=shutil.ignore_patterns("versions"))
        else:
            out["generate_s"] = round(_generate(folder, 1, models), 2)
        out["edit_line_with_audio"] = bench_edits(folder, args.edits, models, audio=True)
        out["edit_line_no_audio"] = bench_edits(folder, args.edits, models, audio=False)
        out["baseline_full_regenerate"] = bench_baseline(folder, models)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_studio:
        out["studio"] = bench_studio(models)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
