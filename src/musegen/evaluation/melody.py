"""Melody measures of EVALUATION.md (histograms, set overlap, scale consistency, chord tones).

Four normalised histograms, set overlap, scale consistency, the chord-tone ratio on strong beats, and
legato (sounding duration ÷ inter-onset interval, short-note share, notes per second).

A melody here is a list of (onset in beats, duration in beats, MIDI pitch), sorted by onset.
`melody_from_midi` reads one from a MIDI file the way EVALUATION.md says (vocal track by name, else the
highest non-drum track; beats from pretty_midi's tempo map); `melody_from_notes` converts our `Note`s.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from musegen.theory import SCALE_STEPS, Chord, strong_beat_ticks
from musegen.types import PPQ, ChordEvent, Note

BEAT_BINS = (0.125, 0.25, 0.375, 0.5, 0.75, 1, 1.5, 2, 3, 4, 8)
FEATURES = ("pitch_class", "interval", "duration", "ioi")

Melody = list[tuple[float, float, int]]


def melody_from_notes(notes: Iterable[Note], ppq: int = PPQ, offset: int = 0) -> Melody:
    """Our notes (ticks) -> (onset beats, duration beats, pitch), with an optional tick offset."""
    return sorted(((n.onset + offset) / ppq, n.duration / ppq, n.pitch) for n in notes)


def melody_from_midi(path: str | Path) -> Melody:
    """The vocal line of a MIDI file (track named Vocal/Melody/Lead, else the highest non-drum one)."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(path))
    insts = [i for i in pm.instruments if not i.is_drum and i.notes]
    if not insts:
        return []
    named = [i for i in insts if any(w in i.name.lower() for w in ("vocal", "melody", "lead"))]
    inst = named[0] if named else max(insts, key=lambda i: np.mean([n.pitch for n in i.notes]))
    beats = pm.get_beats()
    idx = np.arange(len(beats))

    def beat_of(t: float) -> float:
        if len(beats) < 2:
            return t
        if t > beats[-1]:
            return float(idx[-1] + (t - beats[-1]) / (beats[-1] - beats[-2]))
        return float(np.interp(t, beats, idx))

    return sorted((beat_of(n.start), beat_of(n.end) - beat_of(n.start), n.pitch) for n in inst.notes)


def midi_seconds_per_beat(path: str | Path) -> float:
    """Seconds per beat of `melody_from_midi`'s beats (pretty_midi's: a dotted quarter in 6/8), median.

    Notes per second must convert those beats, not quarter notes: in 6/8 a quarter-note tempo would
    overstate the rate 1.5x.
    """
    import pretty_midi

    beats = pretty_midi.PrettyMIDI(str(path)).get_beats()
    return float(np.median(np.diff(beats))) if len(beats) > 1 else 0.5


def _bin_beats(x: float) -> int:
    return int(np.argmin([abs(x - b) for b in BEAT_BINS]))


def histograms(mel: Melody) -> dict[str, np.ndarray]:
    """The four normalised histograms of one melody (zeros when it has too few notes)."""
    h = {
        "pitch_class": np.zeros(12),
        "interval": np.zeros(25),
        "duration": np.zeros(len(BEAT_BINS)),
        "ioi": np.zeros(len(BEAT_BINS)),
    }
    if not mel:
        return h
    pcs = np.bincount([p % 12 for _, _, p in mel], minlength=12).astype(float)
    h["pitch_class"] = np.roll(pcs, -int(np.argmax(pcs)))  # most frequent class -> 0
    for a, b in itertools.pairwise(mel):
        h["interval"][int(np.clip(b[2] - a[2], -12, 12)) + 12] += 1
        h["ioi"][_bin_beats(b[0] - a[0])] += 1
    for _, d, _ in mel:
        h["duration"][_bin_beats(d)] += 1
    return {k: v / v.sum() if v.sum() else v for k, v in h.items()}


def key_profile(mel: Melody, tonic: int) -> np.ndarray:
    """Pitch-class histogram relative to the key's tonic (index 0: the tonic), normalised; zeros if empty.

    Unlike EVALUATION.md's pitch-class histogram (rotated to its most frequent class) it says whether a
    melody centres on its key's tonic: a minor-key line built on the relative major's notes reads as
    major there, but not here.
    """
    h = np.bincount([(p - tonic) % 12 for _, _, p in mel], minlength=12).astype(float)
    return h / h.sum() if h.sum() else h


