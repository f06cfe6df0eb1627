"""Arrangement: comping chords, a bass line, drums, a pad in the big sections, an intro and an ending.

Everything follows `plan.groove` (straight, ballad, four-on-floor, waltz, shuffle, folk), `plan.drums`
and the GM programs in `plan.instruments` ("Chords", "Bass", "Pad"; "Vocal" is used by the renderer).
Patterns are written in quarter notes per bar. Velocities keep the sung line on top.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from musegen.theory import Chord, Key
from musegen.types import PPQ, ChordEvent, Note, Song, Track, VocalNote

# --- patterns: (offset, length) in quarter notes within a bar ------------------------------------------
COMP = {
    "straight": ((0, 1), (1, 0.5), (1.5, 1), (2.5, 0.5), (3, 1)),
    "four-on-floor": ((0.5, 0.5), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5)),
    "shuffle": ((0, 0.67), (1, 0.67), (1.67, 0.33), (2, 0.67), (3, 0.67), (3.67, 0.33)),
    "folk": ((0, 1), (1, 0.5), (1.5, 0.5), (2, 1), (3, 0.5), (3.5, 0.5)),
    "waltz": ((1, 1), (2, 1)),
}
ARPEGGIO_GROOVES = ("ballad",)  # broken chords on eighths, held like a sustain pedal
# (offset, length, degree): R root, F fifth, O octave, T third, S sixth
BASS = {
    "straight": ((0, 1, "R"), (1.5, 0.5, "R"), (2, 1, "R"), (3, 0.5, "F"), (3.5, 0.5, "O")),
    "ballad": ((0, 3, "R"), (3, 1, "F")),
    "four-on-floor": ((0.5, 0.5, "R"), (1.5, 0.5, "O"), (2.5, 0.5, "R"), (3.5, 0.5, "O")),
    "shuffle": ((0, 1, "R"), (1, 1, "T"), (2, 1, "F"), (3, 1, "S")),
    "folk": ((0, 2, "R"), (2, 2, "F")),
    "waltz": ((0, 1, "R"),),
}
# GM drum keys
KICK, STICK, SNARE, CLAP, HAT, OPEN_HAT, CRASH, RIDE, SHAKER = 36, 37, 38, 39, 42, 46, 49, 51, 70
# (offset, key, velocity); hats are listed apart so their subdivision can follow the tempo
DRUMS = {
    "straight": ((0, KICK, 96), (2, KICK, 90), (2.5, KICK, 70), (1, SNARE, 92), (3, SNARE, 92)),
    "four-on-floor": ((0, KICK, 104), (1, KICK, 100), (2, KICK, 104), (3, KICK, 100), (1, CLAP, 88),
                      (3, CLAP, 88), (0.5, OPEN_HAT, 66), (1.5, OPEN_HAT, 66), (2.5, OPEN_HAT, 66),
                      (3.5, OPEN_HAT, 66)),
    "shuffle": ((0, KICK, 92), (2, KICK, 86), (1, SNARE, 88), (3, SNARE, 88)),
    "folk": ((0, KICK, 84), (2, KICK, 78), (1, STICK, 76), (3, STICK, 76)),
    "waltz": ((0, KICK, 86), (1, STICK, 64), (2, STICK, 64)),
    "ballad": ((0, KICK, 74), (2.5, KICK, 62), (1, STICK, 66), (3, STICK, 66)),
}
HATS = {"straight": (HAT, 0.5), "four-on-floor": (HAT, 1.0), "shuffle": (RIDE, "swing"),
        "folk": (SHAKER, 0.5), "waltz": (HAT, 1.0), "ballad": (RIDE, 1.0)}
SECTION_LEVEL = {"intro": 0.85, "verse": 0.88, "pre-chorus": 0.94, "chorus": 1.0, "bridge": 0.92,
                 "outro": 0.85}
# MIDI velocities (drums: a scale on the pattern's own); set by rendering vocal and band apart, A-weighted
VELOCITY = {"vocal": 104, "vocal_stress": 10, "melisma": -8, "chords": 52, "bass": 46, "pad": 34,
            "drums": 0.8}
COMP_RANGE = (48, 60)  # lowest note of a comping voicing: C3–C4, under the sung line
BASS_LOW = 36  # bass roots in C2–B2
PAD_LOW = 55


def arrange(song: Song) -> Song:
    """Add Chords, Bass, (Pad) and (Drums) tracks and balance velocities; returns a new `Song`."""
    plan = song.plan
    chords = complete_chords(song)
    groove = plan.groove if plan.groove in BASS else "straight"
    if plan.meter[0] == 3 and plan.meter[1] == 4:
        groove = "waltz"
    ins = plan.instruments
    comp, bass, pad, drums = [], [], [], []
    bar = plan.bar_ticks
    last_voicing: list[int] | None = None
    onsets = [c.onset for c in chords]
    for si, sec in enumerate(song.sections):
        level = SECTION_LEVEL.get(sec.type, 0.9)
        for b in range(sec.bars):
            t0 = sec.start + b * bar
            final = si == len(song.sections) - 1 and b == sec.bars - 1
            sparse = sec.type == "intro" and b < sec.bars // 2  # the intro starts with chords alone
            if final:  # the ending: one held tonic chord, bass root, a crash
                ch = Chord.parse(_chord_at(chords, onsets, t0).symbol)
                last_voicing = _voicing(ch, last_voicing)
                comp.extend(Note(t0, bar, p, _v(VELOCITY["chords"], level)) for p in last_voicing)
                bass.append(Note(t0, bar, _bass_pitch(ch, "R"), _v(VELOCITY["bass"], level)))
                if plan.drums:
                    end = _v(100 * VELOCITY["drums"], level)
                    drums += [Note(t0, PPQ, CRASH, end), Note(t0, PPQ, KICK, end)]
                continue
            last_voicing = _comp_bar(comp, chords, onsets, t0, bar, plan.meter, groove, level, last_voicing)
            if not sparse:
                _bass_bar(bass, chords, onsets, t0, bar, plan.meter, groove, level, b)
            if ins.get("Pad") is not None and sec.type in ("chorus", "bridge"):
                for c in _chords_in(chords, onsets, t0, t0 + bar):
                    pcs = Chord.parse(c.symbol).pitch_classes()[:3]
                    vel = _v(VELOCITY["pad"], level)
                    pad.extend(Note(c.onset, c.duration, PAD_LOW + (pc - PAD_LOW) % 12, vel) for pc in pcs)
            if plan.drums and not sparse:
                fill = b == sec.bars - 1 and si + 1 < len(song.sections) and \
                    song.sections[si + 1].type in ("chorus", "outro")
                crash = b == 0 and sec.type not in ("intro", "verse")
                _drum_bar(drums, t0, plan, groove, level, fill=fill, crash=crash)
    tracks = [Track("Chords", ins.get("Chords", 0), 1, comp), Track("Bass", ins.get("Bass", 32), 2, bass)]
    if pad and ins.get("Pad") is not None:
        tracks.append(Track("Pad", ins["Pad"], 3, pad))
    if plan.drums and drums:
        tracks.append(Track("Drums", 0, 9, drums))
    for t in tracks:
        t.notes.sort(key=lambda n: (n.onset, n.pitch))
    return replace(song, chords=chords, tracks=tracks, vocal=balance_vocal(song))


def balance_vocal(song: Song) -> list[VocalNote]:
    """Vocal velocities above the band: accents on primary stress, softer melisma notes."""
    syls = song.syllables()
    out = []
    for n in song.vocal:
        v = VELOCITY["vocal"]
        if n.melisma:
            v += VELOCITY["melisma"]
        elif n.syllable is not None and syls[n.syllable].stress == 1:
            v += VELOCITY["vocal_stress"]
        out.append(replace(n, velocity=min(127, v)))
    return out


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


def _stock_progression(key: Key) -> list[str]:
    major = ((0, ""), (7, ""), (9, "m"), (5, ""))  # I V vi IV
    minor = ((0, "m"), (8, ""), (3, ""), (10, ""))  # i VI III VII
    steps = major if key.mode == "major" else minor
    return [Chord((key.tonic + s) % 12, q).symbol(key.prefer_flats) for s, q in steps]


def _chord_at(chords: list[ChordEvent], onsets: list[int], t: int) -> ChordEvent:
    i = max(0, bisect.bisect_right(onsets, t) - 1)
    return chords[i]


def _chords_in(chords: list[ChordEvent], onsets: list[int], a: int, b: int) -> list[ChordEvent]:
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


def _v(v: float, level: float) -> int:
    return max(1, min(127, round(v * level)))


def _ticks(q: float) -> int:
    return round(q * PPQ)


def _voicing(ch: Chord, prev: list[int] | None) -> list[int]:
    """Close-position voicing (up to 4 tones) with its lowest note in COMP_RANGE, nearest to `prev`."""
    pcs = list(ch.pitch_classes()[:4])
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


def _comp_bar(out: list[Note], chords: list[ChordEvent], onsets: list[int], t0: int, bar: int,
              meter: tuple[int, int], groove: str, level: float, prev: list[int] | None) -> list[int] | None:
    vel = VELOCITY["chords"]
    if groove in ARPEGGIO_GROOVES:
        for c in _chords_in(chords, onsets, t0, t0 + bar):
            prev = _voicing(Chord.parse(c.symbol), prev)
            order = [*prev, prev[1]] if len(prev) == 3 else list(prev)
            for k, t in enumerate(range(c.onset, c.onset + c.duration, PPQ // 2)):
                out.append(Note(t, c.onset + c.duration - t, order[k % len(order)],
                                _v(vel - (0 if k % 2 else -6), level)))
        return prev
    pattern = _scaled(COMP.get(groove, COMP["straight"]), meter)
    for off, length in pattern:
        t = t0 + _ticks(off)
        if t >= t0 + bar:
            continue
        c = _chord_at(chords, onsets, t)
        prev = _voicing(Chord.parse(c.symbol), prev)
        end = min(t + _ticks(length), c.onset + c.duration, t0 + bar)
        accent = 8 if off in (0, 2) else 0
        out.extend(Note(t, max(1, end - t), p, _v(vel + accent, level)) for p in prev)
    return prev


def _scaled(pattern: tuple, meter: tuple[int, int]) -> tuple:
    """A 4/4 pattern for another meter: compound meters pulse on dotted quarters (bass root/fifth)."""
    quarters = meter[0] * 4 / meter[1]
    if meter[1] == 8 and meter[0] % 3 == 0:
        with_degree = len(pattern[0]) > 2
        return tuple((i * 1.5, 1.5, *((("R", "F")[i % 2],) if with_degree else ()))
                     for i in range(int(quarters / 1.5)))
    return tuple(p for p in pattern if p[0] < quarters)


def _bass_pitch(ch: Chord, degree: str) -> int:
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
    if degree == "S":
        return base + 9 if ch.quality in ("", "7", "6", "maj7") else base + 10
    return base


def _bass_bar(out: list[Note], chords: list[ChordEvent], onsets: list[int], t0: int, bar: int,
              meter: tuple[int, int], groove: str, level: float, bar_index: int) -> None:
    pattern = _scaled(BASS.get(groove, BASS["straight"]), meter)
    for off, length, degree in pattern:
        t = t0 + _ticks(off)
        if t >= t0 + bar:
            continue
        c = _chord_at(chords, onsets, t)
        if groove == "waltz" and bar_index % 2:
            degree = "F"
        end = min(t + _ticks(length), t0 + bar)
        accent = 6 if off == 0 else 0
        out.append(Note(t, max(1, end - t - PPQ // 16), _bass_pitch(Chord.parse(c.symbol), degree),
                        _v(VELOCITY["bass"] + accent, level)))


def _drum_bar(out: list[Note], t0: int, plan, groove: str, level: float, *, fill: bool, crash: bool) -> None:
    quarters = plan.meter[0] * 4 / plan.meter[1]
    compound = plan.meter[1] == 8 and plan.meter[0] % 3 == 0
    hits: list[tuple[float, int, int]] = []
    if compound:
        for i in range(int(quarters / 1.5)):
            hits.append((i * 1.5, KICK if i % 2 == 0 else SNARE, 90 if i % 2 == 0 else 80))
    else:
        hits.extend(h for h in DRUMS.get(groove, DRUMS["straight"]) if h[0] < quarters)
    key, step = HATS.get(groove, (HAT, 0.5))
    if step == "swing":
        grid = [q + s for q in range(int(quarters)) for s in (0.0, 0.67)]
    else:
        step = float(step)
        if plan.tempo >= 140 and step < 1:  # fast: hats on the beat
            step = 1.0
        elif plan.tempo < 80 and groove not in ("ballad", "waltz", "four-on-floor"):
            step /= 2  # slow: sixteenths keep it moving
        grid = [i * step for i in range(round(quarters / step))]
    hits.extend((q, key, 58 if abs(q - round(q)) < 1e-6 else 44) for q in grid)
    if fill:  # last beat of the section: a snare roll into the next one
        last = quarters - 1
        hits = [h for h in hits if h[0] < last or h[1] == KICK]
        hits.extend((last + i * 0.25, SNARE, 70 + 8 * i) for i in range(4))
    if crash:
        hits.append((0, CRASH, 96))
    for q, k, v in hits:
        out.append(Note(t0 + _ticks(q), PPQ // 4, k, _v(v * VELOCITY["drums"], level)))
