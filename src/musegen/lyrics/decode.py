"""Constrained line sampling: batched candidates, KV cache, per-token syllable and rhyme masks.

A line is decoded token by token for `batch` candidates at once. After each step every candidate's
top-k tokens are checked against its state (syllables of finished words, the word being spelled) and
only tokens that can still end the line with exactly the target syllables — and, at the end, on an
allowed rhyme word — keep their probability. The newline token is allowed only when the count is exact.
Among the finished candidates a `pick` function (the reranker) or the best mean log-probability chooses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from musegen.lyrics.lean import BranchCache, KVCache
from musegen.lyrics.vocab import (
    FINAL_MIN,
    KIND_CONT,
    KIND_NEWLINE,
    KIND_PUNCT,
    KIND_START,
    WEAK_FINALS,
    TokenTable,
    WordTable,
)

TOP_K = 48  # tokens checked per candidate per step
MID_K = 192  # checked when none of the top-k fits (most line ends are found here, 5x fewer checks)
WIDE_K = 1024  # checked when none of the top MID_K fits
WIDER_K = 8192  # last resort before the candidate is dropped
TOP_P = 0.95
START_WORDS = 3  # lines of a section may not share their first this-many words
MIN_AFTER_PUNCT = 3  # syllables a line must still have after inner punctuation


@dataclass
class Candidate:
    """A finished candidate line: token ids, words, summed token log-prob, tokens."""

    ids: list[int]
    words: list[str]
    logp: float
    n: int


@dataclass
class SampledLine:
    """The chosen line: token ids (its newline last), words, score, and the candidates' cache."""

    ids: list[int]
    words: list[str]
    score: float
    prefix: KVCache | None = None  # the cache the line was sampled after
    branch: BranchCache | None = None  # the batch it was sampled in (None: only `prefix` is known)
    row: int = 0  # its row there

    def rows_after(self) -> tuple[KVCache | None, list[int]]:
        """(batch-1 cache of what the batch already ran of the line, the line's ids still to run: ≥ 1)."""
        if self.branch is None:
            return self.prefix, list(self.ids)
        fed = min(len(self.ids) - 1, self.branch.n)
        return self.branch.row(self.row, fed), self.ids[fed:]

    def cache_after(self, lm) -> tuple[KVCache, torch.Tensor]:
        """(batch-1 cache, sub-vocab log-probs) after the line, as `lm.prefill(ids, prefix)` gives them."""
        cache, rest = self.rows_after()
        return lm.prefill(rest, cache)


@dataclass
class LineSpec:
    """What one line must be."""

    syllables: int
    finals: frozenset[str] | None = None  # allowed final words (rhyme), None = free
    forbidden_finals: frozenset[str] = frozenset()  # words that must not end the line
    min_partners: int = 0  # a free final word needs this many rhyme partners (its letter recurs)
    used_lines: frozenset[str] = frozenset()  # normalised lines that must not be repeated
    used_starts: frozenset[tuple[str, ...]] = frozenset()  # first words of this section's earlier lines
    banned: frozenset[str] = frozenset()
    max_punct: int = 1  # punctuation marks allowed inside the line (the end is free)
    search_tail: bool = True  # with `finals`: look past the top WIDE_K tokens before dropping a candidate
    free_finals: frozenset[str] | None = None  # without `finals`: the words a line may end on (None: any)


@dataclass
class _State:
    c: int = 0  # syllables of finished words
    p: str = ""  # word being spelled (lower case)
    words: list[str] = field(default_factory=list)
    ended: bool = False  # punctuation after the last syllable: only newline may follow
    started: bool = False
    after_punct: bool = False
    punct: int = 0
    done: bool = False
    dead: bool = False
    logp: float = 0.0
    n: int = 0
    ids: list[int] = field(default_factory=list)


