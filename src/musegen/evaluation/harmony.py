"""Chord measures of a song: how many of its chords sound in its key, and how many are its genre's.

The key and the vocabulary are read as `musegen.music.harmony` reads them for the sampler's chord mask.
"""

from __future__ import annotations

from musegen.music.harmony import allowed_chords, chord_allowed, genre_vocabulary, in_key
from musegen.theory import Chord
from musegen.types import Song


def chord_counts(song: Song) -> dict[str, int]:
    """Counts over the song's chord events (colour sevenths included; the triad is what is judged).

    `in_key`: every triad tone in the key's scale (major or natural minor); `in_vocabulary`: in the genre's
    Roman-numeral vocabulary (0 for a style not in plan/genres.json); `distinct`: distinct symbols.
    """
    plan = song.plan
    key = plan.key_obj
    vocab = allowed_chords(genre_vocabulary(plan.style) or [], plan.mode)
    out = {"chords": 0, "in_key": 0, "in_vocabulary": 0, "distinct": len({c.symbol for c in song.chords})}
    for c in song.chords:
        ch = Chord.parse(c.symbol)
        offset = (ch.root - key.tonic) % 12
        out["chords"] += 1
        out["in_key"] += in_key(offset, ch.quality, plan.mode)
        out["in_vocabulary"] += chord_allowed(vocab, offset, ch.quality)
    return out
