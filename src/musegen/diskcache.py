"""Derived tables kept in the user cache: built once per install, read back in a fraction of the time.

A table (the CMU dictionary as Python objects, the lyric word list with its prefix masks) takes seconds
to build from its sources on every run. `cached` keeps the built value under a key that names
everything it depends on (library versions, the source of the code that builds it, its arguments);
a missing, stale or unreadable entry is rebuilt, and a cache that cannot be written only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import pickle
import sys
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


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


def cached(name: str, key: str, build: Callable[[], T], *, fast: bool = False) -> T:
    """`build()`, kept as `<cache>/tables/<name>-<key>`; `fast` stores it with marshal (plain data only)."""
    from musegen.fsutil import atomic_write_bytes
    from musegen.lyrics.base import cache_dir

    path = cache_dir() / "tables" / f"{name}-{key}.{'marshal' if fast else 'pickle'}"
    with contextlib.suppress(Exception):  # missing, truncated or from another version: rebuilt below
        data = path.read_bytes()
        return marshal.loads(data) if fast else pickle.loads(data)  # our own cache file
    value = build()
    with contextlib.suppress(Exception):
        atomic_write_bytes(path, marshal.dumps(value) if fast else pickle.dumps(value, protocol=5))
    return value
