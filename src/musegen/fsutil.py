"""Atomic file output: nothing half-written is ever left behind, nothing is overwritten without force."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from musegen.errors import InputError, OutputExistsError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` via a temp file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """UTF-8 text version of `atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def check_writable_dir(path: Path, what: str = "--out") -> None:
    """Raise InputError unless `path`'s nearest existing ancestor is a writable directory."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"{what} {path}: {probe} is not a directory; choose another output path")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: {probe} is not writable; choose another output path")


@contextlib.contextmanager
def atomic_dir(out: str | os.PathLike, *, force: bool = False, what: str = "--out") -> Iterator[Path]:
    """Build a folder in a temp sibling and move it into place only if the block succeeds.

    An existing non-empty `out` raises OutputExistsError unless `force` (then it is replaced whole).
    """
    out = Path(out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())) and not force:
        raise OutputExistsError(f"{what} {out}: already exists; pass --force to overwrite it")
    check_writable_dir(out if out.is_dir() or not out.exists() else out.parent, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        yield tmp
        replace_path(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_path(src: Path, dst: Path) -> None:
    """Move the finished folder `src` to `dst`, replacing whatever `dst` was (via a `.old` sibling)."""
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old")
        _remove(old)
        os.replace(dst, old)
        os.replace(src, dst)
        _remove(old)
    else:
        os.replace(src, dst)


def _remove(path: Path) -> None:
    """Remove a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