def set_histograms(melodies: Sequence[Melody]) -> dict[str, np.ndarray]:
    """Each histogram averaged over a set of melodies."""
    hs = [histograms(m) for m in melodies if len(m) > 1]
    return {k: np.mean([h[k] for h in hs], axis=0) for k in FEATURES}


def overlap(a: Sequence[Melody], b: Sequence[Melody]) -> dict[str, float]:
    """Overlap area Σ min(p, q) per feature between two sets, and their mean ("overlap")."""
    ha, hb = set_histograms(a), set_histograms(b)
    out = {k: float(np.minimum(ha[k], hb[k]).sum()) for k in FEATURES}
    out["overlap"] = float(np.mean([out[k] for k in FEATURES]))
    return out


def scale_consistency(mel: Melody) -> float:
    """Largest share of notes inside one major/natural-minor pitch-class set."""
    if not mel:
        return 0.0
    pcs = np.array([p % 12 for _, _, p in mel])
    best = 0.0
    for steps in SCALE_STEPS.values():
        for t in range(12):
            best = max(best, float(np.isin(pcs, [(t + s) % 12 for s in steps]).mean()))
    return best


LEGATO_MAX_GAP_S = 2.0  # EVALUATION.md: only consecutive notes less than 2 s apart count
SHORT_RATIO = 0.6  # a note sounding less than this share of its inter-onset interval is "short"


def legato_counts(mel: Melody, seconds_per_beat: float) -> dict[str, float]:
    """Sums for EVALUATION.md's legato measures of one melody (pool them with `legato`).

    pairs: consecutive notes less than 2 s apart; ratio_sum: their sounding duration ÷ inter-onset
    interval, capped at 1; short: pairs below 0.6; notes and sung_s (the sung span: inter-onset
    intervals under 2 s, else the note's own length, plus the last note) for notes per second.
    """
    out = {"pairs": 0.0, "ratio_sum": 0.0, "short": 0.0, "notes": float(len(mel)), "sung_s": 0.0}
    for a, b in itertools.pairwise(mel):
        ioi = b[0] - a[0]
        if 0 < ioi * seconds_per_beat < LEGATO_MAX_GAP_S:
            r = min(1.0, a[1] / ioi)
            out["pairs"] += 1
            out["ratio_sum"] += r
            out["short"] += r < SHORT_RATIO
            out["sung_s"] += ioi * seconds_per_beat
        else:
            out["sung_s"] += a[1] * seconds_per_beat
    if mel:
        out["sung_s"] += mel[-1][1] * seconds_per_beat
    return out


def legato(counts: Iterable[dict[str, float]]) -> dict[str, float]:
    """Pooled legato measures over melodies: mean sounding ÷ IOI, share of short notes, notes per second."""
    tot = {"pairs": 0.0, "ratio_sum": 0.0, "short": 0.0, "notes": 0.0, "sung_s": 0.0}
    for c in counts:
        for k in tot:
            tot[k] += c[k]
    return {
        "sounding_over_ioi": round(tot["ratio_sum"] / tot["pairs"], 4) if tot["pairs"] else 0.0,
        "short_notes": round(tot["short"] / tot["pairs"], 4) if tot["pairs"] else 0.0,
        "notes_per_second": round(tot["notes"] / tot["sung_s"], 4) if tot["sung_s"] else 0.0,
    }


def chord_tone_ratio(
    notes: Iterable[Note], chords: Sequence[ChordEvent], meter: tuple[int, int], ppq: int = PPQ
) -> float | None:
    """Share of melody notes starting on a strong beat (EVALUATION.md) that are tones of the sounding chord.

    Note and chord ticks must share an origin. None when no note falls on a strong beat under a chord.
    """
    from musegen.theory import ticks_per_bar

    bt = ticks_per_bar(meter, ppq)
    strong = set(strong_beat_ticks(meter, ppq))
    hits = total = 0
    for n in notes:
        if n.onset % bt not in strong:
            continue
        ch = next((c for c in chords if c.onset <= n.onset < c.onset + c.duration), None)
        if ch is None:
            continue
        total += 1
        hits += n.pitch % 12 in Chord.parse(ch.symbol).pitch_classes()
    return hits / total if total else None
