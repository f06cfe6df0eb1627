"""Benchmark of the studio's edit loop on this CPU, real models loaded once; prints JSON.

    .venv/bin/python benchmarks/edit.py [--edits 5] [--prompt P] [--seed 1] [--regenerate] [--out F]

1. studio, prompt to first audio: a studio server with the real models (loaded once by its warm-up
   job, timed apart), POST /api/generate until the job is done and song.wav (sung) is on disk. Seconds
   per stage (plan, lyrics, music, align, arrange, render) and the process's CPU time.
2. edit with audio (the studio path): POST /api/songs/<name>/edit {"line", "seed"} on `--edits` lines,
   new words and melody, then the folder re-rendered with the studio's RenderCache (only the changed
   lines are sung again, the band is reused). Seconds and CPU seconds per edit, what was sung again, and
   the parts of song.json outside the edited line that differ (target 0).
3. old path, same run: the same edits with the same seeds on a copy of the song, re-rendered whole
   (`edit_folder` without a cache: the band and every line sung again), and whether the two paths wrote
   the same song.wav, vocals.wav and band.wav bytes.
4. `--regenerate`: also what musegen offered before edit existed, a whole new song with another seed.

Wall times on a shared machine are inflated by other load: the load average is printed with them, and
the CPU time of the thread doing the work (which load does not inflate) beside them: `cpu_s` of a studio
job is its worker thread's `time.thread_time()`, `process_cpu_s` the whole process's (HTTP threads too).
"""

from __future__ import annotations

import argparse
import filecmp
import http.client
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

