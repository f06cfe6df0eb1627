"""The chords a song may use: those of its key, its genre's vocabulary and the common secondary dominants.

The music model learned its chords from POP909, Nottingham and the songs-pd lead sheets, and sampled
freely it writes any of 12 roots × 13 qualities: a sea shanty in E minor came out with C#aug, D#aug,
F#m7b5 and Cm. The sampler offers only chords that
- sound in the key: every tone of the triad in its scale (major or natural minor);
- or are in the genre's vocabulary (Roman numerals in plan/genres.json: rock's bVII, synthwave's bVI);
- or are the common dominants from outside the scale: in major V/ii, V/iii, V/V, V/vi (A, B, D, E and
  their sevenths in C); in minor V, V/V and vii° (E, B, G#dim in A minor),
and the model chooses among them, and when they change.

A chord matches a numeral by its root (semitones above the tonic) and its triad class (major, minor,
diminished, augmented, suspended); the genre's colour (`conductor.voicing.colour_chords`) adds sevenths
later, so "V" admits G and G7, "ii" Dm and Dm7. A vocabulary written for the other mode is read in the
relative key (pop's "I IV V vi" in A minor: C F G Am).
"""

from __future__ import annotations

import re

import numpy as np

from musegen.errors import InputError
from musegen.music import vocab as V
from musegen.theory import CHORD_QUALITIES, SCALE_STEPS

DEGREES = {"i": 0, "ii": 2, "iii": 4, "iv": 5, "v": 7, "vi": 9, "vii": 11}
# quality suffix (musegen.theory) -> triad class
CLASS_OF = {"": "major", "7": "major", "maj7": "major", "6": "major", "m": "minor", "m7": "minor",
            "m6": "minor", "dim": "dim", "m7b5": "dim", "dim7": "dim", "aug": "aug", "sus2": "sus",
            "sus4": "sus"}
_NUMERAL = re.compile(r"^(?P<acc>[b#]?)(?P<deg>vii|iii|vi|iv|ii|v|i)(?P<rest>[^/]*)(?:/\w+)?$", re.IGNORECASE)
# chords from outside the scale every song may use: (semitones above the tonic, qualities)
DOMINANTS = {"major": ((9, ("", "7")), (11, ("", "7")), (2, ("", "7")), (4, ("", "7"))),
             "minor": ((7, ("", "7")), (2, ("", "7")), (11, ("dim", "dim7")))}


def parse_numeral(numeral: str) -> tuple[int, frozenset[str]]:
    """(semitones above the tonic, triad classes) of a Roman numeral.

    "bVII" → (10, {major}), "ii7" → (2, {minor}), "V7sus4" → (7, {sus}), "I5" (a power chord) →
    (0, {major, minor}). An inversion ("I/3", "IV/5", "I64") names the same chord.
    """
    m = _NUMERAL.match(numeral.strip())
    if m is None:
        raise InputError(f"chord numeral {numeral!r}: write a Roman numeral such as I, ii7, bVII or V/7")
    deg = m.group("deg")
    offset = (DEGREES[deg.lower()] + {"b": -1, "#": 1, "": 0}[m.group("acc")]) % 12
    rest = m.group("rest").removesuffix("64").removesuffix("6")
    if "sus" in rest:
        classes = {"sus"}
    elif rest.startswith(("dim", "°", "ø", "m7b5")):
        classes = {"dim"}
    elif rest.startswith(("aug", "+")):
        classes = {"aug"}
    elif rest == "5":
        classes = {"major", "minor"}  # a power chord has no third
    else:
        classes = {"major" if deg.isupper() else "minor"}
    return offset, frozenset(classes)


def vocabulary_mode(numerals: list[str]) -> str | None:
    """The mode a vocabulary is written in: "major" (its tonic I), "minor" (i), None (both or neither)."""
    tonics = {m.group("deg") for n in numerals if (m := _NUMERAL.match(n.strip())) and m.group("deg") in "Ii"
              and not m.group("acc")}
    if tonics == {"I"}:
        return "major"
    if tonics == {"i"}:
        return "minor"
    return None


def allowed_chords(numerals: list[str], mode: str) -> frozenset[tuple[int, str]]:
    """(semitones above the song's tonic, triad class) of every chord the vocabulary allows in `mode`.

    A vocabulary of the other mode is moved to the relative key; one of both modes (or neither) is read
    as written and in the relative key alike.
    """
    own = vocabulary_mode(numerals)
    relative = 3 if mode == "minor" else 9
    shifts = {0} if own == mode else {relative} if own is not None else {0, relative}
    out = set()
    for n in numerals:
        offset, classes = parse_numeral(n)
        for s in shifts:
            out.update(((offset + s) % 12, c) for c in classes)
    return frozenset(out)


def chord_allowed(allowed: frozenset[tuple[int, str]], offset: int, quality: str) -> bool:
    """Whether a chord `offset` semitones above the tonic, of `quality`, is in `allowed`."""
    return (offset % 12, CLASS_OF.get(quality, "")) in allowed


def in_key(offset: int, quality: str, mode: str) -> bool:
    """Whether every tone of the chord's triad is in the scale of `mode` (major or natural minor)."""
    return all((offset + i) % 12 in SCALE_STEPS[mode] for i in CHORD_QUALITIES[quality][:3])


def chord_mask(mode: str, numerals: list[str] | None) -> np.ndarray:
    """Bool per chord token after "no chord" (`vocab.CHORD[1:]`, normalised key).

    True for the chords a song in `mode` with the genre vocabulary `numerals` may use (None: the key's
    chords and `DOMINANTS` only).
    """
    tonic = 0 if mode == "major" else 9  # of the normalised key (C major / A minor)
    vocab = allowed_chords(numerals, mode) if numerals else frozenset()
    extra = {(off, q) for off, qs in DOMINANTS[mode] for q in qs}
    out = np.zeros(len(V.CHORD) - 1, dtype=bool)
    for k, tok in enumerate(V.CHORD[1:]):
        root, quality = V.chord_of(tok)  # type: ignore[misc]
        offset = (root - tonic) % 12
        out[k] = (in_key(offset, quality, mode) or chord_allowed(vocab, offset, quality)
                  or (offset, quality) in extra)
    return out


def genre_vocabulary(style: str) -> list[str] | None:
    """The Roman-numeral chord vocabulary of a built-in genre (plan/genres.json).

    None for any other style (a fine-tuned one); [] for a genre that lists none.
    """
    from musegen.plan.mood import load_table

    genre = load_table().styles.get(style)
    return None if genre is None else genre.get("harmony", {}).get("vocabulary") or []


def song_chords(style: str, mode: str) -> np.ndarray | None:
    """`chord_mask` for a song of a built-in genre (`style`).

    None for a fine-tuned style: its model learned its catalog's own chords.
    """
    numerals = genre_vocabulary(style)
    return None if numerals is None else chord_mask(mode, numerals)
