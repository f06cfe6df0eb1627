"""compose(): the stages in order, reproducible, with user lyrics, prompts and fine-tuned styles."""

import pytest

import musegen
from musegen.music import vocab as V
from musegen.music.model import MusicConfig, MusicTransformer, save_checkpoint
from musegen.pipeline import STAGES, compose
from musegen.render.midi import song_to_midi_bytes
from musegen.songfile import dumps_song

LYRICS = """[Verse]
The rain keeps falling on my window pane
I count the hours till you come again

[Chorus]
Oh stay with me tonight
Until the morning light

[Verse]
The empty street remembers how we danced
A single song, a single second chance

[Chorus]
Oh stay with me tonight
Until the morning light
"""


@pytest.fixture(scope="module")
def tiny_music():
    import torch

    torch.manual_seed(0)
    return MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()


@pytest.fixture(scope="module")
def tiny_lyrics():
    from lyrics_tiny import tiny_model

    from musegen.lyrics.base import load_tokenizer
    from musegen.lyrics.model import wrap

    return wrap(tiny_model(), load_tokenizer())


def test_user_lyrics_same_seed_same_bytes(tiny_music):
    timings = {}
    kw = {"lyrics_text": LYRICS, "music_model": tiny_music}
    a = compose("melancholic rainy night", seed=11, timings=timings, **kw)
    b = compose("melancholic rainy night", seed=11, **kw)
    assert list(timings) == list(STAGES)
    assert song_to_midi_bytes(a) == song_to_midi_bytes(b)
    assert dumps_song(a) == dumps_song(b)
    c = compose("melancholic rainy night", seed=12, **kw)
    assert song_to_midi_bytes(c) != song_to_midi_bytes(a)
    # the user's words, in their sections, between an instrumental intro and outro
    assert [s.type for s in a.sections] == ["intro", "verse", "chorus", "verse", "chorus", "outro"]
    assert a.sections[1].lines[0].text == "The rain keeps falling on my window pane"
    assert a.sections[4].repeat_of == 2
    assert a.metrics["syllable_coverage"] == 1.0 and a.metrics["rests_inside_words"] == 0
    assert {t.name for t in a.tracks} >= {"Chords", "Bass"}
    assert a.meta["seed"] == 11 and a.meta["user_lyrics"] is True


def test_prompt_song_from_models(tiny_music, tiny_lyrics):
    kw = {"form": "intro,verse,chorus,chorus,outro", "bars": 2, "tempo": 100, "phrase_bars": 1,
          "lyrics_model": tiny_lyrics,
          "music_model": tiny_music}
    a = compose("gentle lullaby for a sleeping child", seed=3, **kw)
    plan = a.plan
    assert plan.form == ["intro", "verse", "chorus", "chorus", "outro"] and plan.tempo == 100
    assert plan.mode == "major" and plan.groove == "ballad"
    for sp, sec in zip(plan.sections, a.sections, strict=True):
        assert [len(line.syllables) for line in sec.lines] == sp.syllables
    assert a.metrics["syllable_coverage"] == 1.0
    assert a.metrics["lines_without_closing_rest"] == 0
    assert a.meta["lyrics_model"] == "given" and a.meta["user_lyrics"] is False


def test_melody_written_beside_the_lyrics_is_the_one_written_after_them(tiny_music, tiny_lyrics):
    from musegen.conductor import align, arrange
    from musegen.lyrics import write_lyrics
    from musegen.music import generate_melody

    kw = {"form": "intro,verse,chorus,verse,chorus,outro", "bars": 2, "tempo": 100, "phrase_bars": 1}
    song = compose("gentle lullaby for a sleeping child", seed=5, lyrics_model=tiny_lyrics,
                   music_model=tiny_music, **kw)
    lyrics = write_lyrics(song.plan, seed=5, model=tiny_lyrics)
    one_after = arrange(align(song.plan, lyrics, generate_melody(song.plan, seed=5, model=tiny_music,
                                                                  lyrics=lyrics)))
    assert song_to_midi_bytes(song) == song_to_midi_bytes(one_after)


