"""Arrangement: comping, bass, drums and a pad that change with the song's sections.

The groove (`plan.groove`, patterns in `grooves.json`) gives each part a lighter verse version and a fuller
chorus version; verses play closed hats, no pad and the sparser POP909 piano figures, choruses open up with
the denser figures, the pad and a crash. The last bar of a section carries a drum fill (two beats of build
before a chorus), the intro starts with the chords alone, and the song ends on a held tonic with a crash.
Parts and GM programs come from `plan.instruments` ("Chords", "Bass", "Pad"; "Vocal" is the renderer's);
a part the plan leaves out is not played. Velocities keep the sung line on top.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from musegen.conductor import accomp
from musegen.conductor.grooves import Hit, drum_lines, fallback_groove, fill_hits, groove, hits, line_events
from musegen.conductor.voicing import (
    bass_pitch,
    chord_at,
    chords_in,
    colour_chords,
    complete_chords,
    strum_voicing,
    voicing,
)
from musegen.theory import Chord
from musegen.types import PPQ, Note, Song, SongPlan, Track, VocalNote

# GM drum keys used outside the patterns
KICK, CRASH = 36, 49
SECTION_LEVEL = {"intro": 0.85, "verse": 0.86, "pre-chorus": 0.93, "chorus": 1.0, "bridge": 0.92,
                 "outro": 0.85}
# MIDI velocities (drums: a scale on the pattern's own); set by rendering vocal and band apart, A-weighted
VELOCITY = {"vocal": 104, "vocal_stress": 10, "melisma": -8, "chords": 52, "bass": 46, "pad": 34,
            "drums": 0.8}
DEFAULT_PARTS = {"Chords": 0, "Bass": 32, "Pad": 48}
PAD_LOW = 55
GUIDE_RANGE = (55, 67)  # a single-line pad instrument (sax, flute …) plays a guide-tone line here
MONOPHONIC = set(range(56, 60)) | set(range(64, 80)) | {22, 40, 41, 42, 43, 80, 81, 109, 110, 111}
STRUM_GAP = PPQ // 40  # ticks between strings of a strum
# GM programs that sound much louder than the rest at the same velocity (TimGM6mb, measured A-weighted with
# benchmarks/genres.py): their velocities are scaled down so the vocal stays on top
PROGRAM_LEVEL = {29: 0.8, 30: 0.72, 34: 0.72, 80: 0.85, 81: 0.85, 62: 0.85, 63: 0.85}
FAST_TEMPO = 140.0  # at or above: eighth-note hats thin to quarters (unless the groove says otherwise)


@dataclass
class _Parts:
    comp: list[Note] = field(default_factory=list)
    bass: list[Note] = field(default_factory=list)
    pad: list[Note] = field(default_factory=list)
    drums: list[Note] = field(default_factory=list)


def arrange(song: Song) -> Song:
    """Add Chords, Bass, Pad and Drums tracks (those the plan has) and balance velocities; a new `Song`."""
    plan = song.plan
    from musegen.plan.mood import load_table

    genres = load_table().styles
    # a fine-tuned style is arranged like the built-in genre whose groove it was given
    genre = genres.get(plan.style) or next((g for g in genres.values() if g["groove"] == plan.groove), {})
    colour = genre.get("harmony", {}).get("colour", "triads")
    chords = colour_chords(complete_chords(song), plan.key_obj, colour)
    name = fallback_groove(plan.groove, plan.meter)
    g = groove(name) if name else groove("straight")
    repeat = 2 if name is None and plan.meter == (12, 8) else 1
    if name is None and plan.meter == (12, 8):
        g = groove("shanty")
        name = "shanty"
    parts = dict(plan.instruments) if any(k in plan.instruments for k in DEFAULT_PARTS) else \
        {**DEFAULT_PARTS, **plan.instruments}
    rng = random.Random(f"{plan.title}|{plan.key}|{plan.tempo}|{plan.groove}")
    out = _Parts()
    bar = plan.bar_ticks
    onsets = [c.onset for c in chords]
    figs: dict[str, list[accomp.Figure]] = {}
    state = {"voicing": None, "anchor": None}
    power = colour == "power"
    for si, sec in enumerate(song.sections):
        level = SECTION_LEVEL.get(sec.type, 0.9)
        big = sec.type == "chorus"
        full = big or sec.type == "pre-chorus"
        nxt = song.sections[si + 1] if si + 1 < len(song.sections) else None
        lines = drum_lines(name, "chorus" if big else "verse")
        if repeat > 1:
            lines = {k: v * repeat for k, v in lines.items()}
        if plan.tempo >= FAST_TEMPO and g.get("thin_fast", True):
            lines = {k: _thin(v) if k == "h" else v for k, v in lines.items()}
        comp_grid = g["comp"]["chorus" if full else "verse"]
        if not comp_grid.startswith("pop909"):
            comp_grid *= repeat
        bass_grid = g["bass"]["chorus" if big else "verse"] * repeat
        pad_here = "Pad" in parts and (sec.type in ("chorus", "bridge") or g.get("pad") == "all")
        for b in range(sec.bars):
            t0 = sec.start + b * bar
            if nxt is None and b == sec.bars - 1:
                _ending(out, chords, onsets, t0, bar, plan, parts, level, state, power)
                continue
            sparse = sec.type == "intro" and b < max(1, sec.bars // 2)  # the intro starts with chords alone
            if "Chords" in parts:
                _comp_bar(out.comp, comp_grid, chords, onsets, t0, bar, level, state, power, figs, sec.type,
                          rng, b)
            if "Bass" in parts and not sparse:
                _bass_bar(out.bass, bass_grid, chords, onsets, t0, bar, level, b, g.get("alternate", False))
            if pad_here and not sparse:
                _pad_bar(out.pad, chords, onsets, t0, bar, level, parts["Pad"] in MONOPHONIC)
            if plan.drums and not sparse:
                last = nxt is not None and b == sec.bars - 1
                fill = last and (nxt.type != sec.type or nxt.type == "chorus")
                fill_beats = 2 if fill and nxt.type == "chorus" else 1
                crash = b == 0 and sec.type in ("chorus", "bridge", "outro")
                _drum_bar(out.drums, lines, t0, bar, plan, level, g.get("fills", ["snare"]),
                          fill_beats if fill else 0, crash, si)
    tracks = []
    if out.comp:
        tracks.append(Track("Chords", parts["Chords"], 1, out.comp))
    if out.bass:
        tracks.append(Track("Bass", parts["Bass"], 2, out.bass))
    if out.pad:
        tracks.append(Track("Pad", parts["Pad"], 3, out.pad))
    if plan.drums and out.drums:
        tracks.append(Track("Drums", 0, 9, out.drums))
    for t in tracks:
        scale = g.get("drum_level", 1.0) if t.is_drum else PROGRAM_LEVEL.get(t.program, 1.0)
        t.notes = sorted((replace(n, velocity=max(1, round(n.velocity * scale))) for n in t.notes),
                         key=lambda n: (n.onset, n.pitch))
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


def _v(v: float, level: float) -> int:
    return max(1, min(127, round(v * level)))


def _thin(pattern: str) -> str:
    """Eighth-note hats → quarter notes (16- and 8-step grids)."""
    n = len(pattern)
    beat = 4 if n in (16, 8) else (3 if n == 12 else 1)
    return "".join(c if i % beat == 0 else "." for i, c in enumerate(pattern))


def _ending(out: _Parts, chords, onsets, t0: int, bar: int, plan: SongPlan, parts: dict[str, int],
            level: float, state: dict, power: bool) -> None:
    """The last bar: one held chord, the bass root, a crash."""
    ch = Chord.parse(chord_at(chords, onsets, t0).symbol)
    state["voicing"] = voicing(ch, state["voicing"], power)
    if "Chords" in parts:
        out.comp.extend(Note(t0, bar, p, _v(VELOCITY["chords"], level)) for p in state["voicing"])
    if "Bass" in parts:
        out.bass.append(Note(t0, bar, bass_pitch(ch, "R"), _v(VELOCITY["bass"], level)))
    if plan.drums:
        end = _v(100 * VELOCITY["drums"], level)
        out.drums += [Note(t0, PPQ, CRASH, end), Note(t0, PPQ, KICK, end)]


def _comp_bar(out: list[Note], grid: str, chords, onsets, t0: int, bar: int, level: float, state: dict,
              power: bool, figs: dict, kind: str, rng: random.Random, b: int) -> None:
    vel = VELOCITY["chords"]
    if grid.startswith("pop909:"):
        lo, hi = (int(x) for x in grid.split(":")[1].split("-"))
        if kind not in figs:
            figs[kind] = accomp.pick((lo, hi), rng)
        fig = figs[kind][1 if b % 4 == 3 and len(figs[kind]) > 1 else 0]
        for off, n, pitch, ratio in _figure_notes(fig, chords, onsets, t0, bar, state):
            out.append(Note(t0 + off, max(1, min(n, bar - off)), pitch,
                            _v(vel * min(1.3, max(0.6, ratio)), level)))
        return
    steps = len(grid)
    for step, n, sym in line_events(grid):
        t = t0 + round(step * bar / steps)
        length = max(1, round(n * bar / steps) - PPQ // 32)
        c = chord_at(chords, onsets, t)
        length = min(length, c.onset + c.duration - t, t0 + bar - t)
        if length <= 0:
            continue
        ch = Chord.parse(c.symbol)
        accent = 8 if step == 0 else 0
        if sym in "DU":
            notes = strum_voicing(ch)
            notes = notes if sym == "D" else list(reversed(notes[2:]))
            for k, p in enumerate(notes):
                dt = k * STRUM_GAP
                if dt < length:
                    up = 6 if sym == "U" else 0  # upstrokes are lighter
                    out.append(Note(t + dt, length - dt, p, _v(vel + accent - up, level)))
            continue
        state["voicing"] = voicing(ch, state["voicing"], power)
        v = state["voicing"]
        if sym.isdigit():
            i = int(sym) - 1
            out.append(Note(t, length, v[i % len(v)] + 12 * (i // len(v)), _v(vel + accent, level)))
        else:
            out.extend(Note(t, length, p, _v(vel + accent, level)) for p in v)


def _figure_notes(fig: accomp.Figure, chords, onsets, t0: int, bar: int,
                  state: dict) -> list[tuple[int, int, int, float]]:
    """A POP909 figure on the chords under this bar: (offset, ticks, pitch, velocity ratio).

    The figure is laid on the bar's first chord; a note under a later chord of the bar moves to the same
    chord tone of that chord.
    """
    first = Chord.parse(chord_at(chords, onsets, t0).symbol)
    first_ivs = _intervals(first)
    notes, state["anchor"] = accomp.realise(fig, first.root, first_ivs, bar, state["anchor"])
    out = []
    for off, n, pitch, ratio in notes:
        c = Chord.parse(chord_at(chords, onsets, t0 + off).symbol)
        if (c.root, c.quality) != (first.root, first.quality):
            rel = pitch - state["anchor"]
            tone = _tone_index(rel, first_ivs)
            anchor = state["anchor"] + ((c.root - first.root + 6) % 12 - 6)
            ivs = _intervals(c)
            pitch = anchor + 12 * (rel // 12) + (ivs[tone] if tone < len(ivs) else 12)
        out.append((off, n, pitch, ratio))
    return out


def _intervals(ch: Chord) -> tuple[int, ...]:
    return tuple((pc - ch.root) % 12 for pc in ch.pitch_classes())


def _tone_index(rel: int, ivs: tuple[int, ...]) -> int:
    r = rel % 12
    return ivs.index(r) if r in ivs else 0


def _bass_bar(out: list[Note], grid: str, chords, onsets, t0: int, bar: int, level: float, b: int,
              alternate: bool) -> None:
    steps = len(grid)
    next_root = Chord.parse(chord_at(chords, onsets, t0 + bar).symbol).root
    for step, n, sym in line_events(grid):
        t = t0 + round(step * bar / steps)
        end = min(t0 + round((step + n) * bar / steps), t0 + bar)
        ch = Chord.parse(chord_at(chords, onsets, t).symbol)
        degree = {"R": "F", "F": "R"}.get(sym, sym) if alternate and b % 2 else sym
        accent = 6 if step == 0 else 0
        out.append(Note(t, max(1, end - t - PPQ // 16), bass_pitch(ch, degree, next_root),
                        _v(VELOCITY["bass"] + accent, level)))


def _pad_bar(out: list[Note], chords, onsets, t0: int, bar: int, level: float, single_line: bool) -> None:
    vel = _v(VELOCITY["pad"], level)
    for c in chords_in(chords, onsets, t0, t0 + bar):
        pcs = Chord.parse(c.symbol).pitch_classes()
        if single_line:  # a guide-tone line: the chord's third (or seventh) nearest the last note
            prev = out[-1].pitch if out else (GUIDE_RANGE[0] + GUIDE_RANGE[1]) // 2
            cands = [p for p in range(GUIDE_RANGE[0], GUIDE_RANGE[1] + 1) if p % 12 in pcs[1:2] + pcs[3:4]]
            out.append(Note(c.onset, c.duration, min(cands, key=lambda p: (abs(p - prev), p)), vel))
        else:
            out.extend(Note(c.onset, c.duration, PAD_LOW + (pc - PAD_LOW) % 12, vel) for pc in pcs[:3])


def _drum_bar(out: list[Note], lines: dict[str, str], t0: int, bar: int, plan: SongPlan, level: float,
              fills: list[str], fill_beats: int, crash: bool, si: int) -> None:
    beats = plan.meter[0] // 3 if plan.meter[1] == 8 and plan.meter[0] % 3 == 0 else plan.meter[0]
    pattern = hits(lines)
    if fill_beats:
        start = (beats - fill_beats) / beats
        pattern = [h for h in pattern if h.at < start or (h.key == KICK and h.at == start)]
        name = fills[si % len(fills)]
        pattern += [replace(h, at=start + h.at * fill_beats / beats) for h in fill_hits(name, fill_beats)]
    if crash:
        pattern.append(Hit(0.0, CRASH, 100))
    for h in pattern:
        out.append(Note(t0 + round(h.at * bar), PPQ // 4, h.key, _v(h.velocity * VELOCITY["drums"], level)))
