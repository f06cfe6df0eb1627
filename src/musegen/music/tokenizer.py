"""Lead sheets <-> token streams (layout in `musegen.music.vocab`), and the token grammar.

`encode` and `decode` are exact inverses on grid-aligned, monophonic lead sheets whose chords sit on
bar/half-bar positions (the round-trip tests check tokens -> notes -> tokens). `Grammar` is the
state machine both the sampler (as logit masks) and the grammar-error metric use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from musegen.music import vocab as V
from musegen.theory import Chord, Key, ticks_per_bar
from musegen.types import PPQ, ChordEvent, Note, SectionMusic


@dataclass
class LeadSheet:
    """A song as the music model sees it: key, tempo, meter and sections of melody + chords."""

    key: Key
    tempo: float
    meter: tuple[int, int]
    sections: list[SectionMusic]
    name: str = ""
    source: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def bar_ticks(self) -> int:
        """Ticks per bar."""
        return ticks_per_bar(self.meter, PPQ)


def key_shift(key: Key) -> int:
    """Semitones that move `key` to the normalised key (C major / A minor), in -6..5."""
    target = 0 if key.mode == "major" else 9
    return (target - key.tonic + 6) % 12 - 6


def bar_steps(meter: tuple[int, int]) -> int:
    """Grid positions per bar."""
    return ticks_per_bar(meter, PPQ) // V.STEP


def half_bar(meter: tuple[int, int]) -> int | None:
    """Grid position of the half bar where a chord may change (None in odd meters such as 3/4)."""
    return bar_steps(meter) // 2 if meter[0] % 2 == 0 else None


def fold_pitch(p: int) -> int:
    """Move a pitch by octaves into the vocabulary's pitch range."""
    while p < V.PITCH_LO:
        p += 12
    while p > V.PITCH_HI:
        p -= 12
    return p


def phrase_spans(sec: SectionMusic, meter: tuple[int, int]) -> list[int]:
    """Bars spanned by each phrase (first note's bar to the bar of the last note's end)."""
    bt = ticks_per_bar(meter, PPQ)
    out, i = [], 0
    for n in sec.phrases:
        ns = sec.notes[i : i + n]
        i += n
        first = ns[0].onset // bt
        last = max(0, ns[-1].onset + ns[-1].duration - 1) // bt
        out.append(min(V.MAX_PHRASE_BARS, max(1, last - first + 1)))
    return out


def encode(sheet: LeadSheet) -> list[int]:
    """Token stream of a lead sheet (notes and chords are snapped to the grid)."""
    shift = key_shift(sheet.key)
    steps = bar_steps(sheet.meter)
    half = half_bar(sheet.meter)
    toks = [
        V.BOS,
        V.mode_token(sheet.key.mode),
        V.tempo_token(sheet.tempo),
        V.meter_token(sheet.meter),
        V.style_token(V.SOURCE_STYLE.get(sheet.source, "pop")),
    ]
    syl = sheet.meta.get("syl")
    for k, sec in enumerate(sheet.sections):
        toks += encode_section(sec, shift, steps, half, sheet.meter, syl[k] if syl else None)
    toks.append(V.EOS)
    return toks


