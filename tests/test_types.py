"""Song helpers shared by the edit loop, the renderers and the metrics."""

from __future__ import annotations

from songs import make_song


def test_syllable_lines_name_each_syllables_section_line_and_place():
    song = make_song()
    where = song.syllable_lines()
    syls = song.syllables()
    assert len(where) == len(syls)
    for (k, i, j), syl in zip(where, syls, strict=True):
        assert song.sections[k].lines[i].syllables[j] is syl
    assert where[0] == (1, 0, 0)  # the intro sings nothing: the first syllable opens verse 1
