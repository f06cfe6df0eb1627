"""`musegen generate` rejects bad input with one-line messages before any model is loaded."""

import pytest
from click.testing import CliRunner
from musegen.cli.main import main


def _run(args, tmp_path):
    return CliRunner().invoke(main, ["generate", *args], catch_exceptions=False)


def test_needs_a_prompt_or_lyrics(tmp_path):
    res = _run(["--out", str(tmp_path / "o")], tmp_path)
    assert res.exit_code == 2 and "PROMPT" in res.output


def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "song.json").write_text("{}")
    res = _run(["rain", "--out", str(out)], tmp_path)
    assert res.exit_code == 2 and "--force" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("args, needle", [
    (["--meter", "5/4"], "--meter"), (["--tempo", "0"], "--tempo"), (["--key", "H major"], "key"),
    (["--form", "verse,banana"], "--form"), (["--bars", "x"], "--bars"), (["--style", "nope"], "nope"),
    (["--format", "mp3"], "mp3")])
def test_bad_overrides(tmp_path, args, needle, monkeypatch):
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))
    res = _run(["rain", "--out", str(tmp_path / "o"), *args], tmp_path)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_bad_lyrics_files(tmp_path):
    missing = _run(["--lyrics", str(tmp_path / "none.txt"), "--out", str(tmp_path / "o")], tmp_path)
    assert missing.exit_code == 2 and "--lyrics" in missing.output
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    res = _run(["--lyrics", str(binary), "--out", str(tmp_path / "o")], tmp_path)
    assert res.exit_code == 2 and "--lyrics" in res.output
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    res = _run(["--lyrics", str(empty), "--out", str(tmp_path / "o")], tmp_path)
    assert res.exit_code == 2 and str(empty) in res.output and "Traceback" not in res.output


LYRICS = """[Verse]
The rain keeps falling on my window pane
I count the hours till you come again

[Chorus]
Oh stay with me tonight
Until the morning light

[Chorus]
Oh stay with me tonight
Until the morning light
"""


@pytest.fixture
def tiny_models(monkeypatch):
    """The default models replaced by tiny ones built like them (the real ones are benchmarked)."""
    import torch
    from lyrics_tiny import tiny_model

    import musegen.lyrics.model as lyrics_model
    import musegen.music.generate as music_generate
    from musegen.lyrics.base import load_tokenizer
    from musegen.music import vocab as V
    from musegen.music.model import MusicConfig, MusicTransformer

    torch.manual_seed(0)
    music = MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()
    words = lyrics_model.wrap(tiny_model(), load_tokenizer())
    monkeypatch.setattr(music_generate, "load_music_model", lambda *a, **k: music)
    monkeypatch.setattr(lyrics_model, "load_lyrics_model", lambda *a, **k: words)


def test_lyrics_file_song_folder_is_reproducible(tmp_path, tiny_models):
    lyr = tmp_path / "words.txt"
    lyr.write_text(LYRICS)
    outs = []
    for name in ("a", "b"):
        res = _run(["melancholic rainy night", "--lyrics", str(lyr), "--out", str(tmp_path / name),
                    "--seed", "5", "--no-audio"], tmp_path)
        assert res.exit_code == 0, res.output
        outs.append(tmp_path / name)
    for f in ("song.mid", "song.json", "song.musicxml", "lyrics.txt", "song.lrc"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    assert not (outs[0] / "song.wav").exists()
    out = res.output
    for needle in ("seed 5", "BPM", "form intro verse chorus chorus outro", "duration",
                   "syllable coverage 100%", "stressed on strong beats", "rests inside words 0", "song.mid"):
        assert needle in out, needle
    assert "The rain keeps falling on my window pane" in (outs[0] / "lyrics.txt").read_text()


def test_prompt_song_with_overrides_and_flac(tmp_path, tiny_models):
    out = tmp_path / "song"
    res = _run(["gentle lullaby for a sleeping child", "--out", str(out), "--seed", "2", "--format", "flac",
                "--key", "G", "--tempo", "60", "--meter", "2/4", "--form", "intro,verse,outro", "--bars", "2",
                "--style", "folk"], tmp_path)
    assert res.exit_code == 0, res.output
    assert (out / "song.flac").stat().st_size > 1000
    assert "key G major, 60 BPM, 2/4, style folk" in res.output
    from musegen.songfile import load_song

    song = load_song(out / "song.json")
    assert song.plan.form == ["intro", "verse", "outro"] and song.metrics["syllable_coverage"] == 1.0
    again = _run(["rain", "--out", str(out), "--seed", "2"], tmp_path)
    assert again.exit_code == 2 and "--force" in again.output


def test_lyrics_with_form_is_a_usage_error(tmp_path):
    lyr = tmp_path / "words.txt"
    lyr.write_text(LYRICS)
    res = _run(["--lyrics", str(lyr), "--form", "short", "--out", str(tmp_path / "o")], tmp_path)
    assert res.exit_code == 2 and "--form" in res.output


def test_bad_lyrics_workers_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEGEN_LYRICS_WORKERS", "two")
    res = _run(["rain", "--out", str(tmp_path / "o")], tmp_path)
    assert res.exit_code == 2 and "MUSEGEN_LYRICS_WORKERS='two'" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()
