import json

import mido
from click.testing import CliRunner
from musegen.cli.main import main
from training.test_music_corpus import write_song

from musegen.music.model import save_checkpoint

from .helpers import tiny_model


def test_melody_cli_writes_lead_sheet(tmp_path):
    ck = tmp_path / "tiny"
    save_checkpoint(tiny_model(), ck)
    out = tmp_path / "out"
    args = [
        "melody",
        "--key",
        "A minor",
        "--tempo",
        "92",
        "--meter",
        "4/4",
        "--form",
        "verse,chorus",
        "--phrase-notes",
        "8,8,7,9",
        "--out",
        str(out),
        "--seed",
        "4",
        "--model",
        str(ck),
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"song.mid", "song.musicxml", "song.json"}
    mid = mido.MidiFile(out / "song.mid")
    ons = [m for t in mid.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    assert len(ons) >= 64  # 2 sections x 32 sung notes (+ chord notes if any)
    song = json.loads((out / "song.json").read_text())
    assert song["plan"]["key"] == "A" and song["plan"]["mode"] == "minor"
    # same seed, same files; an existing folder needs --force
    r2 = CliRunner().invoke(main, args)
    assert r2.exit_code != 0 and "--force" in r2.output
    out2 = tmp_path / "out2"
    r3 = CliRunner().invoke(main, [*args[:-5], str(out2), *args[-4:]])
    assert r3.exit_code == 0, r3.output
    assert (out / "song.mid").read_bytes() == (out2 / "song.mid").read_bytes()


def test_melody_cli_bad_input_is_one_line(tmp_path):
    for extra, hint in [
        (["--key", "H minor"], "--key"),
        (["--meter", "4/0"], "--meter"),
        (["--form", "verse,solo"], "--form"),
        (["--phrase-notes", "8,x"], "--phrase-notes"),
        (["--phrase-notes", "40", "--bars", "1"], "more than fit"),
        (["--model", str(tmp_path)], "--model"),
    ]:
        r = CliRunner().invoke(main, ["melody", "--out", str(tmp_path / "o"), *extra])
        assert r.exit_code == 2, (extra, r.output)
        assert hint in r.output and "Traceback" not in r.output


def test_corpus_and_train_cli(tmp_path):
    src = tmp_path / "midi"
    src.mkdir()
    for i in range(6):
        write_song(src / f"s{i}.mid", 50 + i)
    r = CliRunner().invoke(
        main,
        ["corpus", "build", "--out", str(tmp_path / "c"), "--midi-dir", str(src), "--valid-fraction", "0.4"],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c" / "tokens.npz").exists()
    r = CliRunner().invoke(
        main,
        [
            "train",
            "music",
            "--data",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "m"),
            "--layers",
            "1",
            "--dim",
            "16",
            "--heads",
            "2",
            "--block",
            "64",
            "--steps",
            "2",
            "--batch",
            "2",
            "--device",
            "cpu",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "m" / "model.safetensors").exists()
    r = CliRunner().invoke(main, ["corpus", "build", "--out", str(tmp_path / "d")])
    assert r.exit_code == 2 and "source" in r.output
