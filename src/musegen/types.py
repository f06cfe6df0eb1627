"""Hand-off types: the arrows of the pipeline.

    mood prompt --plan--> SongPlan --lyrics--> Lyrics --music--> Melody
                --conductor (align + arrange)--> Song --render--> song.mid / .musicxml / .wav / .lrc

Time is in MIDI ticks at `PPQ` ticks per quarter note everywhere. The meter is constant over a song.
`Song` is what song.json stores (see `musegen.songfile` for the versioned (de)serialisation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from musegen.theory import Key, ticks_per_bar

PPQ = 480
SCHEMA_VERSION = 1
SECTION_TYPES = ("intro", "verse", "pre-chorus", "chorus", "bridge", "outro")
INSTRUMENTAL_SECTIONS = ("intro", "outro")


# ----------------------------------------------------------------------------- plan
@dataclass
class SectionPlan:
    """What one section must be: its length and the lyric/phrase targets the models must meet."""

    type: str  # one of SECTION_TYPES
    bars: int
    syllables: list[int] = field(default_factory=list)  # syllables per lyric line ([] = instrumental)
    rhyme: str = ""  # rhyme scheme over the lines, e.g. "ABAB" ("" = instrumental)
    phrase_bars: list[int] = field(default_factory=list)  # bars per sung phrase, one per line
    phrase_notes: list[int] = field(default_factory=list)  # sung notes per phrase (>= syllables)
    chords: list[str] = field(default_factory=list)  # optional given progression, one symbol per bar
    repeat_of: int | None = None  # index of an earlier section whose words and melody it repeats


@dataclass
class SongPlan:
    """The song plan made from a mood prompt (every field can be overridden by the user)."""

    title: str
    mood: str  # the user's free-text prompt
    key: str  # tonic name, e.g. "A", "Bb", "F#"
    mode: str  # "major" | "minor"
    tempo: float  # quarter-note BPM
    meter: tuple[int, int]  # (numerator, denominator), e.g. (4, 4), (3, 4), (6, 8)
    sections: list[SectionPlan]
    style: str = "pop"  # arrangement style name (conductor) or a fine-tuned style name
    groove: str = "straight"  # drum/bass feel, e.g. "straight", "ballad", "four-on-floor", "waltz", "shuffle"
    instruments: dict[str, int] = field(default_factory=dict)  # part name -> GM program (0-based)
    drums: bool = True
    attributes: dict[str, float] = field(default_factory=dict)  # mood attributes: valence, energy …
    vocal_range: tuple[int, int] = (57, 76)  # lowest/highest MIDI pitch of the sung line (A3–E5)
    # what the planner could not do as asked (substitute instruments, contradictions, lyrics language);
    # compose() copies them into song.meta["warnings"], the one list song.json keeps for every stage
    warnings: list[str] = field(default_factory=list)

    @property
    def form(self) -> list[str]:
        """Section types in order."""
        return [s.type for s in self.sections]

    @property
    def key_obj(self) -> Key:
        """The key as a `musegen.theory.Key`."""
        return Key.parse(f"{self.key} {self.mode}")

    @property
    def bar_ticks(self) -> int:
        """Ticks per bar."""
        return ticks_per_bar(self.meter, PPQ)


# ----------------------------------------------------------------------------- lyrics
@dataclass
class Syllable:
    """One sung syllable: its text as printed under the note, its stress, and its place in the word."""

    text: str  # orthographic piece, e.g. "hel" / "lo"; punctuation stays on the last syllable
    stress: int  # CMU stress: 0 unstressed, 1 primary, 2 secondary
    word_start: bool
    word_end: bool


@dataclass
class LyricLine:
    """A lyric line and its syllables."""

    text: str
    syllables: list[Syllable]


@dataclass
class LyricSection:
    """The words of one section."""

    type: str
    lines: list[LyricLine]
    repeat_of: int | None = None  # index of an earlier section it repeats verbatim (chorus)


@dataclass
class Lyrics:
    """The words of a song, section by section (the lyrics stage's output)."""

    sections: list[LyricSection]

    def syllables(self) -> list[Syllable]:
        """All syllables in singing order."""
        return [s for sec in self.sections for line in sec.lines for s in line.syllables]


# ----------------------------------------------------------------------------- music
@dataclass
class Note:
    """A note: onset and duration in ticks, MIDI pitch and velocity."""

    onset: int
    duration: int
    pitch: int
    velocity: int = 90


@dataclass
class ChordEvent:
    """A chord symbol (see `musegen.theory.Chord`) sounding from onset for duration ticks."""

    onset: int
    duration: int
    symbol: str


@dataclass
class SectionMusic:
    """Melody and chords of one section from the music model; ticks are relative to the section start."""

    type: str
    bars: int
    notes: list[Note]
    chords: list[ChordEvent]
    phrases: list[int]  # notes per phrase, in order; sum(phrases) == len(notes)


@dataclass
class Melody:
    """The music stage's output: one `SectionMusic` per planned section, in order."""

    sections: list[SectionMusic]


# ----------------------------------------------------------------------------- song
@dataclass
class VocalNote(Note):
    """A sung note and the syllable it carries."""

    syllable: int | None = None  # index into Song.syllables() (None: a vocalise note)
    melisma: bool = False  # True: continues the previous note's syllable (no new lyric)


@dataclass
class Section:
    """A section as placed in the song."""

    type: str
    bars: int
    start: int  # onset in ticks from the song start
    lines: list[LyricLine] = field(default_factory=list)
    repeat_of: int | None = None


@dataclass
class Track:
    """An accompaniment part. Channel 9 (0-based) is the GM drum channel."""

    name: str  # "Chords", "Bass", "Drums", …
    program: int  # GM program, 0-based
    channel: int
    notes: list[Note]

    @property
    def is_drum(self) -> bool:
        """Whether this part plays on the GM drum channel."""
        return self.channel == 9


@dataclass
class Song:
    """A whole song: plan, placed sections with lyrics, sung line, chords, accompaniment, metrics."""

    plan: SongPlan
    sections: list[Section]
    vocal: list[VocalNote]
    chords: list[ChordEvent]
    tracks: list[Track] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)  # alignment metrics etc.
    meta: dict[str, Any] = field(default_factory=dict)  # seed, model names, musegen version
    ppq: int = PPQ
    version: int = SCHEMA_VERSION
    history: list[dict[str, Any]] = field(default_factory=list)  # musegen.edit's: target, what, seed, time

    def syllables(self) -> list[Syllable]:
        """All syllables in singing order (VocalNote.syllable indexes this list)."""
        return [s for sec in self.sections for line in sec.lines for s in line.syllables]

    def syllable_lines(self) -> list[tuple[int, int, int]]:
        """Per syllable of `syllables()`: its section index, line index and place in the line."""
        return [(k, i, j) for k, sec in enumerate(self.sections) for i, line in enumerate(sec.lines)
                for j in range(len(line.syllables))]

    @property
    def length_ticks(self) -> int:
        """Song length in ticks (sum of section bars)."""
        return sum(s.bars for s in self.sections) * self.plan.bar_ticks

    @property
    def duration_seconds(self) -> float:
        """Song length in seconds at the plan's tempo."""
        return self.length_ticks / self.ppq * 60.0 / self.plan.tempo
