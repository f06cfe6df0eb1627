"""Build examples/song.json: a short hand-written song ("Across the Water") in musegen's song format.

Run `python examples/make_example.py` to rewrite it; `musegen render examples/song.json --out DIR` turns it
into MIDI, MusicXML, audio and lyrics. Words and music are original to this repository (Apache-2.0).

Each sung line is written as words with hyphens between syllables, a CMU-style stress digit per syllable,
and its notes as (length in eighths, scale degree); a degree ending in "~" continues the previous
syllable (a melisma) and a degree "r" is a rest.
"""

from __future__ import annotations

import sys
from pathlib import Path

from musegen.songfile import save_song
from musegen.theory import Chord, Key, ticks_per_bar
from musegen.types import (
    PPQ,
    ChordEvent,
    LyricLine,
    Note,
    Section,
    SectionPlan,
    Song,
    SongPlan,
    Syllable,
    Track,
    VocalNote,
)

KEY, MODE, TEMPO, METER = "G", "major", 100.0, (4, 4)
EIGHTH = PPQ // 2
TONIC_PITCH = 67  # degree 1 = G4; the line stays inside A3–E5

VERSE_MUSIC = [  # (eighths, degree) per note; 2 bars (16 eighths) per line
    "1:5 1:5 1:6 1:5 1:3 1:2 1:3 1:2 6:1~ 2:r",
    "3:3 1:2 2:3 2:5 2:6 2:5 4:5",
    "1:6 1:6 1:8 1:6 1:5 1:3 1:5 1:6 6:5~ 2:r",
    "3:3 1:2 2:1 2:2 2:3 2:2 4:1",
]
CHORUS_MUSIC = [
    "2:8 2:8 2:7 2:6 4:5 4:r",
    "1:5 1:5 1:6 1:8 2:8 1:6 1:5 4:6 2:5~ 2:r",
    "2:8 2:8 2:9 2:8 4:6 4:r",
    "1:5 1:6 2:5 1:3 1:3 2:2 6:1 2:r",
]
WORDS = {
    "verse 1": [("Morn-ing comes a-cross the wa-ter,", "10101010"),
                ("light is spill-ing on the sand;", "1010101"),
                ("all the boats are slow-ly wak-ing", "10101010"),
                ("rock-ing gent-ly in my hand.", "1010101")],
    "chorus": [("Sing it loud-er, sing", "11101"), ("car-ry me a-cross the wa-ter", "10101010"),
               ("hold me clos-er, hold", "11101"), ("till the new day starts to shine", "1011011")],
    "verse 2": [("Yes-ter-day was full of shad-ows,", "10201010"),
                ("now the sky is o-pen wide;", "1010101"),
                ("ev-ery song I ev-er wrote you", "10101010"),
                ("fol-lows with the turn-ing tide.", "1010101")],
}
FORM = [("intro", 2, None), ("verse", 8, "verse 1"), ("chorus", 8, "chorus"), ("verse", 8, "verse 2"),
        ("chorus", 8, "chorus"), ("outro", 4, None)]
CHORDS = {"intro": ["G", "C"], "verse": ["G", "Em", "C", "D"] * 2,
          "chorus": ["C", "G", "D", "Em", "C", "G", "Dsus4", "G"], "outro": ["C", "D", "G", "G"]}


def syllables(text: str, stress: str) -> list[Syllable]:
    """Hyphenated words → syllables (punctuation stays on the word's last syllable)."""
    out = []
    for word in text.split():
        parts = word.split("-")
        for i, p in enumerate(parts):
            out.append(Syllable(p, 0, word_start=i == 0, word_end=i == len(parts) - 1))
    if len(stress) != len(out):
        sys.exit(f"{text!r}: {len(out)} syllables but stress {stress!r}")
    for s, d in zip(out, stress, strict=True):
        s.stress = int(d)
    return out


def degree_pitch(key: Key, degree: int) -> int:
    """Scale degree (1 = tonic, 8 = octave above, 0/-1 below) → MIDI pitch."""
    octave, step = divmod(degree - 1, 7)
    return TONIC_PITCH + 12 * octave + (key.scale()[step] - key.tonic) % 12


