"""Wall and CPU seconds of cold `musegen generate` runs (sung audio, the default), with the stage times.

The issues' shared target: a whole `musegen generate` ≤ 30 s median on a 2-core CPU. Each run is a fresh
process, as a user runs it: `musegen generate PROMPT --seed i --out DIR --force`; beside it, `musegen render`
of the same song.json (`--vocals on`), the render-only floor every generate pays. Prints JSON (one line per
run, then the summary). `--helper-ab` instead runs each prompt twice, the lyrics helper process off and on
(`MUSEGEN_LYRICS_WORKERS`, alternating which goes first), and checks that both wrote the same words.
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


def helper_pair(prompt: str, seed: int, work: Path, first_on: bool) -> list[dict]:
    """The same generate with the lyrics helper off and on; each row says whether the words matched."""
    rows = []
    for on in (first_on, not first_on):
        os.environ["MUSEGEN_LYRICS_WORKERS"] = "1" if on else "0"
        res, wall, cpu = timed(["generate", prompt, "--seed", str(seed), "--out", str(work / str(int(on))),
                                "--force"])
        m = re.search(r"time: (.*)", res.stdout + res.stderr)
        rows.append({"prompt": prompt, "seed": seed, "helper": on, "rc": res.returncode,
                     "wall": round(wall, 1), "cpu": round(cpu, 1), "stages": m.group(1) if m else None,
                     "load_1min": round(os.getloadavg()[0], 2)})
        print(json.dumps(rows[-1]), flush=True)
    os.environ.pop("MUSEGEN_LYRICS_WORKERS")
    texts = [(work / d / "lyrics.txt").read_text() if (work / d / "lyrics.txt").is_file() else None
             for d in ("0", "1")]
    for r in rows:
        r["same_words"] = texts[0] is not None and texts[0] == texts[1]
    return rows


def _stage(row: dict, name: str) -> float | None:
    m = re.search(name + r" ([\d.]+) s", row.get("stages") or "")
    return float(m.group(1)) if m else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--helper-ab", action="store_true", help="each prompt with the lyrics helper off and on")
    args = ap.parse_args()
    res: dict = {"cpus": os.cpu_count(), "load_1min_at_start": round(os.getloadavg()[0], 2)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="musegen-time-") as tmp:
        for i in range(args.runs):
            if args.helper_ab:
                rows += helper_pair(PROMPTS[i % len(PROMPTS)], i, Path(tmp) / str(i), first_on=i % 2 == 1)
                continue
            rows.append(run(PROMPTS[i % len(PROMPTS)], i, Path(tmp) / str(i)))
            print(json.dumps(rows[-1]), flush=True)
    if args.helper_ab:
        for on in (False, True):
            arm = [r for r in rows if r["helper"] is on and r["rc"] == 0]
            arm_res: dict = {"median_wall": statistics.median(r["wall"] for r in arm) if arm else None}
            for name in ("lyrics", "music", "render"):
                vals = [x for r in arm if (x := _stage(r, name)) is not None]
                arm_res[f"median_{name}"] = statistics.median(vals) if vals else None
            res["helper_on" if on else "helper_off"] = arm_res
        res.update(runs=rows, failed=sum(r["rc"] != 0 for r in rows),
                   same_words_every_pair=all(r["same_words"] for r in rows),
                   load_1min_at_end=round(os.getloadavg()[0], 2))
        text = json.dumps(res, indent=1)
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
        return
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
