"""Fault injection: kill `musegen generate`, `render` and `finetune` at random points, re-run, count harm.

Every trial starts the real command (real models), sends SIGKILL, SIGTERM or SIGINT at a random moment
within the time an uninterrupted run takes, then inspects the output location and re-runs the same
command (no --force), as a user would. It prints one JSON object with, per command and in total:

    runs               commands started (references, killed runs, re-runs, --force trials)
    tracebacks         runs whose output holds a Python traceback
    unclear_messages   failed runs (not killed by us) without exactly one "Error:" line
    partial_outputs    output folders that exist but are not a complete, loadable song / style
    data_lost          a complete song or style that a killed --force run left missing or broken
    orphan_folders     hidden temp/leftover entries still present after the re-run finished
    nondeterministic   re-runs whose result differs from the uninterrupted reference (same seed)

The baseline is the uninterrupted reference run of each command, measured in the same invocation.

    .venv/bin/python scripts/fault_inject.py --trials 3 --work /tmp/fault --seed 0
    .venv/bin/python scripts/fault_inject.py --only render --trials 10

Wall times depend on the machine's load; they are printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

# With --code DIR every command runs the musegen of DIR (a frozen copy, e.g. `git archive HEAD`) instead
# of the installed one, so that nobody editing the working tree meanwhile changes what is measured.
FROZEN = """
import sys
CODE = {code!r}
if CODE:
    sys.meta_path[:] = [m for m in sys.meta_path if "editable" not in type(m).__module__]
    sys.path.insert(0, CODE + "/src")
