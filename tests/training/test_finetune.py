"""`musegen finetune` end to end on a tiny catalog with tiny models (music and lyrics)."""

import json

import pytest
from click.testing import CliRunner
from musegen.cli.main import main

from musegen.errors import InputError, OutputExistsError
from musegen.music.model import save_checkpoint
from musegen.styles.store import get_style
from musegen.training.finetune import FinetuneConfig, finetune, read_lyric_texts, split_songs

from .catalog_fixtures import write_bad_files, write_song

LYRICS = """[Verse]
The night is long and cold
I walk the empty road
The stars are growing old
I carry all my load

[Chorus]
Sing a song of rain
Falling on the hill
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def catalog(tmp_path):
    d = tmp_path / "catalog"
    d.mkdir()
    for i in range(4):
        write_song(d / f"song{i}.mid", shift=i, melody_name="" if i % 2 else "Vocal")
    write_bad_files(d)
    return d


@pytest.fixture
def tiny_cfg(tmp_path):
    from music.helpers import tiny_model

    base = save_checkpoint(tiny_model(), tmp_path / "tiny-music")
    return FinetuneConfig(epochs=1, device="cpu", music_base=str(base), music_batch=2, music_block=64,
                          guard_samples=2, min_steps=3, lyrics_batch=2)


def test_split_songs_is_deterministic_and_keeps_both_sides():
    names = [f"s{i}" for i in range(20)]
    train, valid = split_songs(names, 2)
    assert len(valid) == 2 and sorted(train + valid) == list(range(20))
    assert split_songs(names, 2) == (train, valid)
    assert split_songs(["only"], 1) == ([0], [0])


def test_lyric_files_bad_encoding_and_headers_are_skipped(tmp_path):
    (tmp_path / "a.txt").write_text(LYRICS)
    (tmp_path / "b.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    (tmp_path / "c.txt").write_text("[Solo]\nla la la la\n")
    cat = read_lyric_texts(tmp_path)
    assert {k.split("/")[-1]: v.split(":")[0] for k, v in cat.skipped.items()} == {
        "b.txt": "not UTF-8 text", "c.txt": "unparsable"}
    assert [r["section"] for r in cat.stanzas] == ["verse", "chorus"]
    assert cat.stanzas[0]["syllables"] == [6, 6, 6, 6]


def test_finetune_music_makes_a_style_with_card_guard_and_figures(home, catalog, tiny_cfg):
    style = finetune(catalog, name="tiny", cfg=tiny_cfg, progress=False)
    card = style.card
    assert card.figures["songs"] == 4 and card.figures["skipped"] == 5
    assert set(card.skipped) == {str(catalog / n) for n in
                                 ("corrupt.mid", "drums.mid", "empty.mid", "fast.mid", "onenote.mid")}
    music = card.figures["music"]
    assert music["nll_per_note_after"] <= music["nll_per_note_before"]
    cfg = json.loads((style.music_path / "config.json").read_text())
    assert cfg["prior_source"].endswith("catalog sections") and len(cfg["prior"]["pitch_class"]) == 12
    kp = cfg["key_profile"]
    assert kp and all(sum(v) == pytest.approx(1.0, abs=1e-3) for v in kp.values())
    assert json.loads(style.catalog_path.read_text())["melodies"]
    assert 0.0 <= card.figures["copy"]["note_copy_rate"] <= 1.0
    assert card.lyrics is None
    assert not any(p.name.startswith(".") for p in style.path.parent.iterdir())  # no partial folder left
    assert get_style("tiny").path == style.path
    with pytest.raises(OutputExistsError, match="--force"):
        finetune(catalog, name="tiny", cfg=tiny_cfg, progress=False)


def test_finetune_with_lyrics_trains_an_adapter(home, catalog, tiny_cfg, tmp_path):
    from lyrics_tiny import tiny_base_dir

    lyr = tmp_path / "lyrics"
    lyr.mkdir()
    (lyr / "one.txt").write_text(LYRICS)
    (lyr / "two.txt").write_text(LYRICS.replace("night", "day"))
    tiny_cfg.lyrics_base = str(tiny_base_dir(tmp_path / "tiny-lm"))
    tiny_cfg.lyrics_init = None
    style = finetune(catalog, name="words", lyrics=lyr, cfg=tiny_cfg, progress=False)
    assert (style.lyrics_path / "adapter_config.json").is_file()
    assert style.card.figures["lyrics"]["stanzas"] == 4
    assert json.loads(style.catalog_path.read_text())["texts"]


def test_a_catalog_with_nothing_usable_fails_with_one_message(home, tmp_path, tiny_cfg):
    bad = tmp_path / "bad"
    bad.mkdir()
    write_bad_files(bad)
    with pytest.raises(InputError, match=r"--midi .*no usable song \(0 songs used, 5 skipped"):
        finetune(bad, name="none", cfg=tiny_cfg, progress=False)


def test_cli_reports_bad_catalog_in_one_line(home, tmp_path):
    res = CliRunner().invoke(main, ["finetune", "--midi", str(tmp_path / "nope"), "--name", "x"])
    assert res.exit_code == 2 and "no such folder" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["finetune", "--midi", str(tmp_path), "--name", "../x"])
    assert res.exit_code == 2 and "--name" in res.output


class KilledError(Exception):
    """Stands in for a SIGKILL after a training checkpoint."""


def _kill_after_first_checkpoint(monkeypatch):
    import musegen.training.resume as resume

    real = resume.save_rng

    def save_then_die(path, step, **gens):
        real(path, step, **gens)
        raise KilledError

    monkeypatch.setattr(resume, "save_rng", save_then_die)
    return lambda: monkeypatch.setattr(resume, "save_rng", real)


def test_interrupted_finetune_resumes_exactly(home, catalog, tiny_cfg, monkeypatch):
    tiny_cfg.min_steps = 6
    whole = finetune(catalog, name="whole", cfg=tiny_cfg, progress=False).card.figures["music"]
    undo = _kill_after_first_checkpoint(monkeypatch)
    with pytest.raises(KilledError):
        finetune(catalog, name="cut", cfg=tiny_cfg, progress=False)
    partial = home / "home" / "styles" / ".cut.partial"
    assert (partial / "music_train" / "train_state.safetensors").is_file()
    undo()
    resumed = finetune(catalog, name="cut", cfg=tiny_cfg, progress=False).card.figures["music"]
    assert resumed == whole
    assert not partial.exists()


def test_leftover_of_another_catalog_is_refused_then_discarded_with_force(home, catalog, tiny_cfg, tmp_path,
                                                                        monkeypatch):
    undo = _kill_after_first_checkpoint(monkeypatch)
    with pytest.raises(KilledError):
        finetune(catalog, name="mix", cfg=tiny_cfg, progress=False)
    undo()
    other = tmp_path / "other"
    other.mkdir()
    for i in range(3):
        write_song(other / f"b{i}.mid", shift=5 + i)
    with pytest.raises(InputError, match=r"different catalog or other settings.*--force"):
        finetune(other, name="mix", cfg=tiny_cfg, progress=False)
    style = finetune(other, name="mix", cfg=tiny_cfg, progress=False, force=True)
    assert sorted(style.card.files_used) == sorted(str(other / f"b{i}.mid") for i in range(3))
    assert style.card.figures["songs"] == 3


def test_a_failed_finetune_leaves_no_empty_partial_folder(home, tmp_path, tiny_cfg, catalog, monkeypatch):
    bad = tmp_path / "bad"
    bad.mkdir()
    write_bad_files(bad)
    with pytest.raises(InputError):
        finetune(bad, name="none", cfg=tiny_cfg, progress=False)
    root = home / "home" / "styles"
    assert not root.exists() or not any(root.iterdir())
    import musegen.training.finetune as ft

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ft, "_finetune_music", boom)
    with pytest.raises(RuntimeError):
        finetune(catalog, name="early", cfg=tiny_cfg, progress=False)
    assert not (root / ".early.partial").exists()
    (root / ".stale.partial").mkdir()  # what a SIGKILL before any training state leaves
    assert ft.clean_partials(root) == [root / ".stale.partial"]


def test_cli_keeps_the_missing_path_in_the_message(home, tmp_path):
    res = CliRunner().invoke(main, ["finetune", "--midi", str(tmp_path / "missing"), "--name", "x"])
    assert res.exit_code == 2 and str(tmp_path / "missing") in res.output and "Traceback" not in res.output


def test_a_second_finetune_of_the_same_name_is_refused_while_the_first_runs(home, catalog, tiny_cfg):
    import fcntl
    import os

    work = home / "home" / "styles" / ".busy.partial"
    work.mkdir(parents=True)
    fd = os.open(work, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what the running fine-tune holds
    try:
        with pytest.raises(InputError, match="another `musegen finetune --name busy` is running"):
            finetune(catalog, name="busy", cfg=tiny_cfg, progress=False)
    finally:
        os.close(fd)
    assert work.is_dir()
