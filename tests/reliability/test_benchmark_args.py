"""Benchmark scripts refuse arguments that would quietly measure something else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_lyrics_benchmark_refuses_an_old_src_without_the_package(tmp_path):
    """`--old-src DIR/src` once put DIR/src/src on PYTHONPATH: the 'old' arm imported this checkout and
    two A/Bs compared the new code with itself."""
    (tmp_path / "src").mkdir()
    bench = ROOT / "benchmarks" / "lyrics.py"
    cmd = [sys.executable, str(bench), "--old-src", str(tmp_path / "src"), "--no-copy"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "--old-src" in r.stderr and "no src/musegen under it" in r.stderr
    assert "Traceback" not in r.stderr


def _bench(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vocals_benchmark_cuts_lines_between_their_sounds():
    """A word's last consonant is sung into the rest after its note; cut from the notes (0.3 s before the
    next line's first note) 12 % of a song set's lines lost it and Whisper heard a clipped last word."""
    from types import SimpleNamespace as Line

    vocals = _bench("vocals")
    lines = [Line(start=1.0, end=3.0), Line(start=3.4, end=5.0)]
    sung = [(0.85, 3.15), (3.3, 5.2)]  # the first line's release ends 0.15 s after its note
    (a0, b0), (a1, b1) = vocals.line_cuts(lines, 10.0, sung)
    assert a0 < 0.85 and b0 >= 3.15 and b0 == a1 <= 3.3 and b1 > 5.2
    old = vocals.line_cuts(lines, 10.0)
    assert old[0][1] < 3.15  # the old cut clipped it


def test_vocals_benchmark_counts_missed_words_by_place():
    vocals = _bench("vocals")
    assert vocals.heard_right("the sun sets to a dark", "the sun set you in dark") == [
        True, True, False, False, False, True]
    rows = [{"heard": [{"line": "warm night", "sung_heard": "war night"},
                       {"line": "warm night", "sung_heard": "war night"}]}]  # a repeated line counts once
    assert vocals.missed_by_position(rows) == {"first": 1.0, "last": 0.0}
