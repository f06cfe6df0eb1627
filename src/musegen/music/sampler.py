"""Constrained sampling of one section: KV cache, temperature/top-p, grammar + plan masks.

A `SectionSpec` says what the section must be (bars, phrase windows with exact note counts, allowed
pitches, given chords). Each candidate of a batch carries a `Cursor` — the token grammar of
`musegen.music.tokenizer` plus the plan's hard constraints — whose `allowed()` mask is applied to the
logits before sampling, so every sample decodes and meets the plan exactly:

- every note is announced by its ``Syl`` token (after the Section token or the previous Duration): the
  syllable the plan's lyrics put on it (`SectionSpec.syl`), or ``Syl_X`` without lyrics;
- a bar opens with ``Position_0 Chord``; chords change only on the bar or the half bar;
- phrase i starts exactly ``notes[i]`` notes inside its window; its last note may ring up to ``SPILL``
  steps into the next window (as 43% of POP909 phrases do), but the next phrase always starts at least
  ``BREATH`` steps after it ends, and a section's last note ends ``BREATH`` steps before the section;
- two onsets of a phrase are at least `SectionSpec.gap` grid steps apart (1, or more at fast tempi);
- every position, duration and bar line is checked for feasibility, so a sample can never paint itself
  into a corner (the remaining notes always fit, `gap` steps apart, before the deadline).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from musegen.music import vocab as V
from musegen.music.model import KVCache, MusicTransformer

BREATH = 2  # grid steps (an 8th note) of rest between sung phrases, and before a section ends
SPILL = 12  # grid steps a phrase's last note may ring into the next phrase's window
PACE = 0.5  # logit penalty per grid step by which a move would force the phrase's notes under 8th spacing
# Logit penalty per grid step by which waiting to start a phrase would leave its notes less than RELAXED
# steps apart on average. Without it the sampler waited through most of a long window and then crammed
# the line: on 10 generated songs (session 16) 36 % of the lines started past half their window, and
# those sang 41 % of their inter-onset intervals as 16ths (the others 15 %); "hopeful sunrise" waited 3
# bars of 4, then sang 9 syllables in one bar of 16ths at 124 bpm, and Whisper understood 45 % of them.
RELAXED = 3
LATE_PACE = 0.25
# Logit penalty for starting a word's syllable where it inverts the word's stress: its primary-stressed
# syllable on a weaker metric position than one of its unstressed syllables (EVALUATION.md; real 5.8 % of
# words). On 14 songs-pd validation songs with their real syllables (79 words) the model's melodies had
# 38 % inverted words without it and 24 % at 4.0, and the aligner then moved 8.9 % vs 7.4 % of the notes.
INVERSION_PENALTY = 4.0
_WORD_START = (V.SYL[4], V.SYL[5])


@dataclass
class SectionSpec:
    """Hard constraints for one section, in grid steps from its start (normalised key)."""

    section_token: int
    bars: int
    steps: int  # grid positions per bar
    half: int | None  # half-bar position (None: chords change only at bar lines)
    windows: list[tuple[int, int, int, int]]  # per phrase: (start step, end step, notes, PBars value)
    pitch_ok: np.ndarray  # bool per pitch token (vocal range, normalised)
    chords: list[int] | None = None  # given chord token per bar
    end_token: int = V.EOS  # what follows the section (next Section token or EOS)
    # stress prior (optional): per phrase, the CMU stress of the syllable each note will carry (-1: none),
    # and the logit penalty of starting a syllable of stress s at bar position q: place_cost[s, q]
    stress: list[list[int]] | None = None
    place_cost: np.ndarray | None = None
    syl: list[list[int]] | None = None  # per phrase, each note's Syl token (None: all Syl_X)
    levels: np.ndarray | None = None  # metric level per bar step (0 downbeat … 5), for the inversion penalty
    gap: int = 1  # fewest grid steps between two onsets of a phrase (`musegen.music.generate.onset_gap`)
    chord_ok: np.ndarray | None = None  # bool per chord token after "no chord" it may write (None: any)
    limits: list[tuple[int, int]] = field(init=False)  # per phrase: (onsets before, last note ends by)

    def __post_init__(self) -> None:
        # Phrase i's notes start inside its window; its last note may ring up to SPILL steps into the
        # next window, as long as the next phrase still gets a breath and room for its notes. The
        # section's last note ends a breath before the section does. Worked backwards from the end.
        self.limits = []
        nxt: tuple[int, int] | None = None  # (onset limit, notes) of the following phrase
        for _, we, n, _ in reversed(self.windows):
            if nxt is None:
                end = self.bars * self.steps - BREATH
            else:
                end = min(we + SPILL, nxt[0] - self.span(nxt[1]) - BREATH)
            self.limits.append((min(we, end), end))
            nxt = (min(we, end), n)
        self.limits.reverse()

    def span(self, notes: int) -> int:
        """Grid steps from a phrase's first onset to just after its last, at the closest spacing (`gap`)."""
        return 1 + (notes - 1) * self.gap if notes > 0 else 0

    def pbars(self, i: int) -> int:
        """Phrase i's PBars value: its window's bars, one more when its last note may ring past it.

        That is how the corpus counts a phrase's bars (first note's bar to the bar its last note ends
        in): 43% of POP909 phrases ring into the bar where the next line starts.
        """
        _, we, _, b = self.windows[i]
        return min(V.MAX_PHRASE_BARS, b + (self.limits[i][1] > we))


