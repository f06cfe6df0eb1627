"""Chords for the band: every bar covered, coloured for the genre, voiced.

Colour: sevenths, dominants or power chords as the genre's harmony says. Voicings: close comping voicings
led smoothly, six-string guitar strums, bass degrees.
"""

from __future__ import annotations

import bisect

from musegen.music.harmony import DOMINANTS
from musegen.theory import Chord, Key
from musegen.types import ChordEvent, Song

COMP_RANGE = (48, 60)  # lowest note of a comping voicing: C3–C4, under the sung line
BASS_LOW = 36  # bass roots in C2–B2
GUITAR_LOW = 40  # a strummed voicing starts at or above the low E string
SEVENTH_OF = {"": "maj7", "m": "m7", "dim": "m7b5"}  # "sevenths": jazz, bossa, R&B, lo-fi
DOMINANT_OF = {"": "7", "m": "m7"}  # "dominant": blues and funk


def complete_chords(song: Song) -> list[ChordEvent]:
    """The song's chords, every bar covered (a stock progression where the model gave none), tonic last."""
    plan = song.plan
    key = Key.parse(f"{plan.key} {plan.mode}")
    bar = plan.bar_ticks
    events = sorted(song.chords, key=lambda c: c.onset)
    stock = _stock_progression(key)
    covered = [(c.onset, c.onset + c.duration) for c in events]
    out = list(events)
    for i in range(sum(s.bars for s in song.sections)):
        t = i * bar
        if not any(a <= t < b for a, b in covered):
            out.append(ChordEvent(t, bar, stock[i % len(stock)]))
    out.sort(key=lambda c: c.onset)
    if out:  # end on the tonic
        tonic = key.name + ("m" if key.mode == "minor" else "")
        last = out[-1]
        if Chord.parse(last.symbol).root != key.tonic:
            end = song.length_ticks
            start = max(last.onset, end - bar)
            if start > last.onset:
                out[-1] = ChordEvent(last.onset, start - last.onset, last.symbol)
            else:
                out.pop()
            out.append(ChordEvent(start, end - start, tonic))
    return out


def colour_chords(chords: list[ChordEvent], key: Key, colour: str) -> list[ChordEvent]:
    """Triads → the genre's chord vocabulary: "sevenths", "dominant", else unchanged.

    Under "sevenths" V and the secondary dominants stay dominant (A7, not Amaj7, for V/ii in C).
    """
    if colour not in ("sevenths", "dominant"):
        return chords
    dominants = {7} | {off for off, qs in DOMINANTS[key.mode] if "7" in qs}
    out = []
    for c in chords:
        ch = Chord.parse(c.symbol)
        if colour == "dominant":
            quality = DOMINANT_OF.get(ch.quality, ch.quality)
        elif ch.quality == "" and (ch.root - key.tonic) % 12 in dominants:
            quality = "7"  # the dominant, or a secondary one
        else:
            quality = SEVENTH_OF.get(ch.quality, ch.quality)
        symbol = Chord(ch.root, quality, ch.bass).symbol(key.prefer_flats)
        out.append(ChordEvent(c.onset, c.duration, symbol))
    return out


def _stock_progression(key: Key) -> list[str]:
    major = ((0, ""), (7, ""), (9, "m"), (5, ""))  # I V vi IV
    minor = ((0, "m"), (8, ""), (3, ""), (10, ""))  # i VI III VII
    steps = major if key.mode == "major" else minor
    return [Chord((key.tonic + s) % 12, q).symbol(key.prefer_flats) for s, q in steps]


def chord_at(chords: list[ChordEvent], onsets: list[int], t: int) -> ChordEvent:
    """The chord sounding at tick `t`."""
    return chords[max(0, bisect.bisect_right(onsets, t) - 1)]


def chords_in(chords: list[ChordEvent], onsets: list[int], a: int, b: int) -> list[ChordEvent]:
    """Chord spans clipped to [a, b)."""
    out = []
    i = max(0, bisect.bisect_right(onsets, a) - 1)
    while i < len(chords) and chords[i].onset < b:
        c = chords[i]
        s, e = max(a, c.onset), min(b, c.onset + c.duration)
        if e > s:
            out.append(ChordEvent(s, e - s, c.symbol))
        i += 1
    return out


def voicing(ch: Chord, prev: list[int] | None, power: bool = False) -> list[int]:
    """Close-position voicing nearest to `prev`, lowest note in COMP_RANGE.

    Up to 4 tones, or root-fifth-octave for `power` chords.
    """
    pcs = list(ch.pitch_classes()[:4])
    if power:
        root = ch.root
        low = next(p for p in range(COMP_RANGE[0] - 8, COMP_RANGE[1]) if p % 12 == root)
        return [low, low + 7, low + 12]
    best: tuple[float, list[int]] | None = None
    for inv in range(len(pcs)):
        order = pcs[inv:] + pcs[:inv]
        for low in range(COMP_RANGE[0], COMP_RANGE[1] + 1):
            if low % 12 != order[0]:
                continue
            notes = [low]
            for pc in order[1:]:
                notes.append(notes[-1] + (pc - notes[-1]) % 12)
            if prev:
                cost = sum(abs(a - b) for a, b in zip(sorted(notes), sorted(prev), strict=False))
            else:
                cost = abs(sum(notes) / len(notes) - 57)
            if best is None or cost < best[0]:
                best = (cost, notes)
    assert best is not None
    return best[1]


def strum_voicing(ch: Chord) -> list[int]:
    """A six-string guitar voicing: root low, then chord tones stacked upward (low to high)."""
    pcs = ch.pitch_classes()
    root = ch.bass if ch.bass is not None else ch.root
    notes = [GUITAR_LOW + (root - GUITAR_LOW) % 12]
    order = [pcs[2 % len(pcs)], pcs[0], pcs[1], pcs[2 % len(pcs)], pcs[0]]
    if len(pcs) > 3:
        order[3] = pcs[3]
    for pc in order:
        notes.append(notes[-1] + ((pc - notes[-1]) % 12 or 12))
    return notes


def bass_pitch(ch: Chord, degree: str, next_root: int | None = None) -> int:
    """The bass note for a degree letter.

    R root, F fifth, O octave, T third, 7 seventh, S sixth, A chromatic approach to `next_root` (a half step
    below it).
    """
    root = ch.bass if ch.bass is not None else ch.root
    base = BASS_LOW + (root - BASS_LOW) % 12
    pcs = ch.pitch_classes()
    if degree == "F":
        fifth = pcs[2] if len(pcs) > 2 else root + 7
        return base + (fifth - base) % 12
    if degree == "O":
        return base + 12
    if degree == "T":
        return base + (pcs[1] - base) % 12
    if degree == "7":
        return base + (pcs[3] - base) % 12 if len(pcs) > 3 else base + 10
    if degree == "S":
        return base + 9 if ch.quality in ("", "7", "6", "maj7") else base + 10
    if degree == "A" and next_root is not None:
        target = BASS_LOW + (next_root - BASS_LOW) % 12
        return target - 1 if target - 1 >= BASS_LOW - 4 else target + 1
    return base
