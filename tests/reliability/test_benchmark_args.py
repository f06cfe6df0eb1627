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
