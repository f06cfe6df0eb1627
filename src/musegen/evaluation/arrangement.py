"""Accompaniment measures: what the band plays, bar by bar, in a section."""

from __future__ import annotations

from musegen.types import Song


def bar_patterns(song: Song, section_type: str) -> list[frozenset]:
    """The band's onsets in each bar of the first section of `section_type`, all tracks together.

    A bar is the set of (track, onset within the bar, drum pitch or 0): two bars play the same pattern when
    their sets are equal, and the set's size is the bar's note density.
    """
    bar = song.plan.bar_ticks
    sec = next(s for s in song.sections if s.type == section_type)
    out = []
    for b in range(sec.bars):
        a = sec.start + b * bar
        out.append(frozenset((t.name, n.onset - a, n.pitch if t.is_drum else 0)
                             for t in song.tracks for n in t.notes if a <= n.onset < a + bar))
    return out
