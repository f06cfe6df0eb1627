import pytest
from songs import make_song

from musegen.edit import resolve, section_names
from musegen.errors import InputError


@pytest.fixture
def song():
    return make_song()  # intro, verse, chorus, verse, chorus (repeats 2), outro; 2 bars + 4 x 4 + 2


def test_names_number_repeated_types():
    assert section_names(make_song()) == ["intro", "verse 1", "chorus 1", "verse 2", "chorus 2", "outro"]


def test_line_target(song):
    t = resolve(song, line="verse 2:2")
    assert t.lines == {3: [1]} and t.primary == [3] and t.label == "line verse 2:2"


def test_a_chorus_line_changes_in_every_repeat(song):
    t = resolve(song, line="chorus 2:1")
    assert t.lines == {2: [0], 4: [0]} and t.primary == [2] and t.copies == {4: 2} and not t.detached


def test_only_this_cuts_the_repeat(song):
    t = resolve(song, line="chorus 2:1", only_this=True)
    assert t.lines == {4: [0]} and t.detached == [4]
    t = resolve(song, section="chorus", only_this=True)
    assert t.lines == {2: [0, 1]} and t.detached == [4]  # chorus 2 repeated chorus 1: no longer


def test_section_by_number_and_bars(song):
    assert resolve(song, section="4").lines == {3: [0, 1]}
    assert resolve(song, bars="3-4").lines == {1: [0]}  # verse 1 starts in bar 3
    assert resolve(song, bars="5-8").lines == {1: [1], 2: [0], 4: [0]}


@pytest.mark.parametrize(("kw", "says"), [
    ({"line": "verse 9:1"}, "the song has 2 verse section(s): 1 intro (instrumental, bars 1-2), 2 verse 1"),
    ({"line": "verse 1:5"}, "verse 1 has lines 1-2"),
    ({"line": "verse"}, "write SECTION:LINE"),
    ({"section": "bridge"}, "the song has 0 bridge section(s)"),
    ({"section": "9"}, "no section 9; the song has 1 intro"),
    ({"section": "intro"}, "no lyrics; sections with lines: 2 verse 1, 3 chorus 1, 4 verse 2, 5 chorus 2"),
    ({"bars": "30-40"}, "the song has bars 1-20"),
    ({"bars": "1-2"}, "no lyric line is sung there"),
    ({"bars": "x"}, "write FIRST-LAST"),
    ({}, "give exactly one target"),
    ({"line": "verse 1:1", "bars": "3-4"}, "got --line, --bars"),
])
def test_a_target_that_does_not_exist_says_what_does(song, kw, says):
    with pytest.raises(InputError) as e:
        resolve(song, **kw)
    assert says in str(e.value) and "\n" not in str(e.value)
