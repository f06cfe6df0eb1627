"""Derived tables kept in the user cache: built once per install, read back in a fraction of the time.

A table (the CMU dictionary as Python objects, the lyric word list with its prefix masks) takes seconds
to build from its sources on every run. Tables are plain data kept with `marshal` (fast, and it runs no
code on load). `cached` keeps the built value under a key that names
everything it depends on (library versions, the source of the code that builds it, its arguments);
a missing, stale or unreadable entry is rebuilt, and a cache that cannot be written only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
KEEP_PER_TABLE = 4  # versions of one table kept in the cache


def source_key(*parts: object, modules: Iterable[str] = (), packages: Iterable[str] = ()) -> str:
    """A short hash of `parts`, the source files of `modules` and the versions of `packages`."""
    h = hashlib.sha256(f"py{sys.version_info[:2]}".encode())
    for p in parts:
        h.update(repr(p).encode("utf-8", "surrogateescape"))
    for m in modules:
        spec = importlib.util.find_spec(m)
        h.update(Path(spec.origin).read_bytes() if spec and spec.origin else m.encode())
    for p in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{p}=={metadata.version(p)}".encode())
    return h.hexdigest()[:20]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """`build()`, kept as `<cache>/tables/<name>-<key>.marshal`.

    The value must be plain data (dicts, lists, tuples, strings, numbers): it is stored with `marshal`,
    which reads it back fast and, unlike pickle, runs no code while loading.
    """
    from musegen.fsutil import atomic_write_bytes
    from musegen.lyrics.base import cache_dir

    path = cache_dir() / "tables" / f"{name}-{key}.marshal"
    with contextlib.suppress(Exception):  # missing, truncated or from another version: rebuilt below
        value = marshal.loads(path.read_bytes())
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept when older versions are pruned
        return value
    value = build()
    with contextlib.suppress(Exception):
        atomic_write_bytes(path, marshal.dumps(value))
        # other keys of the same table (other versions, other blocklists): the most recently used few stay
        old = sorted(path.parent.glob(f"{name}-*.marshal"), key=lambda f: f.stat().st_mtime, reverse=True)
        for f in old[KEEP_PER_TABLE:]:
            f.unlink(missing_ok=True)
    return value