def encode_section(
    sec: SectionMusic,
    shift: int,
    steps: int,
    half: int | None,
    meter: tuple[int, int],
    syl: list[int] | None = None,
) -> list[int]:
    """Tokens of one section (Section token first), normalised by `shift` semitones.

    `syl` holds each note's Syl token (None: all unknown, ``Syl_X``); each is written before its note's
    position — after the Section token for the first note, after the previous note's Duration otherwise.
    """
    if syl is not None and len(syl) != len(sec.notes):
        raise ValueError(f"syl has {len(syl)} labels for {len(sec.notes)} notes")
    syls = syl or [V.SYL_X] * len(sec.notes)
    inside = [round(n.onset / V.STEP) // steps < sec.bars for n in sec.notes]
    events: dict[tuple[int, int], list[int]] = {}  # (bar, pos) -> tokens after its Position

    def at(bar: int, pos: int) -> list[int]:
        return events.setdefault((bar, pos), [])

    # chords: the chord at each bar start, plus a change at the half bar
    def chord_at(step: int) -> int:
        tok = V.chord_token(None)
        for c in sec.chords:
            if c.onset // V.STEP <= step < (c.onset + c.duration) // V.STEP:
                ch = Chord.parse(c.symbol)
                tok = V.chord_token(ch.root + shift, ch.quality)
        return tok

    for b in range(sec.bars):
        first = chord_at(b * steps)
        at(b, 0).append(first)
        if half is not None:
            mid = chord_at(b * steps + half)
            if mid != first:
                at(b, half).append(mid)
    spans = phrase_spans(sec, meter) if sec.notes else []
    starts = {}
    i = 0
    for k, n in enumerate(sec.phrases):
        starts[i] = (n, spans[k])
        i += n
    for j, note in enumerate(sec.notes):
        step = round(note.onset / V.STEP)
        bar, pos = divmod(step, steps)
        if bar >= sec.bars:
            break
        ev = at(bar, pos)
        if j in starts:
            n, b = starts[j]
            ev += [V.PHRASE[min(n, V.MAX_PHRASE_NOTES) - 1], V.PBARS[b - 1]]
        ev += [
            V.PITCH[fold_pitch(note.pitch + shift) - V.PITCH_LO],
            V.duration_token(max(1, round(note.duration / V.STEP))),
        ]
        if j + 1 < len(sec.notes) and inside[j + 1]:
            ev.append(syls[j + 1])
    toks = [V.section_token(sec.type)]
    if sec.notes and inside[0]:
        toks.append(syls[0])
    for b in range(sec.bars):
        toks.append(V.BAR)
        for pos in sorted(p for (bb, p) in events if bb == b):
            toks += [V.position_token(pos), *events[(b, pos)]]
    return toks


# ----------------------------------------------------------------------------- grammar
class Grammar:
    """Token grammar as a state machine: `allowed()` lists legal next tokens, `step()` advances.

    `step` returns False (and still advances) on an illegal token; `errors` counts them.
    """

    def __init__(self, meter: tuple[int, int] | None = None) -> None:
        self.meter = meter
        self.prev = -1  # previous token (-1: nothing yet)
        self.pos = -1  # current position in the bar (-1: just after Bar)
        self.bar = -1  # bar index within the section
        self.note_end = 0  # absolute grid step where the last note ends (within the section)
        self.chord_here = False
        self.in_phrase = False
        self.syl = False  # a Syl token announced the next note, which has not been placed yet
        self.errors = 0

    @property
    def steps(self) -> int:
        """Positions per bar (4/4 until a Meter token is seen)."""
        return bar_steps(self.meter or (4, 4))

    @property
    def half(self) -> int | None:
        """Half-bar position of the current meter."""
        return half_bar(self.meter or (4, 4))

    def now(self) -> int:
        """Absolute grid step of the current position within the section."""
        return self.bar * self.steps + max(self.pos, 0)

    def allowed(self) -> list[range | int]:
        """Legal next tokens (ranges and single ids)."""
        p = self.prev
        if p == -1:
            return [V.BOS]
        if p == V.BOS:
            return [V.MODE]
        if p in V.MODE:
            return [V.TEMPO]
        if p in V.TEMPO:
            return [V.METER]
        if p in V.METER:
            return [V.STYLE]
        if p in V.STYLE:
            return [V.SECTION]
        if p in V.SECTION:
            return [V.BAR] if self.syl else [V.BAR, V.SYL]
        if p == V.BAR:
            return [V.position_token(0)]
        if p in V.POSITION:
            if self.pos == 0 and not self.chord_here:
                return [V.CHORD]
            out: list[range | int] = [V.PHRASE]
            if self.in_phrase:
                out.append(V.PITCH)
            if self.pos == self.half and not self.chord_here:
                out.append(V.CHORD)
            return out
        if p in V.PHRASE:
            return [V.PBARS]
        if p in V.PBARS:
            return [V.PITCH]
        if p in V.PITCH:
            return [V.DURATION]
        # after a chord or a note: a later position, the next bar/section, the end
        out = [range(V.POSITION[0] + self.pos + 1, V.POSITION[0] + self.steps), V.BAR, V.SECTION, V.EOS]
        if p in V.DURATION and not self.syl:
            out.append(V.SYL)
        if p in V.CHORD:
            out.append(V.PHRASE)
            if self.in_phrase:
                out.append(V.PITCH)
        return out

    def is_allowed(self, tok: int) -> bool:
        """Whether `tok` is legal next (also checks that notes do not overlap)."""
        ok = any(tok == a if isinstance(a, int) else tok in a for a in self.allowed())
        if ok and (tok in V.PITCH or tok in V.PHRASE) and not self.syl:
            return False  # every note is announced by its Syl token
        if ok and (tok in V.SECTION or tok == V.EOS) and self.syl:
            return False  # an announced note never came
        if ok and tok in V.PITCH and self.now() < self.note_end:
            return False
        if ok and tok in V.PHRASE and self.now() < self.note_end:
            return False
        return ok

    def step(self, tok: int) -> bool:
        """Advance by one token; returns whether it was legal."""
        ok = self.is_allowed(tok)
        if not ok:
            self.errors += 1
        if tok in V.SYL:
            self.syl = True  # `prev` stays: what may follow is what followed the token before it
            return ok
        if tok in V.METER:
            self.meter = V.METERS[tok - V.METER[0]]
        elif tok in V.SECTION:
            self.bar, self.pos, self.note_end, self.in_phrase, self.syl = -1, -1, 0, False, False
        elif tok == V.BAR:
            self.bar += 1
            self.pos = -1
        elif tok in V.POSITION:
            self.pos = V.value(tok)
            self.chord_here = False
        elif tok in V.CHORD:
            self.chord_here = True
        elif tok in V.PHRASE:
            self.in_phrase = True
        elif tok in V.DURATION:
            self.note_end = self.now() + V.duration_of(tok)
            self.syl = False
        self.prev = tok
        return ok


def grammar_errors(tokens: list[int]) -> tuple[int, int]:
    """(illegal tokens, tokens checked) of a token stream, like miditok's `tokens_errors`."""
    g = Grammar()
    for t in tokens:
        g.step(t)
    return g.errors, len(tokens)


# ----------------------------------------------------------------------------- decode
def decode(
    tokens: list[int], key: Key, tempo: float = 120.0, meter: tuple[int, int] | None = None
) -> LeadSheet:
    """Lead sheet of a token stream, transposed back from the normalised key to `key`.

    Illegal tokens are skipped (the sampler never emits them; unmasked samples may).
    """
    shift = key_shift(key)
    flats = key.prefer_flats
    g = Grammar(meter)
    sections: list[SectionMusic] = []
    pending: tuple[int, int] | None = None  # pitch token waiting for its duration
    chords: list[tuple[int, int | None]] = []  # (step, token) per section
    for t in tokens:
        if not g.step(t):
            continue
        if t in V.SECTION:
            _close(sections, chords, g, shift, flats)
            sections.append(SectionMusic(V.TOKENS[t].split("_", 1)[1], 0, [], [], []))
            chords = []
        elif t == V.BAR:
            sections[-1].bars = g.bar + 1
        elif t in V.CHORD:
            chords.append((g.now(), t))
        elif t in V.PHRASE:
            sections[-1].phrases.append(0)
        elif t in V.PITCH:
            pending = (g.now(), V.value(t) - shift)
        elif t in V.DURATION and pending is not None:
            start, pitch = pending
            sections[-1].notes.append(Note(start * V.STEP, V.duration_of(t) * V.STEP, pitch))
            sections[-1].phrases[-1] += 1
            pending = None
    _close(sections, chords, g, shift, flats)
    m = g.meter or (4, 4)
    mode = "major"
    for t in tokens[: V.HEADER_LEN]:
        if t in V.MODE:
            mode = V.MODES[t - V.MODE[0]]
    if mode != key.mode:
        raise ValueError(f"tokens are in {mode} but key {key} was given")
    return LeadSheet(key, tempo, m, sections)


def _close(sections: list[SectionMusic], chords: list, g: Grammar, shift: int, flats: bool) -> None:
    if not sections:
        return
    sec = sections[-1]
    end = sec.bars * g.steps
    for i, (step, tok) in enumerate(chords):
        nxt = chords[i + 1][0] if i + 1 < len(chords) else end
        rq = V.chord_of(tok)
        if rq is None or nxt <= step:
            continue
        if (
            sec.chords
            and sec.chords[-1].onset + sec.chords[-1].duration == step * V.STEP
            and _same(sec.chords[-1].symbol, rq, shift)
        ):
            sec.chords[-1].duration += (nxt - step) * V.STEP
            continue
        sym = Chord((rq[0] - shift) % 12, rq[1]).symbol(flats)
        sec.chords.append(ChordEvent(step * V.STEP, (nxt - step) * V.STEP, sym))
    for n in sec.notes:  # a sounding note never runs past its section
        n.duration = max(V.STEP, min(n.duration, sec.bars * g.steps * V.STEP - n.onset))


def _same(symbol: str, rq: tuple[int, str], shift: int) -> bool:
    c = Chord.parse(symbol)
    return ((c.root + shift) % 12, c.quality) == rq


# ----------------------------------------------------------------------------- files
def save_tokenizer(path: str | Path) -> Path:
    """Write the vocabulary layout as JSON (shipped beside each checkpoint)."""
    from musegen.fsutil import atomic_write_text

    info = {
        "format": "musegen-remi-leadsheet",
        "version": 2,  # 2: Syl tokens announce each note's syllable (stress, word start, melisma)
        "grid_ticks": V.STEP,
        "ppq": PPQ,
        "normalised_key": {"major": "C", "minor": "A"},
        "pitch_range": [V.PITCH_LO, V.PITCH_HI],
        "durations": list(V.DURATIONS),
        "tempo_bin_edges": list(V.TEMPO_EDGES),
        "meters": [f"{n}/{d}" for n, d in V.METERS],
        "vocab": list(V.TOKENS),
    }
    return atomic_write_text(path, json.dumps(info, indent=1))


def check_tokenizer(path: str | Path) -> None:
    """Raise ModelError unless the tokenizer JSON at `path` matches this code's vocabulary."""
    from musegen.errors import ModelError

    try:
        info = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable tokenizer JSON ({exc}); re-export the checkpoint") from exc
    if info.get("vocab") != list(V.TOKENS):
        raise ModelError(f"{path}: vocabulary differs from this musegen's; retrain or upgrade musegen")
