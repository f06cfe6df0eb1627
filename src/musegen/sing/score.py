"""The sung score: a `Song`'s lyric lines as syllables with their phonemes and notes (in seconds).

Each lyric line becomes one `SungLine` (the unit the voice renders at once). A syllable carries every
note it is sung on: its first note and the melisma notes that continue it. Vocalise notes (no
syllable) are sung on an "ooh" inside the line they fall in. The whole sung line is moved by octaves
into the voice's comfortable range (`octave_shift`).
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, field

from musegen.render.common import seconds
from musegen.sing.phonemes import SylPhones, UnsingableError, word_phones
from musegen.types import Song, Syllable

# The voice (hibari af_heart, female) was measured intelligible from E3 to C5 (SINGING.md: Whisper 0 % WER);
# above C5 words blur (one generated song sung around C5 scored 0.52 WER where the others scored 0.2-0.35).
VOICE_LOW, VOICE_HIGH = 52, 72
VOICE_CENTER = 62  # D4: the middle of that range
VOCALISE = SylPhones(nucleus=["ˈ", "u"])  # "ooh"


@dataclass
class SungNote:
    """A note as sung: start and end in seconds from the song start, MIDI pitch (after any octave shift)."""

    start: float
    end: float
    pitch: int


@dataclass
class SungSyllable:
    """One syllable: its phonemes, its notes (first + melisma), and whether a new word follows."""

    phones: SylPhones
    notes: list[SungNote]
    word_end: bool = True


@dataclass
class SungLine:
    """One lyric line to render: its printed text and its sung syllables in order."""

    text: str
    syllables: list[SungSyllable] = field(default_factory=list)

    @property
    def start(self) -> float:
        """Onset of the line's first note (seconds)."""
        return self.syllables[0].notes[0].start

    @property
    def end(self) -> float:
        """End of the line's last note (seconds)."""
        return self.syllables[-1].notes[-1].end


def octave_shift(song: Song) -> int:
    """Semitones (a multiple of 12) that move the sung line into the voice's range.

    It leaves the fewest notes outside VOICE_LOW..VOICE_HIGH, then the median nearest VOICE_CENTER. A song
    sung before (`meta["vocals"]["transpose"]`, e.g. one being edited) keeps its shift while that leaves no
    more notes outside the range: a one-line edit must not move every other line by an octave.
    """
    pitches = [n.pitch for n in song.vocal]
    if not pitches:
        return 0
    med = statistics.median(pitches)

    def cost(s: int) -> tuple[int, float]:
        return sum(not VOICE_LOW <= p + s <= VOICE_HIGH for p in pitches), abs(med + s - VOICE_CENTER)

    best = min((-24, -12, 0, 12, 24), key=cost)
    sung = (song.meta or {}).get("vocals") or {}
    kept = sung.get("transpose") if isinstance(sung, dict) else None
    if isinstance(kept, int) and kept in (-24, -12, 0, 12, 24) and cost(kept)[0] <= cost(best)[0]:
        return kept
    return best


def _words(syls: list[Syllable]) -> list[tuple[str, list[int]]]:
    """(printed word, indexes into `syls`) for each word of a line."""
    words: list[tuple[str, list[int]]] = []
    for i, s in enumerate(syls):
        if s.word_start or not words:
            words.append(("", []))
        text, idx = words[-1]
        words[-1] = (text + s.text, [*idx, i])
    return words


def sung_lines(song: Song, shift: int = 0, *, strict: bool = False) -> tuple[list[SungLine], list[str]]:
    """The song's lines as `SungLine`s (lines with no notes are skipped) and the problems found.

    A word the voice cannot pronounce is sung as a neutral vowel on its notes and reported as
    'line N "text": …' in the returned list; with `strict` it raises UnsingableError instead.
    Non-Latin words always raise UnsingableError naming the line: their notes would be silent.
    """
    notes_of: dict[int, list[SungNote]] = {}
    vocalise: list[tuple[int, SungNote]] = []  # (index of the previous syllable, note)
    last_syl = -1
    for n in song.vocal:
        sn = SungNote(seconds(song, n.onset), seconds(song, n.onset + n.duration), n.pitch + shift)
        if n.syllable is None:
            vocalise.append((last_syl, sn))
        else:
            notes_of.setdefault(n.syllable, []).append(sn)
            last_syl = n.syllable
    lines: list[SungLine] = []
    problems: list[str] = []
    k = 0
    line_no = 0
    for sec in song.sections:
        for line in sec.lines:
            line_no += 1
            sung = SungLine(line.text)
            where = f'line {line_no} "{line.text}"'
            for word, idx in _words(line.syllables):
                try:
                    phones = word_phones(word, len(idx))
                except UnsingableError as exc:
                    if strict or "Latin script" in str(exc):
                        raise UnsingableError(f"{where}: {exc}; rewrite it in English letters "
                                              "(or pass --vocals off)") from None
                    problems.append(f"{where}: {exc}; sung as 'ah'")
                    phones = tuple(SylPhones(nucleus=["ɑ"]) for _ in idx)
                for j, i in enumerate(idx):
                    notes = notes_of.get(k + i)
                    if notes:
                        sung.syllables.append(SungSyllable(phones[j], notes, word_end=j == len(idx) - 1))
            for prev, note in vocalise:
                if k <= prev < k + len(line.syllables):
                    sung.syllables.append(SungSyllable(VOCALISE, [note]))
            sung.syllables.sort(key=lambda s: s.notes[0].start)
            k += len(line.syllables)
            if sung.syllables:
                lines.append(sung)
    return lines, problems


def report(problems: list[str]) -> None:
    """Print each problem as one `musegen:` line on stderr (the library's warning channel)."""
    for p in problems:
        print(f"musegen: {p}", file=sys.stderr)
