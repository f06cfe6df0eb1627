"""A small but realistic song built in code, for tests of any stage that needs a finished `Song`.

`make_song()` gives intro / verse / chorus / verse / chorus (repeat) / outro with multi-syllable words
(hyphenated lyric syllables), a melisma at the end of every line, one chord per bar, and Chords, Bass and
Drums tracks. Any key, mode, tempo and meter (4/4, 3/4, 6/8 …) can be asked for.
"""

from __future__ import annotations

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

# (word split into syllables, CMU stress per syllable); "," and "." stay on the last syllable
WORDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "hello": (("Hel", "lo"), (0, 1)),
    "my": (("my",), (1,)),
    "yesterday": (("yes", "ter", "day"), (1, 0, 2)),
    "i": (("I",), (1,)),
    "still": (("still",), (1,)),
    "remember": (("re", "mem", "ber"), (0, 1, 0)),
    "you": (("you",), (1,)),
    "beautiful": (("beau", "ti", "ful"), (1, 0, 0)),
    "morning": (("morn", "ing"), (1, 0)),
    "light": (("light",), (1,)),
    "carry": (("car", "ry"), (1, 0)),
    "me": (("me",), (1,)),
    "home": (("home",), (1,)),
    "again": (("a", "gain"), (0, 1)),
    "walking": (("walk", "ing"), (1, 0)),
    "the": (("the",), (0,)),
    "city": (("cit", "y"), (1, 0)),
    "streets": (("streets",), (1,)),
    "under": (("un", "der"), (1, 0)),
    "a": (("a",), (0,)),
    "silver": (("sil", "ver"), (1, 0)),
    "sky": (("sky",), (1,)),
}

VERSE_1 = ("Hello, my yesterday", "I still remember you.")
CHORUS = ("Beautiful morning light,", "carry me home again.")
VERSE_2 = ("Walking the city streets", "under a silver sky.")

# chord degrees per bar as (semitones above the tonic, quality)
MAJOR_PROGRESSION = ((0, ""), (7, "7"), (9, "m7"), (5, "maj7"))
MINOR_PROGRESSION = ((0, "m"), (8, ""), (3, ""), (10, "sus4"))


def syllabify(text: str) -> list[Syllable]:
    """Split a line made of `WORDS` into syllables; punctuation stays on the word's last syllable."""
    out: list[Syllable] = []
    for raw in text.split():
        word = raw.strip(",.;:!?").lower()
        tail = raw[len(raw.rstrip(",.;:!?")):]
        pieces, stresses = WORDS[word]
        if raw[0].isupper() and pieces[0].islower():
            pieces = (pieces[0].capitalize(), *pieces[1:])
        for i, (piece, stress) in enumerate(zip(pieces, stresses, strict=True)):
            last = i == len(pieces) - 1
            out.append(Syllable(piece + (tail if last else ""), stress, word_start=i == 0, word_end=last))
    return out


def make_song(
    *,
    key: str = "C",
    mode: str = "major",
    tempo: float = 96.0,
    meter: tuple[int, int] = (4, 4),
    drums: bool = True,
    title: str = "Morning Light",
) -> Song:
    """Build the test song (about 20 bars) in any key/mode/tempo/meter."""
    ppq = PPQ
    bar = ticks_per_bar(meter, ppq)
    k = Key.parse(f"{key} {mode}")
    prog = MAJOR_PROGRESSION if mode == "major" else MINOR_PROGRESSION
    symbols = [Chord((k.tonic + off) % 12, q).symbol(k.prefer_flats) for off, q in prog]

    layout = [("intro", 2, ()), ("verse", 4, VERSE_1), ("chorus", 4, CHORUS),
              ("verse", 4, VERSE_2), ("chorus", 4, CHORUS), ("outro", 2, ())]
    plan_sections: list[SectionPlan] = []
    sections: list[Section] = []
    vocal: list[VocalNote] = []
    chords: list[ChordEvent] = []
    start = 0
    syl_index = 0
    scale = k.scale()
    base = 60 + k.tonic if k.tonic < 5 else 48 + k.tonic  # tonic between F3 and E4 … G4
    for idx, (stype, bars, texts) in enumerate(layout):
        repeat_of = 2 if idx == 4 else None
        lines = [LyricLine(t, syllabify(t)) for t in texts]
        plan_sections.append(SectionPlan(
            type=stype, bars=bars, syllables=[len(ln.syllables) for ln in lines],
            rhyme="AB" if lines else "", phrase_bars=[2] * len(lines),
            phrase_notes=[len(ln.syllables) + 1 for ln in lines], repeat_of=repeat_of,
        ))
        sections.append(Section(stype, bars, start, lines, repeat_of))
        for b in range(bars):
            chords.append(ChordEvent(start + b * bar, bar, symbols[b % len(symbols)]))
        step = ppq // 2  # eighth notes, then a long held (melisma) ending and a breath
        for li, line in enumerate(lines):
            t = start + li * 2 * bar
            n = len(line.syllables)
            for si in range(n):
                degree = (si * 2 + li + idx) % 7
                pitch = base + scale[degree] - k.tonic + (12 if scale[degree] < k.tonic else 0)
                vocal.append(VocalNote(t, step, pitch, 92 if line.syllables[si].stress == 1 else 80,
                                       syllable=syl_index + si))
                t += step
            # the last syllable is held over a second, lower note: a melisma
            end = start + (li + 1) * 2 * bar - step  # leave an eighth for a breath
            prev = vocal[-1].pitch
            held = prev - 2 if prev > 59 else prev + 2
            vocal.append(VocalNote(t, end - t, held, 80, syllable=syl_index + n - 1, melisma=True))
            syl_index += n
        start += bars * bar

    length = start
    chord_notes: list[Note] = []
    bass_notes: list[Note] = []
    drum_notes: list[Note] = []
    beat = ppq * 4 // meter[1]
    for c in chords:
        ch = Chord.parse(c.symbol)
        for pc in ch.pitch_classes()[:4]:
            chord_notes.append(Note(c.onset, c.duration, 48 + (pc - 0) % 12 + (12 if pc < 5 else 0), 64))
        bass_notes.append(Note(c.onset, c.duration // 2, 36 + ch.root, 88))
        fifth = ch.pitch_classes()[2]
        half = c.duration // 2
        bass_notes.append(Note(c.onset + half, c.duration - half, 36 + ch.root + (fifth - ch.root) % 12, 80))
    if drums:
        for t in range(0, length, beat):
            in_bar = t % bar
            drum_notes.append(Note(t, beat // 2, 42, 70))  # closed hi-hat every beat
            if in_bar == 0:
                drum_notes.append(Note(t, beat // 2, 36, 100))  # kick on the downbeat
            elif in_bar == bar // 2 and meter[0] % 2 == 0:
                drum_notes.append(Note(t, beat // 2, 38, 95))  # snare on the half bar
    tracks = [Track("Chords", 0, 1, chord_notes), Track("Bass", 33, 2, bass_notes)]
    if drums:
        tracks.append(Track("Drums", 0, 9, drum_notes))

    plan = SongPlan(
        title=title, mood="hopeful sunrise after a long night", key=key, mode=mode, tempo=tempo,
        meter=meter, sections=plan_sections, style="pop", groove="straight",
        instruments={"Vocal": 53, "Chords": 0, "Bass": 33}, drums=drums,
        attributes={"valence": 0.7, "energy": 0.5},
    )
    return Song(plan=plan, sections=sections, vocal=vocal, chords=chords, tracks=tracks,
                metrics={"stressed_on_strong": 0.5}, meta={"seed": 7, "source": "tests/songs.py"})