class LineSampler:
    """Checks tokens against a line's constraints (pure Python, no model)."""

    def __init__(self, words: WordTable, tokens: TokenTable) -> None:
        self.words, self.tokens = words, tokens

    # -- word-level checks
    def final_ok(self, w: str, spec: LineSpec) -> bool:
        """Whether `w` may end the line."""
        if w in WEAK_FINALS or w in spec.forbidden_finals or "'" in w:
            return False
        if self.words.freq.get(w, FINAL_MIN) < FINAL_MIN:
            return False
        if spec.finals is not None:
            return w in spec.finals
        if spec.free_finals is not None and w not in spec.free_finals:
            return False
        return spec.min_partners <= 0 or self.words.partners(w) >= spec.min_partners

    def word_ok(self, w: str, spec: LineSpec, words: list[str] | None = None) -> bool:
        """Whether a finished word is allowed at all (known, not banned, not repeated in the line)."""
        if w not in self.words.syl or w in spec.banned:
            return False
        return not (words and (w == words[-1] or (w in words and w not in WEAK_FINALS)))

    def prefix_ok(self, p: str, c: int, spec: LineSpec) -> bool:
        """Whether the partial word `p` after `c` syllables can still lead to a valid line."""
        t = spec.syllables
        mask = self.words.prefix_mask.get(p, 0)
        if mask & ((1 << max(0, t - c)) - 1) & ~1:  # some completion leaves room for more words
            return True
        if t - c <= 0:
            return False
        if spec.finals is not None:
            return bool(self.words.rhyme_prefix_mask(spec.finals).get(p, 0) >> (t - c) & 1)
        return bool(self.words.final_mask.get(p, 0) >> (t - c) & 1)

    # -- token transition
    def step(self, s: _State, tok: int, spec: LineSpec) -> _State | None:
        """The state after `tok`, or None when `tok` breaks the constraints."""
        kind = self.tokens.kind[tok]
        t = spec.syllables
        if s.ended and kind != KIND_NEWLINE:
            return None
        if kind == KIND_CONT:
            piece = self.tokens.text[tok]
            if s.p:
                if self.tokens.capital[tok] or (s.p == "i" and not piece.startswith("'")):
                    return None  # no "I" + "ll" → "Ill"; only "I'm", "I'll" …
                p = s.p + piece
            elif not s.started:
                p = piece
            else:
                return None
            if not self.prefix_ok(p, s.c, spec):
                return None
            return _State(s.c, p, s.words, False, True, False, punct=s.punct)
        if kind == KIND_START:
            if self.tokens.capital[tok] and self.tokens.text[tok] != "i":
                return None
            c = s.c
            words = s.words
            if s.p:
                if not self.word_ok(s.p, spec, s.words):
                    return None
                c += self.words.syl[s.p]
                words = [*words, s.p]
                if c >= t:
                    return None
            elif not s.started:
                return None  # a line starts without a leading space
            p = self.tokens.text[tok]
            if not self.prefix_ok(p, c, spec):
                return None
            return _State(c, p, words, False, True, False, punct=s.punct)
        if kind in (KIND_PUNCT, KIND_NEWLINE):
            c, words = s.c, s.words
            if s.p:
                if not self.word_ok(s.p, spec, s.words):
                    return None
                c += self.words.syl[s.p]
                words = [*words, s.p]
            elif kind == KIND_PUNCT and (s.after_punct or not s.started):
                return None
            if c > t or not words:
                return None
            if kind == KIND_PUNCT:
                if c == t and not self.final_ok(words[-1], spec):
                    return None
                if c < t and (s.punct >= spec.max_punct or t - c < MIN_AFTER_PUNCT):
                    return None  # no "… shared in, meet": a comma leaves room for a phrase
                return _State(c, "", words, c == t, True, True, punct=s.punct + 1)
            if c != t or not self.final_ok(words[-1], spec):
                return None
            st = _State(c, "", words, True, True, False, done=True)
            return st
        return None


def _kind_mask(sampler: LineSampler, s: _State, spec: LineSpec) -> str | None:
    """Which token kinds can follow state `s`: a key of `_masks` (None: all kinds)."""
    if s.ended:
        return "newline"
    if not s.started:
        return "cont"
    if not s.p:  # just after punctuation
        return "start_or_newline"
    syl = sampler.words.syl.get(s.p)
    if syl is None or s.c + syl > spec.syllables:  # the word is unfinished: only a continuation
        return "cont"
    if s.c + syl == spec.syllables:  # the line is full once this word ends
        return "no_start"
    return None


def _masks(lm) -> dict[str, tuple[torch.Tensor, int]]:
    """Per `_kind_mask` key: the sub-vocab positions it rules out (a bool mask) and how many it allows.

    Built once per model.
    """
    got = lm.__dict__.get("_kind_masks")
    if got is None:
        kinds = lm.sub_kinds
        allowed = {"newline": kinds == KIND_NEWLINE, "cont": kinds == KIND_CONT,
                   "start_or_newline": (kinds == KIND_START) | (kinds == KIND_NEWLINE),
                   "no_start": kinds != KIND_START}
        got = lm.__dict__["_kind_masks"] = {k: (~m, int(m.sum())) for k, m in allowed.items()}
    return got


def _sample_row(logp: torch.Tensor, lm, s: _State, spec: LineSpec, sampler: LineSampler,
                gen: torch.Generator, temperature: float) -> tuple[int, int, _State] | None:
    """Pick one allowed token for a candidate: (full-vocab id, sub-vocab position, new state) or None."""
    masks = _masks(lm)
    kind = _kind_mask(sampler, s, spec)
    n_ok = logp.numel()
    if kind is not None:
        ruled_out, n_ok = masks[kind]
        logp = logp.masked_fill(ruled_out, float("-inf"))
    sub_ids = lm.sub_list
    # a line bound to planned end words need not search the tail: a candidate with none of them in its top
    # WIDE_K tokens is dropped (measured: the WIDER_K scans of such rows were 3/4 of all token checks)
    short = spec.finals is not None and not spec.search_tail
    tiers = (TOP_K, MID_K, WIDE_K) if short else (TOP_K, MID_K, WIDE_K, WIDER_K)
    for k in tiers:
        vals, idx = torch.topk(logp, min(k, n_ok))
        ok_vals, ok_ids, ok_pos, ok_states = [], [], [], []
        for v, i in zip(vals.tolist(), idx.tolist(), strict=True):
            tok = sub_ids[i]
            ns = sampler.step(s, tok, spec)
            if ns is not None:
                ok_vals.append(v)
                ok_ids.append(tok)
                ok_pos.append(i)
                ok_states.append(ns)
        if ok_ids:
            lv = torch.tensor(ok_vals) / temperature
            probs = torch.softmax(lv, dim=0)
            order = torch.argsort(probs, descending=True)
            cum = torch.cumsum(probs[order], 0)
            keep = order[: int((cum < TOP_P).sum()) + 1]
            p = torch.zeros_like(probs)
            p[keep] = probs[keep]
            j = int(torch.multinomial(p / p.sum(), 1, generator=gen))
            return ok_ids[j], ok_pos[j], ok_states[j]
        if k >= n_ok:
            break
    return None


