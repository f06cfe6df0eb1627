"""Piano accompaniment retrieved from POP909 and re-harmonised to the song's chords.

`accompaniment.json` (built by scripts/build_accompaniment.py) holds one-bar 4/4 figures with every note
written as a chord-tone index and an octave above the bar's root anchor. Retrieval picks figures by density
band (sparse for verses, dense for choruses), seeded; re-harmonisation puts each note on the same chord tone
of the song's chord (a seventh on a triad becomes the root an octave up).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ANCHOR_RANGE = (41, 52)  # the figure's root anchor (its left hand) lies in F2–E3
STEPS = 16


@dataclass(frozen=True)
class Figure:
    """One POP909 bar: notes as (sixteenth, length in sixteenths, chord-tone index, octave, velocity)."""

    band: int
    song: str
    notes: tuple[tuple[int, int, int, int, int], ...]

    @property
    def mean_velocity(self) -> float:
        """Mean MIDI velocity of the figure's notes."""
        return sum(n[4] for n in self.notes) / len(self.notes)


@lru_cache(maxsize=1)
def figures() -> tuple[Figure, ...]:
    """The shipped figure library."""
    raw = json.loads(resources.files("musegen.conductor").joinpath("accompaniment.json").read_text("utf-8"))
    return tuple(Figure(p["band"], p["song"], tuple(tuple(n) for n in p["notes"])) for p in raw["patterns"])


def pick(bands: tuple[int, int], rng: random.Random, k: int = 2) -> list[Figure]:
    """`k` figures from the density bands `bands` (inclusive), the more frequent ones more likely."""
    pool = [f for f in figures() if bands[0] <= f.band <= bands[1]]
    return rng.sample(pool, min(k, len(pool)))


def realise(fig: Figure, root: int, intervals: tuple[int, ...], bar_ticks: int, anchor_prev: int | None
            ) -> tuple[list[tuple[int, int, int, float]], int]:
    """The figure on a chord: (tick offset, ticks, pitch, velocity ratio to the figure's mean), its anchor.

    The anchor (the chord root the figure hangs on) is the root in `ANCHOR_RANGE` nearest the previous one.
    """
    cands = [p for p in range(ANCHOR_RANGE[0], ANCHOR_RANGE[1] + 1) if p % 12 == root % 12]
    anchor = min(cands, key=lambda p: abs(p - anchor_prev)) if anchor_prev is not None else cands[0]
    step = bar_ticks / STEPS
    mean = fig.mean_velocity
    out = []
    for s, n, tone, octave, vel in fig.notes:
        if tone < len(intervals):
            pitch = anchor + 12 * octave + intervals[tone]
        else:  # a seventh over a triad: the root, an octave up
            pitch = anchor + 12 * (octave + 1)
        out.append((round(s * step), max(1, round(n * step)), pitch, vel / mean))
    return out, anchor
