"""Memorisation guard: how long a run of notes or words a generation shares with a catalog.

Notes are compared transposition-free as (interval to previous pitch, duration) pairs, so a copied tune
in another key still counts; words are compared lower-cased without punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from musegen.types import Lyrics, Melody, Note

T = TypeVar("T")

_WORD_RE = re.compile(r"[a-z']+")


def note_symbols(notes: Sequence[Note]) -> list[tuple[int, int]]:
    """Transposition-free symbols of a note sequence: (interval from previous pitch, duration)."""
    ordered = sorted(notes, key=lambda n: (n.onset, n.pitch))
    return [
        (0 if i == 0 else n.pitch - ordered[i - 1].pitch, n.duration) for i, n in enumerate(ordered)
    ]


def words(text: str) -> list[str]:
    """Lower-case words of a text, punctuation dropped."""
    return _WORD_RE.findall(text.lower().replace("’", "'"))


def longest_shared_run(seq: Sequence, corpus: Iterable[Sequence]) -> int:
    """Length of the longest contiguous run of `seq` that also occurs contiguously in any corpus item.

    Dynamic programming over suffix matches; O(len(seq) × total corpus length), fine for catalogs of
    tens of songs.
    """
    best = 0
    if not seq:
        return 0
    for other in corpus:
        prev = [0] * (len(other) + 1)
        for a in seq:
            cur = [0] * (len(other) + 1)
            for j, b in enumerate(other, 1):
                if a == b:
                    cur[j] = prev[j - 1] + 1
                    if cur[j] > best:
                        best = cur[j]
            prev = cur
    return best


@dataclass
class CatalogIndex:
    """The catalog material a style must not copy from."""

    melodies: list[list[tuple[int, int]]] = field(default_factory=list)
    texts: list[list[str]] = field(default_factory=list)

    def note_copy(self, notes: Sequence[Note]) -> int:
        """Longest run of notes shared with any catalog melody.

        Symbol runs are intervals, so a run of k shared symbols after the first means k+1 shared notes.
        """
        syms = note_symbols(notes)[1:]  # the first symbol carries no interval
        run = longest_shared_run(syms, [m[1:] for m in self.melodies])
        return run + 1 if run else min(1, len(notes))

    def word_copy(self, text: str) -> int:
        """Longest run of words shared with any catalog lyric."""
        return longest_shared_run(words(text), self.texts)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"melodies": [[list(s) for s in m] for m in self.melodies], "texts": self.texts}

    @classmethod
    def from_dict(cls, d: dict) -> CatalogIndex:
        """Inverse of `to_dict`."""
        return cls([[tuple(s) for s in m] for m in d.get("melodies", [])], list(d.get("texts", [])))


@dataclass
class Guard:
    """Reject-and-resample rule of a fine-tuned style: no section may copy longer runs than this."""

    index: CatalogIndex
    max_notes: int = 8
    max_words: int = 8
    tries: int = 6  # candidates drawn before settling for the one that copies least

    def note_run(self, melody: Melody) -> int:
        """Longest run of notes any sung section shares with the catalog."""
        return max((self.index.note_copy(s.notes) for s in melody.sections if s.notes), default=0)

    def word_run(self, lyrics: Lyrics) -> int:
        """Longest run of words any section shares with the catalog's lyrics."""
        return max(
            (self.index.word_copy(" ".join(x.text for x in s.lines)) for s in lyrics.sections if s.lines),
            default=0,
        )

    def pick(
        self, make: Callable[[int], T], run: Callable[[T], int], limit: int, seed: int
    ) -> tuple[T, dict]:
        """Draw candidates `make(seed')` until one copies at most `limit`, else keep the least-copying."""
        best, best_run, tries = None, None, 0
        for tries in range(1, self.tries + 1):
            cand = make(seed + (tries - 1) * 7919)
            r = run(cand)
            if best_run is None or r < best_run:
                best, best_run = cand, r
            if r <= limit:
                break
        assert best is not None and best_run is not None
        report = {"candidates": tries, "longest_run": best_run, "limit": limit, "passed": best_run <= limit}
        return best, report


def load_guard(style) -> Guard | None:
    """The guard of a `musegen.styles.store.Style` (None when it has no catalog index)."""
    import json

    if not style.catalog_path.is_file():
        return None
    index = CatalogIndex.from_dict(json.loads(style.catalog_path.read_text(encoding="utf-8")))
    limits = style.card.guard
    return Guard(index, limits.get("max_notes", 8), limits.get("max_words", 8))