"""
RUN = """
from musegen.cli.main import run
sys.argv = ["musegen", *sys.argv[1:]]
run()
"""
# `musegen finetune` with a smaller training budget (so that a CPU fits several trials): the real CLI,
# real default models and the real resume path; only FinetuneConfig's defaults shrink.
QUICK_FINETUNE = """
import musegen.training.finetune as ft
base = ft.FinetuneConfig
class Quick(base):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.min_steps, self.guard_samples, self.music_batch, self.music_block = 6, 2, 4, 256
ft.FinetuneConfig = Quick
"""
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
LEFTOVER_RE = re.compile(r"^\..+\.(tmp|old|partial)$")
SONG_FILES = ("song.json", "song.mid", "song.musicxml", "lyrics.txt", "song.lrc")


class Injector:
    """Runs commands, kills them, and keeps the counts."""

    def __init__(self, work: Path, rng: random.Random, quick_finetune: bool = True, code: Path | None = None
                 ) -> None:
        self.quick_finetune = quick_finetune
        self.code = code
        self.on_run = None  # called after every run (progress report)
        self.work = work
        self.rng = rng
        self.counts: dict[str, Counter] = {}
        self.log: list[dict] = []
        self.env = {**os.environ, "MUSEGEN_HOME": str(work / "home"), "OMP_NUM_THREADS": "2",
                    "PYTHONUNBUFFERED": "1"}

    def count(self, scenario: str, what: str, n: int = 1) -> None:
        """Add `n` to the `what` count of `scenario`."""
        self.counts.setdefault(scenario, Counter())[what] += n

    def run(self, scenario: str, args: list[str], kill_after: float | None = None) -> dict:
        """Run `musegen ARGS`; with `kill_after`, send a random signal after that many seconds."""
        sig = self.rng.choice(SIGNALS) if kill_after is not None else None
        t0 = time.time()
        quick = QUICK_FINETUNE if args[0] == "finetune" and self.quick_finetune else ""
        exe = [sys.executable, "-c", FROZEN.format(code=str(self.code or "")) + quick + RUN]
        proc = subprocess.Popen([*exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env, cwd=self.work)
        killed = False
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(sig)
                killed = True
        out, err = proc.communicate()
        res = {"args": args, "rc": proc.returncode, "seconds": round(time.time() - t0, 1), "killed": killed,
               "signal": sig.name if killed else None, "stderr_tail": err.strip().splitlines()[-2:]}
        self.log.append({"scenario": scenario, **res})
        if self.on_run is not None:
            self.on_run()
        self.count(scenario, "runs")
        text = out + err
        if "Traceback (most recent call last)" in text:
            self.count(scenario, "tracebacks")
        if proc.returncode != 0 and not killed:
            errors = [ln for ln in text.splitlines() if ln.startswith("Error:")]
            if len(errors) != 1 or len(errors[0]) < 20:
                self.count(scenario, "unclear_messages")
        res["output"] = text
        return res

    def leftovers(self, scenario: str, *folders: Path) -> None:
        """Count hidden temp/leftover entries (`.NAME.….tmp`, `.NAME.old`, `.NAME.partial`)."""
        for folder in folders:
            found = [p.name for p in folder.iterdir() if LEFTOVER_RE.match(p.name)] if folder.is_dir() else []
            if found:
                self.count(scenario, "orphan_folders", len(found))
                self.log.append({"scenario": scenario, "orphans": found})


def song_ok(folder: Path, audio: bool) -> bool:
    """A complete song folder whose song.json loads."""
    from musegen.errors import MusegenError
    from musegen.songfile import load_song

    names = SONG_FILES + (("song.wav",) if audio else ())
    if not folder.is_dir() or not all((folder / n).is_file() and (folder / n).stat().st_size > 0
                                      for n in names):
        return False
    try:
        load_song(folder / "song.json")
    except MusegenError:
        return False
    return True


def style_ok(folder: Path) -> bool:
    """A complete style folder (card, music checkpoint, guard index)."""
    from musegen.errors import MusegenError
    from musegen.styles.store import read_style

    try:
        style = read_style(folder)
    except MusegenError:
        return False
    return (style.music_path / "model.safetensors").is_file() and style.catalog_path.is_file()


def _same(a: Path, b: Path, names: tuple[str, ...]) -> bool:
    def norm(p: Path) -> bytes:
        if p.name != "song.json":
            return p.read_bytes()
        d = json.loads(p.read_text())
        d.get("meta", {}).pop("timings", None)
        return json.dumps(d, sort_keys=True).encode()

    return all(norm(a / n) == norm(b / n) for n in names)


# ----------------------------------------------------------------------------- scenarios
def song_scenario(inj: Injector, name: str, base_args: list[str], trials: int, audio: bool,
                  compare: tuple[str, ...]) -> dict:
    """Kill a command that writes a song folder; the re-run must give the reference's files."""
    root = inj.work / name
    root.mkdir(parents=True, exist_ok=True)
    ref = inj.run(name, [*base_args, "--out", str(root / "ref")])
    if ref["rc"] != 0 or not song_ok(root / "ref", audio):
        raise SystemExit(f"{name}: the reference run failed: {ref['output'][-500:]}")
    t_ref = ref["seconds"]
    for i in range(trials):
        out = root / f"t{i}"
        inj.run(name, [*base_args, "--out", str(out)], kill_after=_kill_time(inj, i, t_ref))
        finished = song_ok(out, audio)
        if out.exists() and not finished:
            inj.count(name, "partial_outputs")
        again = inj.run(name, [*base_args, "--out", str(out)])
        if finished:  # the first run won: the re-run must refuse clearly, not overwrite
            if again["rc"] != 2 or "--force" not in again["output"]:
                inj.count(name, "unclear_messages")
        elif again["rc"] != 0 or not song_ok(out, audio):
            inj.count(name, "partial_outputs")
        if song_ok(out, audio) and not _same(out, root / "ref", compare):
            inj.count(name, "nondeterministic")
        inj.leftovers(name, root)
    # --force over an existing song, killed: the old or the new song must be there, whole
    for i in range((trials + 1) // 2):
        out = root / f"force{i}"
        shutil.copytree(root / "ref", out)
        inj.run(name, [*base_args, "--out", str(out), "--force"], kill_after=_kill_time(inj, i + 1, t_ref))
        if not song_ok(out, audio):
            inj.count(name, "data_lost")
        inj.run(name, [*base_args, "--out", str(out), "--force"])
        inj.leftovers(name, root)
    return {"reference_seconds": t_ref}


def _kill_time(inj: Injector, i: int, t_ref: float) -> float:
    """Seconds before the kill: anywhere in the run (even trials) or in its last 15 %, the writing (odd)."""
    lo = 0.85 if i % 2 else 0.02
    return max(0.5, inj.rng.uniform(lo, 1.05) * t_ref)


def finetune_scenario(inj: Injector, catalog: Path, other: Path, trials: int, epochs: int) -> dict:
    """Kill `musegen finetune`; the re-run resumes to the reference's figures; leftovers are refused."""
    name = "finetune"
    styles = inj.work / "home" / "styles"
    args = ["finetune", "--midi", str(catalog), "--epochs", str(epochs), "--device", "cpu"]
    ref = inj.run(name, [*args, "--name", "ref"])
    if ref["rc"] != 0 or not style_ok(styles / "ref"):
        raise SystemExit(f"finetune: the reference run failed: {ref['output'][-500:]}")
    t_ref = ref["seconds"]
    ref_music = json.loads((styles / "ref" / "style.json").read_text())["figures"]["music"]
    for i in range(trials):
        style = f"t{i}"
        inj.run(name, [*args, "--name", style], kill_after=inj.rng.uniform(0.3, 1.0) * t_ref)
        if (styles / style).exists() and not style_ok(styles / style):
            inj.count(name, "partial_outputs")
        if i == 0 and (styles / f".{style}.partial").is_dir():  # another catalog under the same name
            mix = inj.run(name, ["finetune", "--midi", str(other), "--epochs", str(epochs), "--device", "cpu",
                                 "--name", style])
            if mix["rc"] != 2 or "--force" not in mix["output"]:
                inj.count(name, "unclear_messages")
        finished = style_ok(styles / style)
        again = inj.run(name, [*args, "--name", style])
        if finished:  # the first run won: the re-run must refuse clearly
            if again["rc"] != 2 or "--force" not in again["output"]:
                inj.count(name, "unclear_messages")
        elif again["rc"] != 0 or not style_ok(styles / style):
            inj.count(name, "partial_outputs")
        if style_ok(styles / style):
            music = json.loads((styles / style / "style.json").read_text())["figures"]["music"]
            if music != ref_music:
                inj.count(name, "nondeterministic")
                inj.log.append({"scenario": name, "resumed_music": music, "reference_music": ref_music})
        inj.leftovers(name, styles)
    # --force over an existing style, killed: a whole style must still be there
    shutil.copytree(styles / "ref", styles / "keep")
    inj.run(name, [*args, "--name", "keep", "--force"], kill_after=inj.rng.uniform(0.3, 1.0) * t_ref)
    if not style_ok(styles / "keep"):
        inj.count(name, "data_lost")
    inj.run(name, [*args, "--name", "keep", "--force"])
    inj.leftovers(name, styles)
    listing = inj.run(name, ["styles", "list"])
    if listing["rc"] != 0 or ".partial" in listing["output"] or ".tmp" in listing["output"]:
        inj.count(name, "unclear_messages")
    return {"reference_seconds": t_ref, "reference_music": ref_music}


def main() -> None:
    """Run the scenarios and print the counts as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/musegen-fault"))
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=("generate", "render", "finetune"), action="append")
    ap.add_argument("--catalog", type=Path, default=None,
                    help="MIDI folder for finetune (default: 4 Nottingham tunes from /work/shared/data)")
    ap.add_argument("--finetune-epochs", type=int, default=1)
    ap.add_argument("--code", type=Path, default=None,
                    help="Run the musegen of this source tree (with cli/ and soundfonts/ linked into "
                         "src/musegen) instead of the installed one.")
    ap.add_argument("--full-finetune", action="store_true",
                    help="Run finetune with its default training budget (minutes per run on a CPU).")
    ap.add_argument("--log", type=Path, default=None, help="Write every run's record here as JSON.")
    a = ap.parse_args()
    only = set(a.only or ("generate", "render", "finetune"))
    if a.work.exists():
        shutil.rmtree(a.work)
    a.work.mkdir(parents=True)
    inj = Injector(a.work, random.Random(a.seed), quick_finetune=not a.full_finetune, code=a.code)
    info: dict = {"load_average_start": os.getloadavg()}

    def report(final: bool) -> None:  # after every scenario, so that a long run can be read early
        keys = ("runs", "tracebacks", "unclear_messages", "partial_outputs", "data_lost", "orphan_folders",
                "nondeterministic")
        per = {s: {k: c.get(k, 0) for k in keys} for s, c in inj.counts.items()}
        total = {k: sum(p[k] for p in per.values()) for k in keys}
        doc = {"total": total, "per_command": per, "trials": a.trials, "seed": a.seed, **info,
               "load_average_now": os.getloadavg(), "finished": final}
        if a.log:
            a.log.write_text(json.dumps({"summary": doc, "runs": inj.log}, indent=1, default=str))
        if final:
            print(json.dumps(doc, indent=1))

    inj.on_run = lambda: report(False)
    gen_args = ["generate", "a sunny morning walk by the sea", "--seed", "7", "--no-audio"]
    if "generate" in only or "render" in only:
        info["generate"] = song_scenario(inj, "generate", gen_args, a.trials if "generate" in only else 0,
                                         audio=False, compare=SONG_FILES)
        report(False)
    if "render" in only:
        src = a.work / "generate" / "ref" / "song.json"
        info["render"] = song_scenario(inj, "render", ["render", str(src)], a.trials, audio=True,
                                       compare=(*SONG_FILES, "song.wav"))
        report(False)
    if "finetune" in only:
        catalog = a.catalog or _nottingham(a.work, 0)
        info["finetune"] = finetune_scenario(inj, catalog, _nottingham(a.work, 4), a.trials,
                                             a.finetune_epochs)
    report(True)


def _nottingham(work: Path, start: int) -> Path:
    src = Path("/work/shared/data/nottingham/MIDI")
    if not src.is_dir():
        raise SystemExit("pass --catalog DIR (a folder of a few MIDI songs) for the finetune trials")
    out = work / f"catalog{start}"
    out.mkdir()
    for f in sorted(src.glob("*.mid"))[start:start + 4]:
        shutil.copy(f, out / f.name)
    return out


if __name__ == "__main__":
    main()
