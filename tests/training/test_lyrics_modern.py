import pytest

from musegen.lyrics.base import load_tokenizer
from musegen.training.lyrics_modern import clean_song_line, openewld_stanzas, songs_pd_stanzas, sung_lines
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


def _lead_sheet(path, words: list[tuple[str, str]]) -> None:
    """A one-part MusicXML sheet: one quarter note per (syllable, syllabic); '' is a quarter rest."""
    import music21

    part = music21.stream.Part()
    for text, syllabic in words:
        if not text:
            part.append(music21.note.Rest(quarterLength=1))
            continue
        n = music21.note.Note("C4", quarterLength=1)
        n.lyrics = [music21.note.Lyric(text=text, syllabic=syllabic, number=1)]
        part.append(n)
    music21.stream.Score([part]).write("musicxml", fp=str(path))


SHEET = [("The", "single"), ("rain", "single"), ("is", "single"), ("fall", "begin"), ("ing", "end"),
         ("on", "single"), ("the", "single"), ("town,", "single"),
         ("I", "single"), ("walk", "single"), ("a", "begin"), ("lone", "end"), ("be", "begin"),
         ("side", "end"), ("the", "single"), ("sea", "single"), ("", ""),
         ("The", "single"), ("lights", "single"), ("are", "single"), ("low", "single"),
         ("When", "single"), ("the", "single"), ("sun", "single"), ("is", "single"), ("down.", "single"),
         ("And", "single"), ("no", "begin"), ("bo", "middle"), ("dy", "end"), ("is", "single"),
         ("here", "single"), ("with", "single"), ("me.", "single")]


def test_lead_sheet_words_are_cut_into_sung_lines(tmp_path):
    _lead_sheet(tmp_path / "a.musicxml", SHEET)
    assert sung_lines(tmp_path / "a.musicxml") == [
        "The rain is falling on the town,", "I walk alone beside the sea", "The lights are low",
        "When the sun is down.", "And nobody is here with me."]


def test_openewld_sheets_become_stanzas(tmp_path):
    (tmp_path / "openewld").mkdir()
    _lead_sheet(tmp_path / "openewld" / "0001_Town.mxl", SHEET[:8] + SHEET[8:17] + SHEET[26:] + SHEET[17:26])
    (st,) = list(openewld_stanzas(tmp_path))
    assert st.source == "openewld" and st.book == "0001_Town"
    assert st.lines[0] == "The rain is falling on the town" and len(st.lines) == 4


def test_format_2_examples_name_each_lines_end_word():
    row = {"section": "verse", "lines": ["The rain is falling on the town", "I walk alone beside the sea"],
           "syllables": [8, 8], "rhyme": "AB", "theme": ["rain", "town"]}
    tok = load_tokenizer()
    ids, labels = encode(row, tok, 200, prompt_format=2)
    text = tok.decode(ids)
    assert "Line 1: 8 syllables · ends with: town" in text and "ends with: sea" in text
    assert tok.decode([i for i, y in zip(ids, labels, strict=True) if y != -100]).startswith("The rain")


@pytest.fixture(autouse=True, scope="module")
def _private_cache(private_model_cache):
    """Tiny merged models stay out of the user's model cache."""


@pytest.mark.parametrize("fmt", [2, 3])
def test_an_adapter_is_read_back_with_its_prompt_format(tmp_path, fmt):
    from lyrics_tiny import tiny_base_dir, tiny_corpus_dir

    from musegen.lyrics.model import load_lyrics_model
    from musegen.training.lyrics_train import LoraTrainConfig, train_lora

    base, corpus = tiny_base_dir(tmp_path / "base"), tiny_corpus_dir(tmp_path / "corpus")
    cfg = LoraTrainConfig(rank=2, alpha=4, batch_size=2, steps=1, warmup=1, prompt_format=fmt,
                          attention_only=True, top_layers=1)
    train_lora(base, corpus, tmp_path / "run", cfg, device="cpu", progress=False)
    lm = load_lyrics_model(adapter=tmp_path / "run" / "adapter", base=base, quantize=False)
    assert lm.prompt_format == fmt
    card = (tmp_path / "run" / "adapter" / "README.md").read_text()
    assert "q_proj" in card and f"format {fmt}" in card


def test_contemporary_stanzas_have_no_period_diction():
    from musegen.training.lyrics_corpus import Stanza
    from musegen.training.lyrics_modern import contemporary

    plain = Stanza("x", "b", "verse", ["The rain is falling on the town", "I walk alone beside the sea",
                                       "The lights are low", "When the sun is down"])
    assert contemporary(plain) and contemporary(plain, 3.5)
    assert not contemporary(Stanza("x", "b", "verse", [*plain.lines[:3], "Oh the sun is down"]))
    assert not contemporary(Stanza("x", "b", "verse", [*plain.lines[:3], "When the moon is gibbous"]), 3.5)


def test_format_3_scores_the_lines_not_their_headers():
    from musegen.lyrics.prompt import line_head
    from musegen.training.lyrics_train import encode

    tok = load_tokenizer()
    row = {"section": "verse", "syllables": [8, 7], "theme": ["night", "road"],
           "lines": ["I drove all night to see your face", "And I still hope you come home."]}
    ids, labels = encode(row, tok, 512, 3)
    scored = tok.decode([i for i, x in zip(ids, labels, strict=True) if x != -100])
    assert scored == "I drove all night to see your face\nAnd I still hope you come home.\n<|im_end|>"
    text = tok.decode(ids)
    assert line_head(8, "face") + "I drove" in text and line_head(7, "home") + "And I" in text


def test_phrases_need_the_song_register_corpus(tmp_path):
    from click.testing import CliRunner
    from musegen.cli.main import main

    f = tmp_path / "phr.jsonl"
    f.write_text("")
    r = CliRunner().invoke(main, ["corpus", "lyrics", "--phrases", str(f), "--out", str(tmp_path / "c")])
    assert r.exit_code == 2 and "--phrases goes with --songs-pd" in r.output