def rhyme_bias(lm, spec: LineSpec, words: WordTable, strength: float) -> dict[int, torch.Tensor]:
    """Remaining syllables → sub-vocab positions of the first tokens of rhyme words that long.

    Added to the log-probs at word boundaries, it steers the line's last word onto the rhyme.
    """
    if spec.finals is None or strength <= 0:
        return {}
    pos = lm.sub_pos
    out: dict[int, list[int]] = {}
    for w in spec.finals:
        ids = lm.tokenizer.encode(" " + w, add_special_tokens=False)
        if ids and ids[0] in pos:
            out.setdefault(words.syl[w], []).append(pos[ids[0]])
    return {r: torch.tensor(sorted(set(v))) for r, v in out.items()}


@torch.inference_mode()
def sample_line(lm, prefix_cache, last_logits: torch.Tensor, spec: LineSpec, sampler: LineSampler, *,
                batch: int, gen: torch.Generator, temperature: float = 0.9, rhyme_strength: float = 0.0,
                max_tokens: int | None = None, pick: Callable[[list[Candidate]], int] | None = None,
                word_bias: torch.Tensor | None = None, first_bias: torch.Tensor | None = None
                ) -> SampledLine | None:
    """Sample `batch` candidate lines after a cached prefix; return the best (ids, words, score).

    `lm` is a `LyricsModel`; `prefix_cache` the batch-1 KV cache of the prompt so far and `last_logits` the
    sub-vocabulary log-probs after it; `word_bias` (sub-vocabulary) is added at every later step too,
    `first_bias` to the first step only.
    The best is the one `pick` chooses among the finished candidates
    (None: the best mean log-probability). Returns None when no candidate met the constraints.
    A candidate's log-prob is the model's own: the rhyme steer and `word_bias` shape what is sampled, not
    how it is scored (a forced rhyme word must not look fluent to the reranker).
    """
    max_tokens = max_tokens or 4 * spec.syllables + 6
    cache = BranchCache(prefix_cache, batch, max_tokens)
    logp = last_logits.expand(batch, -1)
    raw = logp if word_bias is None else logp - word_bias  # the model's log-probs, without the bias
    if first_bias is not None:  # shapes the line's first token only, never its score
        logp = logp + first_bias
    states = [_State() for _ in range(batch)]
    steer = rhyme_bias(lm, spec, sampler.words, rhyme_strength)
    rows = list(range(batch))  # the candidates the rows of `logp` belong to (finished ones are not run)
    for _ in range(max_tokens):
        run, next_ids = [], []
        for j, b in enumerate(rows):
            s = states[b]
            row = logp[j]
            if steer and not s.p and s.started and (spec.syllables - s.c) in steer:
                row = row.clone()
                row[steer[spec.syllables - s.c]] += rhyme_strength
            got = _sample_row(row, lm, s, spec, sampler, gen, temperature)
            if got is None:
                s.dead = True
                continue
            tok, at, ns = got
            ns.logp, ns.n, ns.ids = s.logp + float(raw[j, at]), s.n + 1, [*s.ids, tok]
            if ns.done:
                line = " ".join(ns.words)
                if line in spec.used_lines or tuple(ns.words[:START_WORDS]) in spec.used_starts:
                    ns.dead = True
            states[b] = ns
            if not ns.done and not ns.dead:
                run.append(b)
                next_ids.append(tok)
        n_done = sum(s.done and not s.dead for s in states)
        if not run or n_done >= max(2, batch // 2):
            break  # enough finished candidates to choose from: do not wait for the longest
        cache.keep(run)  # a finished or dropped candidate costs no more steps
        raw = logp = lm.step(torch.tensor(next_ids).unsqueeze(1), cache)
        rows = run
        if word_bias is not None:
            logp = logp + word_bias
    best = [b for b, s in enumerate(states) if s.done and not s.dead]
    if not best:
        return None
    if pick is not None:
        row = best[pick([Candidate(s.ids, s.words, s.logp, s.n) for s in (states[b] for b in best)])]
    else:
        row = max(best, key=lambda b: states[b].logp / states[b].n)
    top = states[row]
    return SampledLine(top.ids, top.words, top.logp / top.n, prefix_cache, cache, row)