def test_a_failed_lyrics_stage_stops_the_melody(tiny_music, tiny_lyrics, monkeypatch):
    import musegen.lyrics as lyrics_pkg
    from musegen import pipeline
    from musegen.errors import ModelError
    from musegen.types import LyricSection

    def fail_after_one(plan, *, on_section=None, **kw):
        on_section(0, LyricSection(plan.sections[0].type, []))  # the melody starts, then waits for more
        raise ModelError("no line fits")

    started = []

    class Recorded(pipeline._Background):
        def __init__(self, *a):
            super().__init__(*a)
            started.append(self)

    monkeypatch.setattr(lyrics_pkg, "write_lyrics", fail_after_one)
    monkeypatch.setattr(pipeline, "_Background", Recorded)
    with pytest.raises(ModelError, match="no line fits"):
        compose("rain", seed=1, lyrics_model=tiny_lyrics, music_model=tiny_music, bars=2, phrase_bars=1)
    assert len(started) == 1
    started[0]._thread.join(timeout=10)
    assert not started[0]._thread.is_alive()  # it was told no more sections come
    with pytest.raises(pipeline._CancelledError):
        started[0].result()


def test_package_level_compose(tiny_music):
    song = musegen.compose("rain", seed=1, lyrics_text=LYRICS, music_model=tiny_music, key="D minor")
    assert (song.plan.key, song.plan.mode) == ("D", "minor")
    assert song.meta["seed"] == 1


def test_fine_tuned_style_brings_its_music_model(tmp_path, monkeypatch, tiny_music):
    from musegen.styles.store import StyleCard, styles_root, write_card

    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path))
    folder = styles_root() / "reels"
    save_checkpoint(tiny_music, folder / "music")
    write_card(folder, StyleCard(name="reels", created="now", files_used=["a.mid"]))
    song = compose("rain", seed=2, lyrics_text=LYRICS, style="reels")
    assert song.plan.style == "reels" and song.meta["music_model"] == "style:reels"
    masked = compose("rain", seed=2, lyrics_text=LYRICS, music_model=tiny_music)
    # a built-in genre's song takes only its chord mask's chords; a fine-tuned style keeps its model's own
    assert song_to_midi_bytes(masked) != song_to_midi_bytes(song)
    import musegen.music.generate as G

    monkeypatch.setattr(G, "song_chords", lambda style, mode: None)
    plain = compose("rain", seed=2, lyrics_text=LYRICS, music_model=tiny_music)
    assert song_to_midi_bytes(plain) == song_to_midi_bytes(song)  # same weights, same seed


def test_style_copy_guard_resamples_a_melody_that_copies_the_catalog(tmp_path, monkeypatch, tiny_music):
    import json

    from musegen.styles.guard import CatalogIndex, note_symbols
    from musegen.styles.store import StyleCard, styles_root, write_card

    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path))
    folder = styles_root() / "copycat"
    save_checkpoint(tiny_music, folder / "music")
    write_card(folder, StyleCard(name="copycat", created="now", files_used=["a.mid"]))
    plain = compose("rain", seed=2, lyrics_text=LYRICS, music_model=tiny_music)
    # the catalog holds exactly what the model writes for this seed: the guard must draw another one
    from musegen.lyrics.parse import parse_lyrics_text
    from musegen.music import generate_melody
    from musegen.pipeline import _with_instrumental_sections

    words = _with_instrumental_sections(parse_lyrics_text(LYRICS), plain.plan)
    raw = generate_melody(plain.plan, seed=2, model=tiny_music, lyrics=words)
    index = CatalogIndex(melodies=[note_symbols(s.notes) for s in raw.sections if s.notes])
    (folder / "catalog.json").write_text(json.dumps(index.to_dict()))
    song = compose("rain", seed=2, lyrics_text=LYRICS, style="copycat")
    guard = song.meta["copy_guard"]["music"]
    assert guard["candidates"] >= 2 and guard["longest_run"] <= 8 and guard["passed"]
    assert [n.pitch for n in song.vocal] != [n.pitch for n in plain.vocal]
