"""The lyrics plan, made before any words: the chorus hook, keywords per section, every line's end word.

End words come from a pool of common modern words in song register (`data/endwords.tsv`: words of the
song-register corpus and the most frequent English words, CMU-known, no archaic, task or function words)
with precomputed all-MiniLM-L6-v2 embeddings (`data/endwords.safetensors`), plus the commonest song line ends
that list left out (`data/endwords-common.txt`: me, you, go, down, again …; embedded at first use).
Each word is scored by its cosine to the prompt plus a little frequency (wordfreq Zipf) and seeded noise;
a rhyme letter gets the best-scoring group of exact CMU rhymes, or — capped at `NEAR_SHARE` of the pairs —
a near rhyme (same last stressed vowel) when no exact partner is related to the song (Hafez; LYRICS.md
levers 1, 4, 5).
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

import numpy as np

from musegen.errors import InputError
from musegen.lyrics.rhyme import homophones, parse_scheme, rhyme_key, stem
from musegen.lyrics.syllables import count_syllables
from musegen.types import SongPlan

ZIPF_WEIGHT = 0.03  # score per Zipf unit: a common word beats a rare one of equal relevance
SONG_WEIGHT = 0.02  # score per ln(1 + count in the song-register corpus): song words beat jargon
NOISE = 0.03  # seeded noise on scores: another seed, other end words
HEADS = 120  # candidate first words of a rhyme group tried
NEAR_SHARE = 0.2  # at most this share of a song's rhyme pairs may be near rhymes
NEAR_GAIN = 0.15  # a near rhyme must beat the best exact group by this much to be used
MIN_RHYMED_SYLLABLES = 3  # a rhymed line needs room for words before its end word
KEYWORDS = 12
# end words and keywords are everyday words: below Zipf 3.6 the pool's exact rhymes were words a listener
# trips on (dusk -> musk, tusk; swing -> sling, fling; deems, mace)
MIN_ZIPF = 3.6
OPTIONS = 24  # end words a line may take instead of its planned one (the model picks what fits)


@dataclass
class SectionWords:
    """The planned words of one sung section."""

    keywords: list[str]
    ends: list[str]
    near: list[bool] = field(default_factory=list)  # per line: its rhyme to an earlier line is near
    options: list[frozenset[str]] = field(default_factory=list)  # per line: end words it may take instead


@dataclass
class WordPlan:
    """Hook, keywords and end words for every section (None: instrumental or a repeat)."""

    hook: str
    keywords: list[str]
    sections: list[SectionWords | None]
    planner: _Planner | None = None

    def rhymes_for(self, word: str, max_syl: int, n: int = OPTIONS) -> frozenset[str]:
        """The `n` best-scoring unused pool words that rhyme exactly with `word` (not identically)."""
        return self.planner.rhymes_for(word, max_syl, n) if self.planner else frozenset()

    def take(self, word: str) -> None:
        """Mark an end word as used in the song (no other line may end on it or a form of it)."""
        if self.planner:
            self.planner.take(word)

    def near_left(self) -> int:
        """Near rhymes the decoder may still use.

        The song's pairs × `NEAR_SHARE`, less those planned and those already chosen (`took_near`).
        """
        if self.planner is None:
            return 0
        pl = self.planner
        return int(NEAR_SHARE * pl.pairs) - pl.near_pairs - pl.sampled_near

    def took_near(self) -> None:
        """A line ended on a near rhyme the plan did not name."""
        if self.planner:
            self.planner.sampled_near += 1

    def near_allotment(self) -> dict[int, int]:
        """Per planned section: near rhymes beyond the plan's it may choose (the song's share, spread evenly).

        Sections are written independently (`fork`), so each gets its own part of the song's `NEAR_SHARE`;
        the earlier sections get the remainder.
        """
        ks = [k for k, s in enumerate(self.sections) if s is not None]
        free = max(self.near_left(), 0)
        q, r = divmod(free, max(len(ks), 1))
        return {k: q + (i < r) for i, k in enumerate(ks)}

    def fork(self, near: int) -> WordPlan:
        """A copy for one section written on its own: the words as planned, `near` unplanned near rhymes left.

        What the section takes stays in the copy, so sections written in any order (or in another process)
        get the same words.
        """
        if self.planner is None:
            return self
        pl = copy.copy(self.planner)
        pl.used, pl.used_stems = set(pl.used), set(pl.used_stems)
        pl.sampled_near = int(NEAR_SHARE * pl.pairs) - pl.near_pairs - near
        return replace(self, planner=pl)


@dataclass
class EndWordPool:
    """Candidate end words with unit MiniLM embeddings and Zipf frequencies."""

    words: list[str]
    emb: np.ndarray
    zipf: np.ndarray
    song: np.ndarray  # ln(1 + count) in the song-register training corpus

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}
        keys: dict[str, list[int]] = {}
        vowels: dict[str, list[int]] = {}
        self.keys: list[str | None] = []
        for i, w in enumerate(self.words):
            k = rhyme_key(w)
            self.keys.append(k)
            if k:
                keys.setdefault(k, []).append(i)
                vowels.setdefault(near_key(k), []).append(i)
        self.by_key, self.by_vowel = keys, vowels


def near_key(key: str) -> str:
    """The last stressed vowel of a rhyming part (what a near rhyme shares)."""
    return re.sub(r"\d", "", key.split()[0])


@lru_cache(maxsize=1)
def end_word_pool() -> EndWordPool:
    """The shipped end-word pool (loaded once)."""
    from safetensors.numpy import load_file

    from musegen.diskcache import cached, source_key

    data = resources.files("musegen.lyrics").joinpath("data")
    text = data.joinpath("endwords.tsv").read_text("utf-8")
    rows = [r.split("\t") for r in text.splitlines() if r]
    words = [r[0] for r in rows]
    counts = [int(r[1]) for r in rows]
    emb = load_file(str(data.joinpath("endwords.safetensors")))["embeddings"]
    extra_text = data.joinpath("endwords-common.txt").read_text("utf-8")
    have = set(words)
    extra = [w for w in extra_text.split("\n") if w and not w.startswith("#") and w not in have]
    if extra:  # embedded as the pool's own rows were (the bare word), stored at their precision
        vecs = cached("endword-extra", source_key(extra, modules=["musegen.plan.minilm"]),
                      lambda: _embed(extra))
        emb = np.concatenate([emb, np.asarray(vecs, dtype=np.float32).astype(emb.dtype)])
        words, counts = words + extra, counts + [0] * len(extra)
        text += extra_text
    emb = emb.astype(np.float32)
    song = np.log1p(np.array(counts, dtype=np.float32))
    zipf = np.array(cached("endword-zipf", source_key(text, packages=["wordfreq"]), lambda: _zipf(words)),
                    dtype=np.float32)
    return EndWordPool(words, emb, zipf, song)


def _embed(words: list[str]) -> list[list[float]]:
    from musegen.plan.embed import embed

    return embed(words).tolist()


def _zipf(words: list[str]) -> list[float]:
    from wordfreq import zipf_frequency

    return [zipf_frequency(w, "en") for w in words]


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """Pool words that are names (`data/names.txt`): never planned, since the decoder writes lower case."""
    text = resources.files("musegen.lyrics").joinpath("data", "names.txt").read_text("utf-8")
    return frozenset(x for x in text.split("\n") if x and not x.startswith("#"))


@lru_cache(maxsize=1)
def common_end_words() -> frozenset[str]:
    """Pool words a line may freely end on: Zipf ≥ `MIN_ZIPF`, no names, no spelled-out letters ("abc")."""
    pool, odd = end_word_pool(), names()
    return frozenset(w for w, z in zip(pool.words, pool.zipf, strict=True)
                     if z >= MIN_ZIPF and w not in odd and not _letters(w))


def _letters(w: str) -> bool:
    """Whether a short word is sung letter by letter (an acronym: a syllable per letter)."""
    return 2 <= len(w) <= 4 and count_syllables(w) == len(w)


def identical_rhyme(a: str, b: str) -> bool:
    """Whether two words rhyme only through a shared final word (day/midday) or sound the same (sea/see)."""
    if homophones(a, b):
        return True
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    words = end_word_pool().index
    return any(k in (len(a), len(b)) or a[-k:] in words for k in range(3, n + 1))


def check_rhymable(plan: SongPlan) -> None:
    """Raise InputError naming the section when its lines are too short to carry their rhyme."""
    for k, sec in enumerate(plan.sections):
        if not sec.syllables or sec.repeat_of is not None:
            continue
        scheme = parse_scheme(sec.rhyme, len(sec.syllables), what=f"section {k} rhyme")
        for i, n in enumerate(sec.syllables):
            letter = scheme[i]
            if letter != "X" and scheme.count(letter) > 1 and n < MIN_RHYMED_SYLLABLES:
                raise InputError(
                    f"section {k} ({sec.type}): {n}-syllable lines cannot carry the {sec.rhyme or scheme} "
                    f"rhyme; give its lines at least {MIN_RHYMED_SYLLABLES} syllables (--syllables) "
                    "or mark them free with X (--rhyme)")


class _Planner:
    def __init__(self, about: str, seed: int | None, allowed: set[str] | None,
                 query: np.ndarray | None = None) -> None:
        from musegen.plan.embed import embed

        self.pool = pool = end_word_pool()
        q = query if query is not None else embed([about])[0]
        rng = random.Random(0 if seed is None else int(seed))
        noise = np.array([rng.random() for _ in pool.words], dtype=np.float32) * NOISE
        self.score = pool.emb @ q + ZIPF_WEIGHT * pool.zipf + SONG_WEIGHT * pool.song + noise
        ok = (pool.zipf >= MIN_ZIPF) & ~np.isin(np.array(pool.words), list(names()))
        if allowed is not None:
            ok &= np.array([w in allowed for w in pool.words])
        self.score = np.where(ok, self.score, -np.inf)
        self.order = [int(i) for i in np.argsort(-self.score) if np.isfinite(self.score[i])]
        self.used: set[str] = set()
        self.used_stems: set[str] = set()
        self.pairs = 0
        self.near_pairs = 0
        self.sampled_near = 0  # near rhymes the decoder chose beyond the plan's (WordPlan.near_left)
        self._rank_cache: dict[tuple[int, str], list[int]] = {}

    def _ranked(self, groups: dict[str, list[int]], key: str) -> list[int]:
        """The pool words of `groups[key]`, best score first (sorted once per planner)."""
        got = self._rank_cache.get((id(groups), key))
        if got is None:
            got = sorted(groups.get(key, ()), key=lambda j: -self.score[j])
            self._rank_cache[(id(groups), key)] = got
        return got

    def free(self, w: str) -> bool:
        return w not in self.used and stem(w) not in self.used_stems

    def take(self, w: str) -> None:
        self.used.add(w)
        self.used_stems.add(stem(w))

    def keywords(self, n: int) -> list[str]:
        out: list[str] = []
        stems: set[str] = set()
        for i in self.order:
            w = self.pool.words[i]
            if stem(w) not in stems:
                out.append(w)
                stems.add(stem(w))
            if len(out) >= n:
                break
        return out

    def _fits(self, i: int, max_syl: int, avoid: set[str]) -> bool:
        w = self.pool.words[i]
        return (self.free(w) and count_syllables(w) <= max_syl and self.pool.keys[i] is not None
                and self.pool.keys[i] not in avoid)

    def group(self, need: int, max_syl: int, avoid: set[str], head: str | None = None
              ) -> tuple[list[str], bool] | None:
        """`need` words rhyming together (head first), and whether the rhyme is near."""
        pool, best, best_s = self.pool, None, -np.inf
        heads = [pool.index[head]] if head is not None and head in pool.index else self.order[:HEADS]
        near_ok = self.near_pairs + need - 1 <= NEAR_SHARE * max(1, self.pairs + need - 1)
        near_best, near_s = None, -np.inf
        for h in heads:
            if not self._fits(h, max_syl, avoid) and pool.words[h] != head:
                continue
            k = pool.keys[h]
            if k is None:
                continue
            stems = {stem(pool.words[h])}
            mates = []
            for j in self._ranked(pool.by_key, k):
                w = pool.words[j]
                if (j != h and self._fits(j, max_syl, avoid) and stem(w) not in stems
                        and not any(identical_rhyme(w, pool.words[m]) for m in [h, *mates])):
                    mates.append(j)
                    stems.add(stem(w))
                if len(mates) == need - 1:
                    break
            if len(mates) == need - 1:
                s = self.score[h] + float(np.mean([self.score[j] for j in mates])) if mates else self.score[h]
                if s > best_s:
                    best, best_s = [h, *mates], s
            if near_ok:
                cand = []
                for j in self._ranked(pool.by_vowel, near_key(k)):
                    if len(cand) == need - 1:
                        break
                    if (j != h and pool.keys[j] != k and self._fits(j, max_syl, avoid)
                            and stem(pool.words[j]) not in stems):
                        cand.append(j)
                if len(cand) == need - 1:
                    s = self.score[h] + float(np.mean([self.score[j] for j in cand]))
                    if s > near_s:
                        near_best, near_s = [h, *cand], s
        if near_best is not None and (best is None or near_s > best_s + NEAR_GAIN):
            return [pool.words[i] for i in near_best], True
        if best is None:
            return None
        return [pool.words[i] for i in best], False

    def heads(self, need: int, max_syl: int, avoid: set[str], n: int = OPTIONS) -> frozenset[str]:
        """Up to `n` best-scoring words that have `need - 1` fitting exact rhymes in the pool."""
        out: list[str] = []
        for h in self.order[:HEADS * 2]:
            if not self._fits(h, max_syl, avoid):
                continue
            k = self.pool.keys[h]
            w = self.pool.words[h]
            mates = {stem(self.pool.words[j]) for j in self.pool.by_key.get(k, ())  # type: ignore[arg-type]
                     if j != h and self._fits(j, max_syl, avoid)
                     and not identical_rhyme(w, self.pool.words[j])}
            if len(mates - {stem(w)}) >= need - 1:
                out.append(w)
            if len(out) >= n:
                break
        return frozenset(out)

    def rhymes_for(self, word: str, max_syl: int, n: int) -> frozenset[str]:
        """The `n` best-scoring fitting pool words rhyming exactly with `word`."""
        k = rhyme_key(word)
        js = self._ranked(self.pool.by_key, k or "")
        out = [self.pool.words[j] for j in js
               if self.pool.words[j] != word and self.free(self.pool.words[j])
               and count_syllables(self.pool.words[j]) <= max_syl and np.isfinite(self.score[j])
               and stem(self.pool.words[j]) != stem(word) and not identical_rhyme(word, self.pool.words[j])]
        return frozenset(out[:n])

    def single(self, max_syl: int, avoid: set[str]) -> str | None:
        for i in self.order:
            if self._fits(i, max_syl, avoid):
                return self.pool.words[i]
        return None


def plan_words(plan: SongPlan, *, seed: int | None = None, allowed: set[str] | None = None,
               query: np.ndarray | None = None, about: str | None = None) -> WordPlan:
    """Hook, keywords and every line's end word for the sung, non-repeated sections of `plan`.

    `allowed` limits end words (e.g. the decoder's word table minus the blocklist); `query` is the
    prompt's MiniLM embedding (None: embed `about`, default `plan.mood`). Raises InputError for a section
    whose rhyme cannot be planned, naming the section and what to change.
    """
    check_rhymable(plan)
    pl = _Planner(about or plan.mood, seed, allowed, query)
    keywords = pl.keywords(KEYWORDS)
    hook = keywords[0] if keywords else "love"
    pl.take(hook)  # kept for the chorus
    out: list[SectionWords | None] = []
    verse_n = 0
    for k, sec in enumerate(plan.sections):
        if not sec.syllables or sec.repeat_of is not None:
            out.append(None)
            continue
        n = len(sec.syllables)
        scheme = parse_scheme(sec.rhyme, n)
        if sec.type == "chorus":
            kw = keywords[:3]
        else:
            start = 1 + 3 * verse_n % max(1, len(keywords) - 3)
            kw = keywords[start:start + 3] or keywords[:3]
            verse_n += 1
        ends: list[str | None] = [None] * n
        near = [False] * n
        options: list[frozenset[str]] = [frozenset()] * n
        keys: set[str] = set()
        letters = list(dict.fromkeys(scheme))
        if sec.type == "chorus" and scheme[0] != "X":  # the hook ends the chorus's first line
            letters.remove(scheme[0])
            letters.insert(0, scheme[0])
        for li, letter in enumerate(letters):
            rows = [i for i, c in enumerate(scheme) if c == letter]
            max_syl = max(1, min(sec.syllables[i] for i in rows) - 1)
            if letter == "X" or len(rows) == 1:
                for i in rows:
                    room = max(1, sec.syllables[i] - 1)
                    w = hook if sec.type == "chorus" and i == 0 else pl.single(room, keys)
                    if w is None:
                        raise InputError(f"section {k} ({sec.type}): no end word fits its "
                                         f"{sec.syllables[i]}-syllable line; use more syllables")
                    ends[i] = w
                    options[i] = frozenset(self_or(w, pl.heads(1, room, keys)))
                    pl.take(w)
                    keys.add(rhyme_key(w) or "")
                continue
            head = hook if sec.type == "chorus" and li == 0 else None
            got = pl.group(len(rows), max_syl, keys, head) or pl.group(len(rows), max_syl, keys)
            if got is None:
                raise InputError(f"section {k} ({sec.type}): {len(rows)} lines rhyme on {letter} in "
                                 f"{sec.rhyme!r} and no common words rhyme that often; use fewer lines per "
                                 "rhyme letter (--rhyme) or more syllables (--syllables)")
            group, is_near = got
            options[rows[0]] = frozenset(self_or(group[0], pl.heads(len(rows), max_syl, keys)))
            pl.pairs += len(rows) - 1
            pl.near_pairs += (len(rows) - 1) if is_near else 0
            for j, (i, w) in enumerate(zip(rows, group, strict=True)):
                ends[i] = w
                near[i] = is_near and j > 0
                pl.take(w)
                keys.add(rhyme_key(w) or "")
        out.append(SectionWords(kw, [e or "" for e in ends], near, options))
    return WordPlan(hook, keywords, out, pl)


def self_or(word: str, others: frozenset[str]) -> set[str]:
    """`others` plus `word`."""
    return {word, *others}
