"""A short sung phrase (one line, eleven syllables of words a listener cannot guess) as a `Song`."""

from __future__ import annotations

from musegen.lyrics.syllables import syllabify_line
from musegen.types import PPQ, LyricLine, Section, SectionPlan, Song, SongPlan, VocalNote

PHRASE = "Purple engines whisper under frozen maps"
# one pitch per syllable (D4 … A4 …), quarter notes at 100 BPM; the last syllable held over two notes
PITCHES = [62, 64, 66, 67, 69, 67, 66, 64, 66, 67, 69]
TEMPO = 100.0


def phrase_song(text: str = PHRASE, pitches: list[int] | None = None, *, melisma_to: int | None = 64,
                seed: int = 7) -> Song:
    """`text` sung one quarter note per syllable after a one-bar rest; the last syllable also glides
    onto `melisma_to` (None: no melisma) and is held for a bar."""
    syls = syllabify_line(text)
    pitches = pitches or PITCHES
    assert len(pitches) == len(syls), (len(pitches), len(syls))
    vocal, t = [], 4 * PPQ
    for i, p in enumerate(pitches):
        vocal.append(VocalNote(t, PPQ, p, 90, syllable=i))
        t += PPQ
    if melisma_to is not None:
        vocal.append(VocalNote(t, 4 * PPQ, melisma_to, 90, syllable=len(syls) - 1, melisma=True))
        t += 4 * PPQ
    bars = -(-t // (4 * PPQ)) + 1
    plan = SongPlan(title="Phrase", mood="test", key="D", mode="major", tempo=TEMPO, meter=(4, 4),
                    sections=[SectionPlan("verse", bars, [len(syls)], "A", [bars], [len(vocal)])],
                    instruments={})
    section = Section("verse", bars, 0, [LyricLine(text, syls)])
    return Song(plan=plan, sections=[section], vocal=vocal, chords=[], meta={"seed": seed})
