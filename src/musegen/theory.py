"""Music-theory primitives shared by every stage: note names, keys, scales, chord symbols.

Chord symbols use one spelling everywhere (song.json, MIDI markers, MusicXML harmony):
root name + quality suffix from `CHORD_QUALITIES`, optionally "/bass", e.g. "Am7", "F#dim", "C/G".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from musegen.errors import InputError

PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
MODES = ("major", "minor")
SCALE_STEPS = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}

# Quality suffix -> intervals above the root (semitones). Order matters only for printing.
CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
}
# MusicXML <kind> values for each quality (used by the lead-sheet exporter).
MUSICXML_KIND = {
    "": "major", "m": "minor", "dim": "diminished", "aug": "augmented",
    "sus2": "suspended-second", "sus4": "suspended-fourth", "7": "dominant",
    "maj7": "major-seventh", "m7": "minor-seventh", "m7b5": "half-diminished",
    "dim7": "diminished-seventh", "6": "major-sixth", "m6": "minor-sixth",
}

_NOTE_RE = re.compile(r"^([A-Ga-g])([#b]*)$")
_CHORD_RE = re.compile(r"^([A-G][#b]?)([^/]*)(?:/([A-G][#b]?))?$")


def pitch_class(name: str) -> int:
    """Pitch class (0–11) of a note name like "F#", "Bb", "c"."""
    m = _NOTE_RE.match(name.strip())
    if not m:
        raise InputError(f"note name {name!r}: expected a letter A–G with optional # or b")
    pc = PITCH_CLASSES[m.group(1).upper()] + m.group(2).count("#") - m.group(2).count("b")
    return pc % 12


def note_name(pc: int, prefer_flats: bool = False) -> str:
    """Name of a pitch class."""
    return (FLAT_NAMES if prefer_flats else SHARP_NAMES)[pc % 12]


@dataclass(frozen=True)
class Key:
    """A key: tonic pitch class and mode ("major"/"minor")."""

    tonic: int
    mode: str

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse "A minor", "Am", "F# major", "Bb", "c minor"."""
        t = text.strip()
        parts = t.split()
        if len(parts) == 2:
            name, mode = parts[0], parts[1].lower()
        elif len(parts) == 1 and len(t) > 1 and t.endswith("m") and _NOTE_RE.match(t[:-1]):
            name, mode = t[:-1], "minor"
        elif len(parts) == 1:
            name, mode = t, "major"
        else:
            raise InputError(f"key {text!r}: expected e.g. 'A minor', 'F# major' or 'Bb'")
        mode = {"maj": "major", "min": "minor", "aeolian": "minor", "ionian": "major"}.get(mode, mode)
        if mode not in MODES:
            raise InputError(f"key {text!r}: mode must be major or minor")
        if not _NOTE_RE.match(name):
            raise InputError(f"key {text!r}: unknown tonic {name!r}; use a letter A–G with optional # or b")
        return cls(pitch_class(name), mode)

    @property
    def prefer_flats(self) -> bool:
        """Whether this key is conventionally spelled with flats."""
        major_tonic = self.tonic if self.mode == "major" else (self.tonic + 3) % 12
        return major_tonic in (5, 10, 3, 8, 1)

    @property
    def name(self) -> str:
        """Tonic name, e.g. "Bb"."""
        return note_name(self.tonic, self.prefer_flats)

    @property
    def sharps(self) -> int:
        """Signed number of sharps (negative = flats) in the key signature, as MIDI/MusicXML want."""
        major_tonic = self.tonic if self.mode == "major" else (self.tonic + 3) % 12
        fifths = (major_tonic * 7) % 12
        return fifths - 12 if fifths > 6 or (fifths == 6 and self.prefer_flats) else fifths

    def scale(self) -> tuple[int, ...]:
        """Pitch classes of the scale, tonic first."""
        return tuple((self.tonic + s) % 12 for s in SCALE_STEPS[self.mode])

    def __str__(self) -> str:
        return f"{self.name} {self.mode}"


