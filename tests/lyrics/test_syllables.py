import pytest

from musegen.evaluation.lyrics import line_syllables, plain_syllables
from musegen.lyrics.syllables import count_line, count_syllables, syllabify_line, syllabify_word


@pytest.mark.parametrize(("word", "n"), [("fire", 1), ("beautiful", 3), ("the", 1), ("everlasting", 4),
                                         ("Heaven,", 2), ("don't", 1), ("I'm", 1), ("xyzzqu", 2),
                                         ("glorp", 1), ("...", 0)])
def test_count_syllables(word, n):
    assert count_syllables(word) == n


@pytest.mark.parametrize("word", ["fire", "beautiful", "everlasting", "memory", "sky", "flower", "hour",
                                  "realize", "poem", "quiet", "zzyzx", "strengths"])
def test_counts_agree_with_the_plain_evaluation_count(word):
    assert count_syllables(word) == plain_syllables(word)


def test_syllabify_splits_spelling_and_keeps_punctuation_on_the_last_piece():
    syl = syllabify_line("Beautiful night, forever!")
    assert [s.text for s in syl] == ["Beau", "ti", "ful", "night,", "for", "ev", "er!"]
    assert [s.stress for s in syl] == [1, 0, 0, 1, 0, 1, 0]
    assert [s.word_start for s in syl] == [True, False, False, True, True, False, False]
    assert [s.word_end for s in syl] == [False, False, True, True, False, False, True]


@pytest.mark.parametrize("word", ["beautiful", "unbelievably", "I've", "rhythm", "Qwrtzplk", "self-love",
                                  "\"Hello,\"", "a"])
def test_pieces_rebuild_the_word_one_per_syllable(word):
    syl = syllabify_word(word)
    assert "".join(s.text for s in syl) == word
    assert len(syl) == count_syllables(word)
    assert syl[0].word_start and syl[-1].word_end


def test_line_counts():
    line = "The silver moon is rising high"
    assert count_line(line) == line_syllables(line) == 8 == len(syllabify_line(line))
