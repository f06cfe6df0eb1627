"""Atomic file output: nothing half-written is ever left behind, nothing is overwritten without force.

Temp siblings are named `.NAME.p<PID>.XXXXXXXX.tmp` so that a later run can tell a live writer's folder
from the leftover of a killed one (`clean_orphans`). Publishing a folder without force is a plain
`rename`, which the kernel refuses onto a non-empty folder: of two runs racing for the same `--out`,
the loser fails with OutputExistsError instead of silently replacing the winner's song.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from musegen.errors import InputError, OutputExistsError

_TMP_RE = re.compile(r"^\.(?P<name>.+?)\.(?:p(?P<pid>\d+)\.)?[A-Za-z0-9_]{8}\.tmp$")
_OLD_RE = re.compile(r"^\.(?P<name>.+)\.old$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def tmp_prefix(name: str) -> str:
    """Prefix of this process's temp siblings of `name` (see `clean_orphans`)."""
    return f".{name}.p{os.getpid()}."


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` via a temp file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(path.name), suffix=".tmp", dir=path.parent)
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


def check_out_path(path: str | os.PathLike, what: str = "--out") -> Path:
    """Refuse output folders that cannot be a song folder: "", ".", "..", "/", or a folder holding the cwd.

    Replacing them (with --force) would delete the folder the user is working in.
    """
    raw = os.fspath(path)
    if not raw.strip():
        raise InputError(f"{what}: empty path; give the name of a new folder, e.g. {what} my-song")
    p = Path(raw).expanduser()
    resolved = p.resolve()
    cwd = Path.cwd().resolve()
    if p.name in ("", ".", "..") or resolved == cwd or resolved in cwd.parents or resolved.parent == resolved:
        raise InputError(f"{what} {raw}: is the current folder or one above it; give the name of a new "
                         f"folder, e.g. {what} my-song")
    return p


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
    try:  # /proc, /sys and read-only mounts pass os.access but refuse new entries
        fd, probe_file = tempfile.mkstemp(prefix=tmp_prefix("probe"), suffix=".tmp", dir=probe)
        os.close(fd)
        os.unlink(probe_file)
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot create files in {probe} ({exc.strerror or exc}); "
                         "choose another output path") from None


def check_output_dir(out: str | os.PathLike, *, force: bool = False, what: str = "--out") -> Path:
    """All checks of an output folder that can run before any work: a sane path, writable, free or forced."""
    out = check_out_path(out, what)
    if out.exists() and not force and not (out.is_dir() and not any(out.iterdir())):
        raise OutputExistsError(f"{what} {out}: already exists; pass --force to overwrite it")
    check_writable_dir(out if out.is_dir() or not out.exists() else out.parent, what)
    return out


@contextlib.contextmanager
def atomic_dir(out: str | os.PathLike, *, force: bool = False, what: str = "--out") -> Iterator[Path]:
    """Build a folder in a temp sibling and move it into place only if the block succeeds.

    An existing non-empty `out` raises OutputExistsError unless `force` (then it is replaced whole),
    both before the block and again at the final rename (another process may have written it since).
    The parent's leftovers of killed runs are removed first (`clean_orphans`).
    """
    out = check_output_dir(out, force=force, what=what)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(out.name), suffix=".tmp", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        yield tmp
        publish_dir(tmp, out, force=force, what=what)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def publish_dir(src: Path, dst: Path, *, force: bool = False, what: str = "--out") -> None:
    """Rename the finished folder `src` to `dst`.

    Without `force` only an absent or empty `dst` is taken; otherwise OutputExistsError, decided by the
    rename itself so that two concurrent writers cannot both succeed. With `force` `dst` is replaced.
    """
    if force:
        replace_path(src, dst)
        return
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, OSError):
        if dst.is_dir() and not dst.is_symlink():
            dst.rmdir()  # only succeeds while empty
    try:
        if _renameat2(src, dst, _RENAME_NOREPLACE) is False:
            os.rename(src, dst)  # a folder onto a non-empty folder or a file fails in the kernel
    except (FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
        raise OutputExistsError(f"{what} {dst}: was written by another run meanwhile; pass --force to "
                                "overwrite it, or choose another folder") from exc
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise OutputExistsError(f"{what} {dst}: was written by another run meanwhile; pass --force "
                                    "to overwrite it, or choose another folder") from exc
        raise


def replace_path(src: Path, dst: Path) -> None:
    """Move the finished folder `src` to `dst`, replacing whatever `dst` was.

    Uses an atomic exchange where the system has one; otherwise via a `.NAME.old` sibling, which
    `clean_orphans` puts back if the run is killed between the two renames.
    """
    if dst.exists() or dst.is_symlink():
        if _renameat2(src, dst, _RENAME_EXCHANGE):
            _remove(src)  # src now holds the old content
            return
        old = dst.with_name(f".{dst.name}.old")
        _remove(old)
        os.replace(dst, old)
        os.replace(src, dst)
        _remove(old)
    else:
        os.replace(src, dst)


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2
_AT_FDCWD = -100


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        lib = ctypes.CDLL(name, use_errno=True)
        fn = lib.renameat2
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux renameat2(2); False when the system or file system lacks it, OSError on a real failure."""
    fn = _libc()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


# ----------------------------------------------------------------------------- leftovers of killed runs
def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def process_start(pid: int) -> float | None:
    """Start time (epoch seconds) of process `pid`, None when unknown (no /proc) or not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    boot = _boot_time()
    if boot is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_START = process_start(os.getpid()) or time.time()


def is_orphan(path: Path) -> bool:
    """Whether `path` is a temp leftover of a run that is no longer running.

    Names with a writer pid: orphan when that process is gone (or the pid was reused by a process
    started after the leftover was last touched). Older names without one: orphan when last touched
    before this process started.
    """
    m = _TMP_RE.match(path.name)
    if not m:
        return False
    try:
        mtime = path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if m.group("pid") is None:
        return mtime < _START
    pid = int(m.group("pid"))
    if pid == os.getpid():
        return False
    if not _alive(pid):
        return True
    started = process_start(pid)
    return started is not None and started > mtime + 1


def clean_orphans(folder: str | os.PathLike) -> list[Path]:
    """Remove leftovers of killed runs in `folder`; return what was removed (or restored).

    `.NAME.[pPID.]XXXXXXXX.tmp` files and folders of dead writers are deleted; a `.NAME.old` folder is
    deleted when NAME exists and put back as NAME when it does not (a replace killed half-way).
    """
    folder = Path(folder)
    done: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return done
    for p in entries:
        if not p.name.startswith("."):
            continue
        if is_orphan(p):
            _remove(p)
            done.append(p)
            continue
        m = _OLD_RE.match(p.name)
        if m and p.is_dir() and p.lstat().st_mtime < _START:
            target = p.with_name(m.group("name"))
            if target.exists():
                _remove(p)
            else:
                with contextlib.suppress(OSError):
                    os.rename(p, target)
            done.append(p)
    return done


def _remove(path: Path) -> None:
    """Remove a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
