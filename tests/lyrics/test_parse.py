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
                                           ("[Verse]\n-- !!\n", "needs words")])
def test_bad_files_name_the_source(text, msg):
    with pytest.raises(InputError, match=msg) as err:
        parse_lyrics_text(text, source="song.txt")
    assert "song.txt" in str(err.value)


def test_numbers_are_sung_not_dropped():
    line = parse_lyrics_text("[Verse]\nI got 99 problems\n1999 at 3:45\n").sections[0].lines
    assert line[0].text == "I got ninety-nine problems"
    assert [y.text for y in line[0].syllables][:5] == ["I", "got", "nine", "ty-", "nine"]
    assert line[1].text == "nineteen ninety-nine at three forty-five"
    assert len(line[1].syllables) == 10


@pytest.mark.parametrize(("text", "msg"), [("[Verse]\n我爱你\n", "cannot sing '我爱你'"),
                                           ("[Verse]\nok\nПривет мир\n", "cannot sing 'Привет'"),
                                           ("[Verse]\n" + "la " * 40 + "\n", "split it")])
def test_unsingable_lines_are_refused_with_file_and_line(text, msg):
    with pytest.raises(InputError, match=msg) as err:
        parse_lyrics_text(text, source="song.txt")
    assert str(err.value).startswith("song.txt:")


def test_accented_latin_and_hyphenated_words_are_sung_whole():
    syl = parse_lyrics_text("[Verse]\na well-known café\n").sections[0].lines[0].syllables
    assert "".join(y.text + (" " if y.word_end else "") for y in syl).strip() == "a well-known café"
