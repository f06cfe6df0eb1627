"""Hand-made plans, lyrics and melodies for conductor tests (no models)."""

from __future__ import annotations

from musegen.types import (
    PPQ,
    ChordEvent,
    LyricLine,
    Lyrics,
    LyricSection,
    Melody,
    Note,
    SectionMusic,
    SectionPlan,
    SongPlan,
    Syllable,
)

# word -> (syllable texts, CMU stresses); enough words for a few lines
WORDS = {
    "the": (["the"], [0]), "a": (["a"], [0]), "of": (["of"], [0]), "in": (["in"], [0]),
    "rain": (["rain"], [1]), "night": (["night"], [1]), "falls": (["falls"], [1]), "heart": (["heart"], [1]),
    "again": (["a", "gain"], [0, 1]), "window": (["win", "dow"], [1, 0]), "silver": (["sil", "ver"], [1, 0]),
    "remember": (["re", "mem", "ber"], [0, 1, 0]), "city": (["ci", "ty"], [1, 0]), "light": (["light"], [1]),
    "on": (["on"], [1]), "my": (["my"], [1]), "slowly": (["slow", "ly"], [1, 0]), "home": (["home"], [1]),
}


def line(text: str) -> LyricLine:
    syls = []
    for w in text.split():
        parts, stresses = WORDS[w]
        for i, (p, s) in enumerate(zip(parts, stresses, strict=True)):
            syls.append(Syllable(p, s, word_start=i == 0, word_end=i == len(parts) - 1))
    return LyricLine(text, syls)


VERSE = ["the rain falls on the window", "remember my city light", "the silver rain again",
         "slowly home in the night"]
CHORUS = ["rain on my heart again", "the night falls slowly home"]


def plan(meter=(4, 4), groove="straight", drums=True, chorus_bars=4, melisma=0) -> SongPlan:
    verse = [line(t) for t in VERSE]
    chorus = [line(t) for t in CHORUS]
    vs = [len(x.syllables) for x in verse]
    cs = [len(x.syllables) for x in chorus]
    sections = [
        SectionPlan("intro", 2),
        SectionPlan("verse", 8, vs, "ABAB", [2] * 4, vs),
        SectionPlan("chorus", chorus_bars, cs, "AA", [2] * 2, [c + melisma for c in cs]),
        SectionPlan("verse", 8, vs, "ABAB", [2] * 4, vs),
        SectionPlan("chorus", chorus_bars, cs, "AA", [2] * 2, [c + melisma for c in cs], repeat_of=2),
        SectionPlan("outro", 2),
    ]
    return SongPlan("Test", "test", "A", "minor", 100.0, meter, sections, groove=groove,
                    instruments={"Vocal": 52, "Chords": 0, "Bass": 33, "Pad": 48}, drums=drums)


def lyrics() -> Lyrics:
    v, c = [line(t) for t in VERSE], [line(t) for t in CHORUS]
    return Lyrics([LyricSection("intro", []), LyricSection("verse", v), LyricSection("chorus", c),
                   LyricSection("verse", [line(t) for t in VERSE]),
                   LyricSection("chorus", [line(t) for t in CHORUS], repeat_of=2), LyricSection("outro", [])])


def phrase_notes(n: int, start: int, bar: int, pb: int = 2, step: int = PPQ // 2,
                 pitch0: int = 64) -> list[Note]:
    """n notes from `start`: eighths, the last one long, ending before the phrase end (a breath)."""
    notes = [Note(start + i * step, step, pitch0 + (i % 5) - 2) for i in range(n)]
    last = notes[-1]
    last.duration = max(step, start + pb * bar - PPQ - last.onset)
    return notes


def melody(p: SongPlan, counts: dict[int, list[int]] | None = None, step: int = PPQ // 2,
           offset: int = 0) -> Melody:
    """Notes for every phrase; `counts` overrides notes per phrase per section (to force repairs)."""
    bar = p.bar_ticks
    out = []
    for k, sp in enumerate(p.sections):
        notes, phrases = [], []
        want = (counts or {}).get(k, sp.phrase_notes)
        for i, n in enumerate(want):
            ph = phrase_notes(n, i * sp.phrase_bars[i] * bar + offset, bar, sp.phrase_bars[i], step)
            notes += ph
            phrases.append(len(ph))
        chords = [ChordEvent(b * bar, bar, ("Am", "F", "C", "G")[b % 4]) for b in range(sp.bars)]
        out.append(SectionMusic(sp.type, sp.bars, notes, chords, phrases))
    return Melody(out)
