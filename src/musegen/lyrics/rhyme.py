"""Rhyme on line-final words: equal CMU rhyming parts (last stressed vowel to the end); never self-rhyme."""

from __future__ import annotations

import re
from functools import lru_cache

import pronouncing

from musegen.lyrics.syllables import cmu, normalize, words_of


def last_word(line: str) -> str:
    """The line-final word, normalised ('' for a line without words)."""
    words = words_of(line)
    return normalize(words[-1]) if words else ""


@lru_cache(maxsize=65536)
def rhyming_parts(word: str) -> tuple[str, ...]:
    """Rhyming parts of all CMU pronunciations of `word`, first pronunciation first (() if unknown)."""
    prons = cmu().get(normalize(word), [])
    out: list[str] = []
    for p in prons:
        rp = pronouncing.rhyming_part(" ".join(p))
        if rp not in out:
            out.append(rp)
    return tuple(out)


def rhyme_key(word: str) -> str | None:
    """The rhyming part of the word's first CMU pronunciation (None if CMU does not know it)."""
    parts = rhyming_parts(word)
    return parts[0] if parts else None


def homophones(a: str, b: str) -> bool:
    """Whether two different spellings share a CMU pronunciation (sea/see, morning/mourning): no rhyme."""
    a, b = normalize(a), normalize(b)
    if not a or not b or a == b:
        return False
    pa = {tuple(p) for p in cmu().get(a, [])}
    return any(tuple(p) in pa for p in cmu().get(b, []))


def rhymes(a: str, b: str, *, strict: bool = False) -> bool:
    """Whether two words rhyme: some pronunciations share a rhyming part (strict: the first ones do).

    A word never rhymes with itself.
    """
    a, b = normalize(a), normalize(b)
    if not a or not b or a == b:
        return False
    if strict:
        ka, kb = rhyme_key(a), rhyme_key(b)
        return ka is not None and ka == kb
    pa, pb = rhyming_parts(a), rhyming_parts(b)
    return bool(set(pa) & set(pb))


def scheme_of(lines: list[str]) -> str:
    """The rhyme scheme of some lines as letters (a line that rhymes with no earlier one gets a new one)."""
    letters: list[str] = []
    ends = [last_word(x) for x in lines]
    for i, w in enumerate(ends):
        for j in range(i):
            if rhymes(w, ends[j]):
                letters.append(letters[j])
                break
        else:
            letters.append(chr(ord("A") + len(set(letters))))
    return "".join(letters)


SCHEME_RE = re.compile(r"^[A-Za-z]+$")


def parse_scheme(scheme: str, n_lines: int, what: str = "--rhyme") -> str:
    """Validate a rhyme scheme (letters; 'X' = free line) and stretch it by repetition to n_lines."""
    from musegen.errors import InputError

    s = scheme.strip().upper()
    if not s:
        return "X" * n_lines
    if not SCHEME_RE.match(s):
        raise InputError(f"{what} {scheme!r}: use letters only, e.g. ABAB or AABB (X marks a free line)")
    return (s * (n_lines // len(s) + 1))[:n_lines]


def stem(w: str) -> str:
    """A crude stem for telling inflections of one word apart from rhymes: miles, mile; running, run."""
    for suf in ("ing", "ed", "es", "s", "er", "y"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w


def base_form(w: str) -> str:
    """A key shared by a word's inflections: mile, miles; dance, dancing, danced; run, running; lie, lies.

    `stem` with a final silent e and a doubled last consonant dropped (summer and sum share one too, which
    only matters where a key is used to keep an inflection of a word from ending a line after it).
    """
    w = stem(w)
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return w[:-1] if len(w) > 3 and w[-1] == w[-2] else w
