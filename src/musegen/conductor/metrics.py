"""Alignment metrics of a `Song`, stored in `song.metrics` (and so in song.json).

- syllable_coverage: share of syllables sung on at least one note.
- stressed_on_strong / unstressed_on_strong: share of CMU primary-stressed (1) / unstressed (0)
  syllables whose first note starts exactly on a strong beat (EVALUATION.md's strong beats).
- rests_inside_words: silences between two notes of one word (including melisma notes).
- lines_without_closing_rest: lyric lines whose last note runs into the next sung note.
- stress_inversions: share of the words with a primary-stressed and an unstressed syllable (out of
  polysyllabic_words) whose primary stress starts on a weaker metric position than one of its unstressed
  syllables (`musegen.theory.metric_level`; EVALUATION.md's definition, with the lyrics' own stresses).

`align` adds its repair counts: notes_split, notes_merge, notes_retimed (onsets moved; notes_stretched of
them in crammed phrases sung slower), out of model_notes_aligned (the music model's notes it placed;
repeated sections are copied, not counted).
"""

from __future__ import annotations

from musegen.theory import metric_level, strong_beat_ticks
from musegen.types import Song


def alignment_metrics(song: Song) -> dict[str, float]:
    """The alignment measures of one song (see module docstring)."""
    syls = song.syllables()
    bar = song.plan.bar_ticks
    strong = strong_beat_ticks(song.plan.meter, song.ppq)
    first: dict[int, int] = {}
    for n in song.vocal:
        if n.syllable is not None and not n.melisma and n.syllable not in first:
            first[n.syllable] = n.onset
    by_stress = {0: [0, 0], 1: [0, 0]}  # stress -> [on strong, total]
    for i, s in enumerate(syls):
        if s.stress in by_stress:
            by_stress[s.stress][1] += 1
            if i in first and first[i] % bar in strong:
                by_stress[s.stress][0] += 1
    rests_in_words = 0
    for a, b in zip(song.vocal, song.vocal[1:], strict=False):
        if a.syllable is None or b.syllable is None:
            continue
        same_word = (b.melisma and b.syllable == a.syllable) or (
            b.syllable == a.syllable + 1 and not syls[a.syllable].word_end)
        if same_word and b.onset > a.onset + a.duration:
            rests_in_words += 1
    last_note: dict[tuple[int, int], int] = {}  # (section, line) -> index of its last vocal note
    line_of = song.syllable_lines()
    for i, n in enumerate(song.vocal):
        if n.syllable is not None and n.syllable < len(line_of):
            last_note[line_of[n.syllable][:2]] = i
    no_rest = sum(1 for i in last_note.values()
                  if i + 1 < len(song.vocal)
                  and song.vocal[i + 1].onset <= song.vocal[i].onset + song.vocal[i].duration)

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    inverted, poly = stress_inversions(syls, first, song)

    return {
        "syllables": float(len(syls)),
        "syllable_coverage": ratio(len(first), len(syls)) if syls else 1.0,
        "stressed_on_strong": ratio(*by_stress[1]),
        "unstressed_on_strong": ratio(*by_stress[0]),
        "rests_inside_words": float(rests_in_words),
        "lines_without_closing_rest": float(no_rest),
        "melisma_notes": float(sum(1 for n in song.vocal if n.melisma)),
        "stress_inversions": ratio(inverted, poly),
        "polysyllabic_words": float(poly),
    }


def stress_inversions(syls: list, first: dict[int, int], song: Song) -> tuple[int, int]:
    """(inverted words, words with a primary-stressed and an unstressed sung syllable)."""
    inverted = poly = 0
    word: list[int] = []
    for i, s in enumerate(syls):
        word = [i] if s.word_start or not word else [*word, i]
        if not s.word_end:
            continue
        meter = song.plan.meter
        sung = [(syls[j].stress, metric_level(first[j], meter, song.ppq)) for j in word if j in first]
        stressed = [lv for st, lv in sung if st == 1]
        unstressed = [lv for st, lv in sung if st == 0]
        if stressed and unstressed:
            poly += 1
            inverted += stressed[0] > min(unstressed)
        word = []
    return inverted, poly
