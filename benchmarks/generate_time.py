"""Wall and CPU seconds of cold `musegen generate` runs (sung audio, the default), with the stage times.

The issues' shared target: a whole `musegen generate` ≤ 30 s median on a 2-core CPU. Each run is a fresh
process, as a user runs it: `musegen generate PROMPT --seed i --out DIR --force`; beside it, `musegen render`
of the same song.json (`--vocals on`), the render-only floor every generate pays. Prints JSON (one line per
run, then the summary).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROMPTS = [
    "melancholic rainy night", "dark brooding synthwave drive through a neon city at 3am",
    "heartbroken country song about a small town girl who left",
    "upbeat gospel celebration on a sunday morning", "carefree beach party with a ukulele",
    "a lullaby for a sleepy puppy", "angry punk song about rent going up",
    "slow jazz ballad for a rainy cafe",
    "sea shanty about a ship that never came home", "lo-fi study session with coffee and snow outside",
]
CLI = [sys.executable, "-c", "from musegen.cli.main import run; run()"]


def timed(args: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """(result, wall seconds, CPU seconds of the child) of one CLI call."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run([*CLI, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return res, wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def run(prompt: str, seed: int, work: Path) -> dict:
    """One cold generate, then the render-only baseline of its song.json."""
    res, wall, cpu = timed(["generate", prompt, "--seed", str(seed), "--out", str(work / "song"), "--force"])
    m = re.search(r"time: (.*)", res.stdout + res.stderr)
    row = {"prompt": prompt, "seed": seed, "rc": res.returncode, "wall": round(wall, 1), "cpu": round(cpu, 1),
           "stages": m.group(1) if m else None, "load_1min": round(os.getloadavg()[0], 2)}
    if res.returncode == 0:
        base, bwall, bcpu = timed(["render", str(work / "song" / "song.json"), "--out", str(work / "render"),
                                   "--force"])
        row.update(render_rc=base.returncode, render_wall=round(bwall, 1), render_cpu=round(bcpu, 1))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    res: dict = {"cpus": os.cpu_count(), "load_1min_at_start": round(os.getloadavg()[0], 2)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="musegen-time-") as tmp:
        for i in range(args.runs):
            rows.append(run(PROMPTS[i % len(PROMPTS)], i, Path(tmp) / str(i)))
            print(json.dumps(rows[-1]), flush=True)
    ok = [r for r in rows if r["rc"] == 0]
    res.update(runs=rows, failed=len(rows) - len(ok))
    for key in ("wall", "cpu", "render_wall", "render_cpu"):
        vals = [r[key] for r in ok if key in r]
        res[f"median_{key}"] = statistics.median(vals) if vals else None
    res["load_1min_at_end"] = round(os.getloadavg()[0], 2)
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