@dataclass
class Cursor:
    """One candidate's place in the section (grammar state + constraint bookkeeping)."""

    spec: SectionSpec
    prev: int = -1
    bar: int = -1
    pos: int = -1
    chord_here: bool = False
    note_end: int = 0
    phrase: int = 0  # current phrase
    placed: int = 0  # notes placed in the current phrase
    started: bool = False  # Phrase token emitted for the current phrase
    syl_given: bool = False  # the next note's Syl token has been emitted
    pitch: int | None = None
    pen: np.ndarray | None = None  # logit penalties set by `allowed()`
    done: bool = False
    notes: list[tuple[int, int, int]] = field(default_factory=list)  # (step, dur, normalised pitch)
    chords: list[tuple[int, int]] = field(default_factory=list)  # (step, chord token)
    tokens: list[int] = field(default_factory=list)
    logp: float = 0.0
    sampled: int = 0

    # -- constraint helpers -------------------------------------------------------------------
    def now(self) -> int:
        """Absolute grid step of the current position."""
        return self.bar * self.spec.steps + max(self.pos, 0)

    def remaining(self) -> int:
        """Notes still to place in the current phrase (0 when every phrase is complete)."""
        w = self.spec.windows
        return w[self.phrase][2] - self.placed if self.phrase < len(w) else 0

    def onset_limit(self, i: int) -> int:
        """Phrase i's notes start before this step."""
        return self.spec.limits[i][0]

    def earliest(self) -> int:
        """Earliest start of the next note: after the last one, and a breath after the last phrase."""
        ws = self.spec.windows[self.phrase][0]
        if self.placed:  # inside a phrase: after the last note, and `gap` steps after its onset
            return max(ws, self.note_end, self.notes[-1][0] + self.spec.gap)
        return max(ws, self.note_end + (BREATH if self.phrase > 0 else 0))

    def end_limit(self) -> int:
        """Latest end of the note about to get its duration (so everything after it still fits)."""
        onset_lim, end_lim = self.spec.limits[self.phrase]
        r_after = self.remaining() - 1
        if r_after > 0:
            return onset_lim - self.spec.span(r_after)
        return end_lim

    def note_fits(self, t: int) -> bool:
        """Whether the current phrase's next note may start at step t (and the rest still fit)."""
        r = self.remaining()
        if r == 0:
            return False
        return t >= self.earliest() and t + self.spec.span(r) <= self.onset_limit(self.phrase)

    def can_wait_until(self, t: int) -> bool:
        """Whether the current phrase can still be completed if its next note starts at or after t."""
        r = self.remaining()
        if r == 0:
            return True
        return max(t, self.earliest()) + self.spec.span(r) <= self.onset_limit(self.phrase)

    # -- the mask ----------------------------------------------------------------------------------
    def allowed(self) -> np.ndarray:
        """Bool mask over the vocabulary of legal next tokens (and `self.pen`, soft pacing penalties)."""
        s, p = self.spec, self.prev
        m = np.zeros(V.VOCAB_SIZE, dtype=bool)
        self.pen = None
        if (p == s.section_token or p in V.DURATION) and not self.syl_given and self.phrase < len(s.windows):
            m[self.next_syl()] = True
        elif p == s.section_token:
            m[V.BAR] = True
        elif p == V.BAR:
            m[V.position_token(0)] = True
        elif p in V.POSITION and self.pos == 0 and not self.chord_here:
            if s.chords is not None:
                m[s.chords[self.bar]] = True
            else:
                m[V.CHORD[1] : V.CHORD[-1] + 1] = True if s.chord_ok is None else s.chord_ok  # not "no chord"
        elif p in V.PHRASE:
            m[V.PBARS[s.pbars(self.phrase) - 1]] = True
        elif p in V.PBARS:
            m[V.PITCH[0] : V.PITCH[-1] + 1] = s.pitch_ok
        elif p in V.PITCH:
            self._durations(m)
        else:  # after Position, Chord or Duration
            if p in V.POSITION or p in V.CHORD:
                if self.note_fits(self.now()):
                    if self.started:
                        start: int | slice = slice(V.PITCH[0], V.PITCH[-1] + 1)
                        m[start] = s.pitch_ok
                    else:
                        start = V.PHRASE[s.windows[self.phrase][2] - 1]
                        m[start] = True
                    self._penalise(start, self._stress(self.now()))
                if p in V.POSITION and self.pos == s.half and not self.chord_here and s.chords is None:
                    m[V.CHORD[1] : V.CHORD[-1] + 1] = True if s.chord_ok is None else s.chord_ok
            if p in V.CHORD or p in V.DURATION:
                self._moves(m)
        return m

    def next_syl(self) -> int:
        """The Syl token of the next note (the lyrics' syllable, or Syl_X)."""
        syl = self.spec.syl
        if syl is None or self.phrase >= len(syl) or self.placed >= len(syl[self.phrase]):
            return V.SYL_X
        return syl[self.phrase][self.placed]

    def _durations(self, m: np.ndarray) -> None:
        limit = min(self.end_limit(), self.spec.bars * self.spec.steps) - self.now()
        for i, d in enumerate(V.DURATIONS):
            if d <= limit:
                m[V.DURATION[i]] = True

    def _penalise(self, toks: int | slice, value: float) -> None:
        if value:
            if self.pen is None:
                self.pen = np.zeros(V.VOCAB_SIZE, dtype=np.float32)
            self.pen[toks] += value

    def _stress(self, t: int) -> float:
        """Stress-prior penalty for starting the phrase's next note at step t (0 without lyrics)."""
        s = self.spec
        if s.stress is None or s.place_cost is None or self.phrase >= len(s.stress):
            return 0.0
        line = s.stress[self.phrase]
        st = line[self.placed] if self.placed < len(line) else -1
        return (float(s.place_cost[st, t % s.steps]) if st >= 0 else 0.0) + self._inversion(t)

    def _inversion(self, t: int) -> float:
        """`INVERSION_PENALTY` when the next note, starting at step t, would invert its word's stress.

        The word is the run of Syl tokens back to its word-start token in this phrase; a stressed
        syllable may not sit on a weaker level than an earlier unstressed one, nor an unstressed one on a
        stronger level than an earlier stressed one.
        """
        s = self.spec
        if s.syl is None or s.levels is None or self.phrase >= len(s.syl):
            return 0.0
        line, k = s.syl[self.phrase], self.placed
        if k >= len(line) or line[k] not in V.SYL_STRESS or line[k] in _WORD_START:
            return 0.0
        me, level = V.SYL_STRESS[line[k]], s.levels[t % s.steps]
        phrase_notes = self.notes[len(self.notes) - k :]
        for j in range(k - 1, -1, -1):
            tok = line[j]
            if tok not in V.SYL_STRESS:  # a melisma note inside the word: not a syllable start
                continue
            other = s.levels[phrase_notes[j][0] % s.steps]
            if V.SYL_STRESS[tok] != me and (level > other if me == 1 else level < other):
                return INVERSION_PENALTY
            if tok in _WORD_START:
                break
        return 0.0

    def _pace(self, tok: int, t: int) -> None:
        """Penalise waits that squeeze the phrase's remaining notes.

        Under 8ths (or `gap`) at PACE per step; before the phrase starts, also under `RELAXED` steps apart on
        average, at LATE_PACE per step.
        """
        r = self.remaining()
        if r == 0:
            return
        room = self.onset_limit(self.phrase) - max(t, self.earliest())
        over = max(2, self.spec.gap) * r - room
        # a late start only: inside the line the model keeps its own rhythm (shorter moves would win there)
        late = max(RELAXED, self.spec.gap) * r - room if not self.placed else 0
        pen = PACE * max(0, over) + LATE_PACE * max(0, late)
        if pen > 0:
            self._penalise(tok, pen)

    def _moves(self, m: np.ndarray) -> None:
        """Later positions in this bar, the next bar, or the end of the section."""
        s = self.spec
        base = self.bar * s.steps
        for q in range(self.pos + 1, s.steps):
            t = base + q
            chord_spot = q == s.half and s.chords is None
            fits = self.note_fits(t)
            if (fits or chord_spot) and self.can_wait_until(t):
                m[V.POSITION[q]] = True
                self._pace(V.POSITION[q], t)
                if fits:
                    self._penalise(V.POSITION[q], self._stress(t))
        if self.bar + 1 < s.bars:
            if self.can_wait_until(base + s.steps):
                m[V.BAR] = True
                self._pace(V.BAR, base + s.steps)
        elif self.remaining() == 0 and self.phrase >= len(s.windows):
            m[s.end_token] = True

    # -- advancing ---------------------------------------------------------------------------------
    def step(self, tok: int) -> None:
        """Advance the state by one (legal) token."""
        s = self.spec
        self.tokens.append(tok)
        if tok in V.SYL:
            self.syl_given = True  # `prev` stays: the grammar goes on from the token before
            return
        if (
            tok == s.end_token
            and self.prev not in (-1,)
            and (self.prev in V.DURATION or self.prev in V.CHORD)
        ):
            self.done = True
        elif tok == V.BAR:
            self.bar += 1
            self.pos = -1
        elif tok in V.POSITION:
            self.pos = V.value(tok)
            self.chord_here = False
        elif tok in V.CHORD:
            self.chord_here = True
            self.chords.append((self.now(), tok))
        elif tok in V.PHRASE:
            self.started = True
        elif tok in V.PITCH:
            self.pitch = V.value(tok)
        elif tok in V.DURATION:
            d = V.duration_of(tok)
            self.syl_given = False
            self.notes.append((self.now(), d, self.pitch))
            self.note_end = self.now() + d
            self.placed += 1
            if self.placed == s.windows[self.phrase][2]:
                self.phrase, self.placed, self.started = self.phrase + 1, 0, False
        self.prev = tok


