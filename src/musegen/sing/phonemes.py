"""Sung words → the voice's phonemes, one onset/nucleus/coda group per sung syllable.

Pronunciations come from our CMU data (`musegen.lyrics.syllables.pronunciation`, the same source that
counted the syllables), mapped from ARPAbet to the misaki symbols hibari was trained on; words CMU does
not know go through hibari's own G2P. Consonants between two vowels are split by the maximal-onset rule
(the longest legal English onset goes to the next syllable). A word whose phoneme syllables do not
match the sung syllable count is fitted: extra vowels join the last syllable, missing ones repeat
the last vowel (as a melisma would).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from musegen.errors import InputError

# ARPAbet → misaki (SINGING.md). AH and ER depend on stress: (unstressed, stressed).
ARPA_VOWELS = {
    "AA": ("ɑ", "ɑ"), "AE": ("æ", "æ"), "AH": ("ə", "ʌ"), "AO": ("ɔ", "ɔ"), "AW": ("W", "W"),
    "AY": ("I", "I"), "EH": ("ɛ", "ɛ"), "ER": ("əɹ", "ɜɹ"), "EY": ("A", "A"), "IH": ("ɪ", "ɪ"),
    "IY": ("i", "i"), "OW": ("O", "O"), "OY": ("Y", "Y"), "UH": ("ʊ", "ʊ"), "UW": ("u", "u"),
}
ARPA_CONSONANTS = {
    "B": "b", "CH": "ʧ", "D": "d", "DH": "ð", "F": "f", "G": "ɡ", "HH": "h", "JH": "ʤ", "K": "k", "L": "l",
    "M": "m", "N": "n", "NG": "ŋ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ", "V": "v",
    "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}
STRESS_MARK = {0: "", 1: "ˈ", 2: "ˌ"}
# Legal English onsets of two or three consonants (ARPAbet); single consonants are always legal
# except NG and ZH.
ONSETS = {tuple(o.split()) for o in (
    "P R", "P L", "B R", "B L", "T R", "D R", "K R", "K L", "G R", "G L", "F R", "F L", "TH R", "SH R",
    "S P", "S T", "S K", "S M", "S N", "S L", "S W", "T W", "D W", "K W", "G W", "TH W",
    "P Y", "B Y", "K Y", "F Y", "M Y", "V Y", "HH Y", "S P R", "S T R", "S K R", "S P L", "S K W",
)}
MISAKI_VOWELS = frozenset("AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻᵊ")
MISAKI_STRESS = frozenset("ˈˌ")
LATIN_WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")


@dataclass
class SylPhones:
    """The phonemes of one sung syllable (misaki symbols, one model token each)."""

    onset: list[str] = field(default_factory=list)
    nucleus: list[str] = field(default_factory=list)  # stress mark (if any) + vowel symbol(s)
    coda: list[str] = field(default_factory=list)


class UnsingableError(InputError):
    """A lyric word that the voice cannot pronounce (non-Latin script, or no pronunciation at all)."""


def latin_form(word: str) -> str:
    """The word with accents removed and typographic apostrophes made ASCII ("café" → "cafe")."""
    word = word.replace("’", "'").replace("‘", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _split_cluster(cluster: list[str]) -> int:
    """How many consonants of an intervocalic ARPAbet cluster stay as the coda (maximal onset)."""
    for k in range(len(cluster)):
        onset = tuple(cluster[k:])
        if (len(onset) == 1 and onset[0] not in ("NG", "ZH")) or onset in ONSETS:
            return k
    return len(cluster)


def from_arpabet(phones: list[str]) -> list[SylPhones]:
    """CMU phones (with stress digits) → one `SylPhones` per vowel."""
    vowels = [i for i, p in enumerate(phones) if p[-1].isdigit()]
    if not vowels:
        return []
    syls = [SylPhones() for _ in vowels]
    bounds = []  # first phone index of each syllable's onset
    prev_end = 0
    for j, vi in enumerate(vowels):
        if j == 0:
            bounds.append(0)
        else:
            cluster = phones[prev_end:vi]
            bounds.append(prev_end + _split_cluster(cluster))
        prev_end = vi + 1
    for j, vi in enumerate(vowels):
        start = bounds[j]
        end = bounds[j + 1] if j + 1 < len(vowels) else len(phones)
        base, stress = phones[vi][:-1], int(phones[vi][-1])
        syls[j].onset = [ARPA_CONSONANTS[p] for p in phones[start:vi]]
        syls[j].nucleus = [c for c in STRESS_MARK[min(stress, 2)] + ARPA_VOWELS[base][stress > 0]]
        syls[j].coda = [ARPA_CONSONANTS[p] for p in phones[vi + 1:end]]
    return syls


def from_misaki(ps: str) -> list[SylPhones]:
    """A misaki phoneme string (hibari's G2P) → one `SylPhones` per vowel symbol."""
    syls: list[SylPhones] = []
    pending: list[str] = []  # consonants (and stress marks) since the last vowel
    for ch in ps:
        if ch in MISAKI_VOWELS:
            stress = [c for c in pending if c in MISAKI_STRESS][-1:]
            cons = [c for c in pending if c not in MISAKI_STRESS]
            if syls:
                arpa_like = ["S" if c == "s" else c for c in cons]  # an s-cluster stays an onset
                keep = 0 if len(cons) <= 1 else (len(cons) - 2 if arpa_like[-2] == "S" or cons[-1] in "ɹlwj"
                                                 else len(cons) - 1)
                syls[-1].coda += cons[:keep]
                cons = cons[keep:]
            syls.append(SylPhones(onset=cons, nucleus=[*stress, ch]))
            pending = []
        elif not ch.isspace():
            pending.append(ch)
    if syls:
        syls[-1].coda += [c for c in pending if c not in MISAKI_STRESS]
    return syls


def fit(syls: list[SylPhones], n: int) -> list[SylPhones]:
    """Exactly `n` syllables: extra vowels join the last syllable, missing ones repeat the last vowel."""
    if n <= 0 or not syls:
        return []
    out = [SylPhones(list(s.onset), list(s.nucleus), list(s.coda)) for s in syls[:n]]
    for s in syls[n:]:  # fold extras into the last syllable's coda (sung short, at the note's end)
        out[-1].coda += s.onset + [c for c in s.nucleus if c not in MISAKI_STRESS] + s.coda
    while len(out) < n:
        vowel = [c for c in out[-1].nucleus if c not in MISAKI_STRESS]
        coda, out[-1].coda = out[-1].coda, []
        out.append(SylPhones([], vowel, coda))
    return out


def sung_pronunciation(word: str) -> list[str] | None:
    """The CMU pronunciation to sing, or None for a word CMU does not know.

    Among the pronunciations with the fewest syllables (the count the lyrics use), the one with the most
    stressed vowels ("and" → AE1 N D, not AH0 N D: a held schwa is not understood). So "a" is sung "ay"
    (EY1), as singers do on a held note: sung "uh", a line's first "a" was heard as "oh" or "um" (Whisper
    base missed 14 of 29 on 10 fresh songs; as "ay", 2 of 29, and the songs' median WER 14.8 -> 11.8 %).
    """
    from musegen.lyrics.syllables import cmu

    prons = cmu().get(word.lower())
    if not prons:
        return None
    fewest = min(sum(p[-1].isdigit() for p in pron) for pron in prons)
    same = [pron for pron in prons if sum(p[-1].isdigit() for p in pron) == fewest]
    return max(same, key=lambda pron: sum(p[-1] in "12" for p in pron))


@lru_cache(maxsize=1)
def _g2p():
    from hibari.g2p import G2P

    return G2P()


@lru_cache(maxsize=16384)
def word_phones(word: str, n: int) -> tuple[SylPhones, ...]:
    """The `n` sung syllables of a printed word (punctuation allowed around it) as phonemes.

    Digits are sung spelled out ("99" → "ninety-nine", `musegen.lyrics.numbers`).

    Raises UnsingableError when the word has letters outside the Latin script or no pronunciation.
    """
    from musegen.lyrics.numbers import spell_numbers
    from musegen.lyrics.syllables import normalize

    core = latin_form(normalize(word))
    if any(c.isdigit() for c in core):  # the lyrics stage spells numbers out; a leftover digit is sung too
        core = spell_numbers(core).lower()
    if any(c.isalpha() and not c.isascii() for c in core):
        raise UnsingableError(f"the word {word!r} is not in the Latin script; the voice sings English only")
    syls: list[SylPhones] = []
    for part in [p for p in re.split(r"[\s\-–—]+", core) if p]:
        pron = sung_pronunciation(part)
        if pron is not None:
            syls += from_arpabet(pron)
        elif LATIN_WORD.fullmatch(part):
            syls += from_misaki(_g2p()(part))
    if not syls:
        raise UnsingableError(f"the word {word!r} has no pronunciation the voice can sing")
    return tuple(fit(syls, n))