def sing(line: LyricLine, music: str, start: int, first_syllable: int, key: Key) -> list[VocalNote]:
    """Place one line's notes from `start`; syllables are taken in order, "~" notes extend the last one."""
    notes, t, k = [], start, first_syllable - 1
    for token in music.split():
        eighths, degree = token.split(":")
        dur = int(eighths) * EIGHTH
        if degree != "r":
            melisma = degree.endswith("~")
            if not melisma:
                k += 1
            notes.append(VocalNote(t, dur - EIGHTH // 4, degree_pitch(key, int(degree.rstrip("~"))),
                                   96 if line.syllables[k - first_syllable].stress == 1 else 82,
                                   syllable=k, melisma=melisma))
        t += dur
    if k - first_syllable + 1 != len(line.syllables):
        sys.exit(f"{line.text!r}: {len(line.syllables)} syllables but {k - first_syllable + 1} sung notes")
    return notes


def accompaniment(chords: list[ChordEvent], bar: int, length: int) -> list[Track]:
    """Piano chords, a root–fifth bass and a pop drum groove."""
    piano, bass, drums = [], [], []
    for c in chords:
        ch = Chord.parse(c.symbol)
        voicing = sorted(55 + (pc - 7) % 12 for pc in ch.pitch_classes())  # G3..F#4
        for beat in (0, 2):
            for p in voicing:
                piano.append(Note(c.onset + beat * PPQ, 2 * PPQ - 30, p, 62 if beat else 70))
        root = 36 + (ch.root - 0) % 12 if ch.root < 7 else 24 + ch.root
        bass += [Note(c.onset, 3 * EIGHTH, root, 96), Note(c.onset + 3 * EIGHTH, EIGHTH, root, 70),
                 Note(c.onset + 2 * PPQ, 2 * PPQ - 30, root + 7, 88)]
    for t in range(0, length, EIGHTH):
        pos = t % bar
        drums.append(Note(t, EIGHTH, 42, 78 if pos % PPQ == 0 else 58))
        if pos in (0, 2 * PPQ + EIGHTH):
            drums.append(Note(t, EIGHTH, 36, 104))
        if pos in (PPQ, 3 * PPQ):
            drums.append(Note(t, EIGHTH, 38, 100))
    return [Track("Chords", 0, 1, piano), Track("Bass", 33, 2, bass), Track("Drums", 0, 9, drums)]


def build() -> Song:
    """The example song."""
    key = Key.parse(f"{KEY} {MODE}")
    bar = ticks_per_bar(METER, PPQ)
    plan_sections, sections, vocal, chords = [], [], [], []
    start, syl = 0, 0
    first_of: dict[str, int] = {}
    for i, (stype, bars, words) in enumerate(FORM):
        lines = [LyricLine(t.replace("-", ""), syllables(t, s)) for t, s in WORDS.get(words, [])]
        repeat_of = first_of.get(words) if words == "chorus" else None
        first_of.setdefault(words, i)
        music = VERSE_MUSIC if stype == "verse" else CHORUS_MUSIC
        for j, line in enumerate(lines):
            vocal += sing(line, music[j], start + 2 * j * bar, syl, key)
            syl += len(line.syllables)
        plan_sections.append(SectionPlan(
            stype, bars, syllables=[len(ln.syllables) for ln in lines], rhyme="ABCB" if lines else "",
            phrase_bars=[2] * len(lines),
            phrase_notes=[sum(not tok.endswith(":r") for tok in music[j].split()) for j in range(len(lines))],
            chords=list(CHORDS[stype]), repeat_of=repeat_of))
        sections.append(Section(stype, bars, start, lines, repeat_of))
        chords += [ChordEvent(start + b * bar, bar, sym) for b, sym in enumerate(CHORDS[stype])]
        start += bars * bar
    plan = SongPlan(
        title="Across the Water", mood="hopeful morning by the sea", key=KEY, mode=MODE, tempo=TEMPO,
        meter=METER, sections=plan_sections, style="pop", groove="straight",
        instruments={"Vocal": 53, "Chords": 0, "Bass": 33}, drums=True,
        attributes={"valence": 0.75, "energy": 0.55}, vocal_range=(57, 76),
    )
    return Song(plan, sections, vocal, chords, accompaniment(chords, bar, start),
                meta={"source": "examples/make_example.py (hand-written)"})


def main() -> None:
    """Write examples/song.json next to this script."""
    out = save_song(build(), Path(__file__).with_name("song.json"))
    print(out)


if __name__ == "__main__":
    main()