PROMPT = "rainy night in the city, missing you"
TARGETS = {"edit_line_median_s": 5.0, "studio_prompt_to_first_audio_s": 30.0, "outside_changed": 0}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Client:
    """JSON calls to a studio on 127.0.0.1; `wait` polls a job until it is done."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        conn.request(method, path, json.dumps(body) if body is not None else None,
                     {"Content-Type": "application/json"})
        out = json.loads(conn.getresponse().read())
        conn.close()
        return out

    def wait(self, job_id: str) -> dict:
        while True:
            job = self.call("GET", f"/api/jobs/{job_id}")
            if job["state"] in ("done", "error"):
                return job
            time.sleep(0.25)  # the page polls every 0.3 s; faster polling costs the job CPU


def _timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)


def _lines(song, n: int) -> list[str]:
    from musegen.edit.targets import section_names

    names = section_names(song)
    lines = [f"{names[k]}:{i + 1}" for k, s in enumerate(song.sections) if s.repeat_of is None
             for i in range(len(s.lines))]
    return [lines[(j * 7) % len(lines)] for j in range(n)]


def _outside(before, after, line: str) -> list[str]:
    from musegen.edit import changed_parts, inside, resolve

    target = resolve(before, line=line)
    return sorted(set(changed_parts(before, after)) - inside(target.lines, target.detached))


def _text(song, line: str) -> str:
    from musegen.edit import resolve

    k, idx = next(iter(resolve(song, line=line).lines.items()))
    return song.sections[k].lines[idx[0]].text


def bench_studio_edits(client: Client, studio, folder: Path, picks: list[str]) -> list[dict]:
    from musegen.edit.folder import load_folder

    rows = []
    for j, line in enumerate(picks):
        before, _ = load_folder(folder)
        job, wall, cpu = _timed(lambda line=line, j=j: client.wait(
            client.call("POST", f"/api/songs/{folder.name}/edit", {"line": line, "seed": 100 + j})["job"]))
        if job["state"] != "done":
            raise SystemExit(f"edit {line}: {job['error']}")
        after, _ = load_folder(folder)
        st = studio.cache.last
        outside = _outside(before, after, line)
        rows.append({"line": line, "seconds": wall, "cpu_s": job["result"]["cpu_s"], "process_cpu_s": cpu,
                     "render_cpu_s": st.seconds.get("cpu"), "lines_sung": st.lines_sung,
                     "lines_reused": st.lines_reused, "band_reused": st.band_reused, "render_s": st.seconds,
                     "outside_changed": len(outside), "outside": outside[:5], "old_text": _text(before, line),
                     "new_text": _text(after, line), "load": _load()})
    return rows


def bench_full_edits(folder: Path, picks: list[str], models) -> list[dict]:
    from musegen.edit import edit_song, resolve
    from musegen.edit.folder import load_folder, render_folder

    rows = []
    for j, line in enumerate(picks):
        t, c = time.perf_counter(), time.thread_time()
        song, data = load_folder(folder)
        res = edit_song(song, resolve(song, line=line), "both", seed=100 + j, models=models)
        t1, c1 = time.perf_counter(), time.thread_time()
        render_folder(res.song, folder, push=data)  # no cache: everything rendered again
        t2, c2 = time.perf_counter(), time.thread_time()
        rows.append({"line": line, "seconds": round(t2 - t, 2), "cpu_s": round(c2 - c, 2),
                     "edit_s": round(t1 - t, 2), "edit_cpu_s": round(c1 - c, 2),
                     "render_s": round(t2 - t1, 2), "render_cpu_s": round(c2 - c1, 2), "load": _load()})
    return rows


def _summary(rows: list[dict]) -> dict:
    secs = [r["seconds"] for r in rows]
    return {"median_s": round(statistics.median(secs), 2), "max_s": max(secs),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in rows), 2),
            "median_render_cpu_s": round(statistics.median(r["render_cpu_s"] for r in rows), 2)}


def bench_regenerate(models) -> dict:
    from musegen.pipeline import compose
    from musegen.render import write_song_folder

    tmp = Path(tempfile.mkdtemp(prefix="musegen-bench-"))
    try:
        _, wall, cpu = _timed(lambda: write_song_folder(
            compose(PROMPT, seed=2, lyrics_model=models.get(None, "lyrics"),
                    music_model=models.get(None, "music")), tmp / "song", vocals=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"what": "a whole new song with another seed (compose + sung render)", "seconds": wall,
            "cpu_s": cpu, "load": _load()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--prompt", default=PROMPT)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--regenerate", action="store_true", help="also time a whole new song (slow)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from musegen.edit import Models
    from musegen.edit.folder import load_folder
    from musegen.studio import make_server
    from musegen.studio.actions import warm

    work = Path(tempfile.mkdtemp(prefix="musegen-edit-bench-"))
    models = Models()
    server = make_server(work / "studio", port=0, models=models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    studio, client = server.studio, Client(server.server_address[1])
    out: dict = {"targets": TARGETS, "load_at_start": _load()}
    try:
        _, out["models_load_s"], out["models_load_cpu_s"] = _timed(lambda: client.wait(warm(studio)))
        got = client.call("POST", "/api/generate", {"prompt": args.prompt, "seed": args.seed})
        job, wall, cpu = _timed(lambda: client.wait(got["job"]))
        folder = studio.folder / got["name"]
        if job["state"] != "done" or not (folder / "song.wav").is_file():
            raise SystemExit(f"generate: {job['error']}")
        stages = {k: round(v, 2) for k, v in job["result"]["timings"].items()}
        out["studio_prompt_to_first_audio"] = {"seconds": wall, "cpu_s": sum(job["result"]["cpu"].values()),
                                               "process_cpu_s": cpu, "stages_s": stages,
                                               "stages_cpu_s": job["result"]["cpu"],
                                               "render_parts_s": studio.cache.last.seconds, "load": _load()}
        old = work / "old" / folder.name
        shutil.copytree(folder, old)
        picks = _lines(load_folder(folder)[0], args.edits)
        rows = bench_studio_edits(client, studio, folder, picks)
        worst = max(r["outside_changed"] for r in rows)
        out["edit_line_with_audio"] = {**_summary(rows), "outside_changed_max": worst, "edits": rows}
        full = bench_full_edits(old, picks, models)
        out["old_path_full_rerender"] = {**_summary(full), "edits": full}
        out["same_audio_bytes_as_full_rerender"] = {n: filecmp.cmp(folder / n, old / n, shallow=False)
                                                    for n in ("song.wav", "vocals.wav", "band.wav")}
        if args.regenerate:
            out["baseline_regenerate"] = bench_regenerate(models)
    finally:
        server.shutdown()
        server.server_close()
        studio.worker.stop()
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
