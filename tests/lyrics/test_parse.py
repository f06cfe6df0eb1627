import pytest

from musegen.errors import InputError
from musegen.lyrics.parse import lyrics_to_text, parse_lyrics_text

TEXT = """[Verse]
The night is long
I sing my song

[Chorus]
Hold on, hold on

[Verse 2]
The day is here
The sky is clear

[Chorus]
Hold on, hold on

[Pre-Chorus]
Wait for me
"""


def test_parse_sections_repeats_and_syllables():
    ly = parse_lyrics_text(TEXT)
    assert [s.type for s in ly.sections] == ["verse", "chorus", "verse", "chorus", "pre-chorus"]
    assert [s.repeat_of for s in ly.sections] == [None, None, None, 1, None]
    assert [x.text for x in ly.sections[2].lines] == ["The day is here", "The sky is clear"]
    assert len(ly.sections[0].lines[0].syllables) == 4


def test_round_trip_through_text():
    ly = parse_lyrics_text(TEXT)
    again = parse_lyrics_text(lyrics_to_text(ly))
    texts = [[x.text for x in s.lines] for s in ly.sections]
    assert [[x.text for x in s.lines] for s in again.sections] == texts
    assert lyrics_to_text(ly).startswith("[Verse]\nThe night is long\n")


def test_lines_without_header_are_a_verse():
    ly = parse_lyrics_text("Just a line\nAnother line\n")
    assert ly.sections[0].type == "verse" and len(ly.sections[0].lines) == 2


@pytest.mark.parametrize(("text", "msg"), [("[Solo]\nla la\n", "unknown section header"),
                                           ("[Verse\nla la\n", "malformed"), ("\n\n", "no lyric lines"),
                                           ("[Verse]\n1234\n", "needs words")])
def test_bad_files_name_the_source(text, msg):
    with pytest.raises(InputError, match=msg) as err:
        parse_lyrics_text(text, source="song.txt")
    assert "song.txt" in str(err.value)
