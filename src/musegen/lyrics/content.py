"""Content filter: a blocklist of slurs and profanity, matched per word (configurable)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from musegen.errors import InputError

SUFFIXES = ("", "s", "es", "ed", "ing", "er", "ers", "y")


def _read(text: str) -> frozenset[str]:
    words = set()
    for raw in text.splitlines():
        w = raw.split("#", 1)[0].strip().lower()
        if w:
            words.update(w + s for s in SUFFIXES)
    return frozenset(words)


@lru_cache(maxsize=1)
def default_blocklist() -> frozenset[str]:
    """The shipped blocklist with its inflected forms."""
    return _read(resources.files("musegen.lyrics").joinpath("data/blocklist.txt").read_text("utf-8"))


@lru_cache(maxsize=1)
def unprompted_words() -> frozenset[str]:
    """Words generated lyrics may use only when the prompt names them (`data/unprompted.txt`), inflected."""
    return _read(resources.files("musegen.lyrics").joinpath("data/unprompted.txt").read_text("utf-8"))


def load_blocklist(path: str | Path | None) -> frozenset[str]:
    """The blocklist from a file (one word a line, '#' comments), or the shipped one for None."""
    if path is None:
        return default_blocklist()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--blocklist {p}: no such file; pass a text file with one word a line")
    return _read(p.read_text("utf-8"))


def is_clean(text: str, blocklist: frozenset[str] | None = None) -> bool:
    """Whether no word of `text` is on the blocklist."""
    bl = default_blocklist() if blocklist is None else blocklist
    return not any(w in bl for w in re.findall(r"[a-z]+", text.lower()))
