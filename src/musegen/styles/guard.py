"""Memorisation guard: how long a run of notes or words a generation shares with a catalog.

Notes are compared transposition-free as (interval to previous pitch, duration) pairs, so a copied tune
in another key still counts; words are compared lower-cased without punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from musegen.types import Note

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
