from musegen.lyrics.base import load_tokenizer
from musegen.training.lyrics_modern import clean_song_line, songs_pd_stanzas
from musegen.training.lyrics_train import encode

LY = r"""
sopWords = \lyricmode {
  \set stanza = #"1. "
  The rain is fall -- ing on the town,
  I walk a -- lone be -- side the sea,
  The lights are low, the sun is down,
  And no -- bo -- dy is here with me.
  Thou art my love, o'er hill and dale,
}
"""


def test_clean_song_line_keeps_modern_lines_only():
    assert clean_song_line("The rain is falling on the town,") == "The rain is falling on the town"
    assert clean_song_line("Thou art my love, o'er hill and dale") is None  # archaic
    assert clean_song_line("Chorus: sing it") is None
    assert clean_song_line("I walked along the road and") is None  # dangling end


def test_songs_pd_lilypond_lyrics_become_stanzas(tmp_path):
    ly = tmp_path / "lilypond-songs" / "ly"
    ly.mkdir(parents=True)
    (ly / "Town Song.ly").write_text(LY)
    (st,) = list(songs_pd_stanzas(tmp_path))
    assert st.lines[0] == "The rain is falling on the town"
    assert st.lines[3] == "And nobody is here with me."
    assert st.source == "songs-pd" and st.book == "Town Song" and st.syllables[0] == 8


def test_format_2_examples_name_each_lines_end_word():
    row = {"section": "verse", "lines": ["The rain is falling on the town", "I walk alone beside the sea"],
           "syllables": [8, 8], "rhyme": "AB", "theme": ["rain", "town"]}
    tok = load_tokenizer()
    ids, labels = encode(row, tok, 200, prompt_format=2)
    text = tok.decode(ids)
    assert "Line 1: 8 syllables · ends with: town" in text and "ends with: sea" in text
    assert tok.decode([i for i, y in zip(ids, labels, strict=True) if y != -100]).startswith("The rain")