@dataclass(frozen=True)
class Chord:
    """A parsed chord symbol."""

    root: int
    quality: str
    bass: int | None = None

    @classmethod
    def parse(cls, symbol: str) -> Chord:
        """Parse a chord symbol such as "Am7", "F#dim", "C/G"."""
        m = _CHORD_RE.match(symbol.strip())
        if not m or m.group(2) not in CHORD_QUALITIES:
            raise InputError(
                f"chord {symbol!r}: expected root A–G[#b] + one of "
                f"{', '.join(repr(q) for q in CHORD_QUALITIES)} [+ /bass]"
            )
        bass = pitch_class(m.group(3)) if m.group(3) else None
        return cls(pitch_class(m.group(1)), m.group(2), bass)

    def pitch_classes(self) -> tuple[int, ...]:
        """Chord tones as pitch classes, root first."""
        return tuple((self.root + i) % 12 for i in CHORD_QUALITIES[self.quality])

    def symbol(self, prefer_flats: bool = False) -> str:
        """Canonical text of this chord."""
        s = note_name(self.root, prefer_flats) + self.quality
        return s + ("/" + note_name(self.bass, prefer_flats) if self.bass is not None else "")


def ticks_per_bar(meter: tuple[int, int], ppq: int) -> int:
    """Length of one bar in ticks."""
    num, den = meter
    return ppq * 4 * num // den


# Cost of starting a syllable on a beat class, by CMU stress (0 unstressed, 1 primary, 2 secondary):
# primary stress wants a strong beat, unstressed syllables anything else. Other beats cost as much as
# off-beats: preferring them (0.5) made the aligner turn eighth-note lines into quarter notes (inter-onset
# overlap with real pop 0.71 vs 0.79) and put fewer stresses on strong beats (0.61 vs 0.67), measured
# on 12 generated songs. Shared by the aligner and the music sampler's stress prior. Unstressed on a strong
# beat costs 0.3 (was 0.9): real songs do it (EVALUATION.md: 0.10 of unstressed syllables; songs-pd
# validation 0.22), and at 0.9 the aligner moved every one of them off the strong beats.
STRESS_PLACE_COST = {1: {"strong": 0.0, "beat": 1.0, "off": 1.0},
                     2: {"strong": 0.1, "beat": 0.5, "off": 0.5},
                     0: {"strong": 0.3, "beat": 0.0, "off": 0.0}}


def beat_class(tick: int, meter: tuple[int, int], bar: int, strong: tuple[int, ...], ppq: int) -> str:
    """"strong" (a strong beat), "beat" (another beat of the meter) or "off" (between beats)."""
    pos = tick % bar
    if pos in strong:
        return "strong"
    num, den = meter
    beat = ppq * 3 // 2 if den == 8 and num % 3 == 0 else ppq * 4 // den
    return "beat" if pos % beat == 0 else "off"


def metric_level(tick: int, meter: tuple[int, int], ppq: int) -> int:
    """Metric weight of a bar position, strongest first (EVALUATION.md's stress-inversion order).

    0 downbeat, 1 another strong beat (the half bar in 4/4), 2 beat, 3 eighth, 4 sixteenth, 5 finer.
    """
    pos = tick % ticks_per_bar(meter, ppq)
    if pos == 0:
        return 0
    if pos in strong_beat_ticks(meter, ppq):
        return 1
    for level, unit in ((2, ppq * 4 // meter[1]), (3, ppq // 2), (4, ppq // 4)):
        if unit and pos % unit == 0:
            return level
    return 5


def strong_beat_ticks(meter: tuple[int, int], ppq: int) -> tuple[int, ...]:
    """Offsets within a bar (ticks) of the strong beats, as EVALUATION.md defines them."""
    num, den = meter
    if den == 8 and num % 3 == 0:  # compound meter: dotted-quarter pulses
        return tuple(i * ppq * 3 // 2 for i in range(num // 3))
    beat = ppq * 4 // den
    if num == 4:
        return (0, 2 * beat)
    return (0,)