def _top_p(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of tokens whose probability reaches top_p (per row)."""
    if top_p >= 1.0:
        return logits
    sorted_l, idx = torch.sort(logits, descending=True, dim=-1)
    cum = torch.softmax(sorted_l, dim=-1).cumsum(-1)
    drop = cum - torch.softmax(sorted_l, dim=-1) > top_p
    sorted_l = sorted_l.masked_fill(drop, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, idx, sorted_l)


@torch.inference_mode()
def sample_section(
    model: MusicTransformer,
    context: list[int],
    spec: SectionSpec,
    *,
    n: int = 1,
    temperature: float = 1.0,
    top_p: float = 0.95,
    generator: torch.Generator | None = None,
    past: KVCache | None = None,
    score=None,
    keep: int = 512,
    start: Cursor | None = None,
    stop_after_phrase: int | None = None,
) -> tuple[list[Cursor], int, KVCache | None]:
    """Sample `n` candidates of one section (or of its next phrase) after `context`.

    `context` ends with the section's token, or with the last token of `start` (a cursor to continue
    from). With `stop_after_phrase=i` a candidate stops when phrase i is complete, so the caller can keep
    the best one and branch again (phrase-level reranking). `past` (batch 1) may cache `context[:-1]`.
    Returns the candidates, the index of the best by `score(cursor)` (default: mean log-probability of
    its free choices) and a batch-1 cache of the best one's tokens except its last (not yet fed).
    When the context window fills, the cache is refilled with the song header + the last `keep` tokens.
    """
    dev = next(model.parameters()).device
    block = model.config.block_size
    cur = [copy.deepcopy(start) if start else Cursor(spec, prev=spec.section_token) for _ in range(n)]

    def fin(c: Cursor) -> bool:
        return c.done or (stop_after_phrase is not None and c.phrase > stop_after_phrase)

    hist = [list(context) for _ in range(n)]
    valid = [0] * n  # cache positions that hold each candidate's real tokens

    def prefill() -> tuple[torch.Tensor, KVCache]:
        seqs = [
            h if len(h) < block else h[: V.HEADER_LEN] + h[-min(keep, block - V.HEADER_LEN) :] for h in hist
        ]
        longest = max(len(q) for q in seqs)
        for j, q in enumerate(seqs):
            valid[j] = len(q)
        if all(q == seqs[0] for q in seqs):  # same history (a section's start): one row, then copies
            one = model.new_cache(1)
            logits = model(torch.tensor(seqs[:1], dtype=torch.long, device=dev), one)
            return logits[:, -1].float().expand(n, -1), one.repeat(n)
        kv = model.new_cache(n)
        x = torch.tensor([q + [V.PAD] * (longest - len(q)) for q in seqs], dtype=torch.long, device=dev)
        logits = model(x, kv)
        last = torch.tensor([len(q) - 1 for q in seqs], device=dev)
        return logits[torch.arange(n, device=dev), last].float(), kv

    if past is not None and past.len == len(context) - 1 and len(context) < block:
        past = past.repeat(n)
        logits = model(torch.full((n, 1), context[-1], dtype=torch.long, device=dev), past)[:, -1].float()
        valid = [len(context)] * n
    else:
        logits, past = prefill()
    while True:
        stopped = [fin(c) for c in cur]
        masks = torch.from_numpy(
            np.stack([_pad_mask() if f else c.allowed() for c, f in zip(cur, stopped, strict=True)])
        )
        masks = masks.to(dev)
        logp_raw = torch.log_softmax(logits, dim=-1)
        lg = logits / max(temperature, 1e-5)
        if any(c.pen is not None and not f for c, f in zip(cur, stopped, strict=True)):
            zero = np.zeros(V.VOCAB_SIZE, dtype=np.float32)
            pen = np.stack(
                [c.pen if c.pen is not None and not f else zero for c, f in zip(cur, stopped, strict=True)]
            )
            lg = lg - torch.from_numpy(pen).to(dev)
        lg = lg.masked_fill(~masks, float("-inf"))
        probs = torch.softmax(_top_p(lg, top_p), dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        for j, c in enumerate(cur):
            if stopped[j]:
                continue
            tok = int(nxt[j])
            if int(masks[j].sum()) > 1:  # a free choice: it counts for the rerank score
                c.logp += float(logp_raw[j, tok])
                c.sampled += 1
            c.step(tok)
            hist[j].append(tok)
        if all(fin(c) for c in cur):
            break
        if past.len + 1 > block:  # context window full: refill from each history
            logits, past = prefill()
            continue
        stopped = [fin(c) for c in cur]
        feed = [V.PAD if f else h[-1] for h, f in zip(hist, stopped, strict=True)]
        for j, f in enumerate(stopped):
            valid[j] += 0 if f else 1
        logits = model(torch.tensor(feed, dtype=torch.long, device=dev).unsqueeze(1), past)[:, -1].float()
    score = score or (lambda c: c.logp / max(1, c.sampled))
    best = max(range(n), key=lambda j: score(cur[j]))
    # the best candidate's cache holds its tokens except the last (which opens the next section);
    # after a refill it holds a cropped history instead, and the next section starts afresh
    best_past = past.select(best, valid[best]) if valid[best] == len(hist[best]) - 1 else None
    return cur, best, best_past


def _pad_mask() -> np.ndarray:
    m = np.zeros(V.VOCAB_SIZE, dtype=bool)
    m[V.PAD] = True
    return m


@torch.inference_mode()
def sample_free(
    model: MusicTransformer,
    header: list[int],
    length: int,
    *,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[int]:
    """Unmasked sampling after a header (for the grammar-error metric)."""
    dev = next(model.parameters()).device
    toks = list(header)
    past = model.new_cache(1)
    logits = model(torch.tensor([toks], device=dev), past)
    for _ in range(length):
        probs = torch.softmax(logits[0, -1].float() / temperature, -1)
        t = int(torch.multinomial(probs, 1, generator=generator))
        toks.append(t)
        if t == V.EOS or len(toks) >= model.config.block_size:
            break
        logits = model(torch.tensor([[t]], device=dev), past)
    return toks
