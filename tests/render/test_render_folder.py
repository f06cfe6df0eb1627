import json
import os
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner
from musegen.cli.main import main

from musegen.errors import InputError, OutputExistsError
from musegen.render import write_song_folder
from musegen.songfile import load_song, save_song

ALL = ["lyrics.txt", "song.json", "song.lrc", "song.mid", "song.musicxml", "song.wav"]


def _leftovers(parent):
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


def test_writes_every_file_and_song_json_reloads(tmp_path, song):
    out = tmp_path / "my song"
    paths = write_song_folder(song, out)
    assert sorted(p.name for p in paths) == ALL == sorted(os.listdir(out))
    assert load_song(out / "song.json") == song
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # not the private mode of a temp folder
    assert (out / "song.mid").stat().st_mode & 0o777 == 0o666 & ~umask
    assert _leftovers(tmp_path) == []


def test_existing_folder_needs_force(tmp_path, song):
    out = tmp_path / "out"
    write_song_folder(song, out, audio_format=None)
    (out / "mine.txt").write_text("keep?")
    with pytest.raises(OutputExistsError, match="--force"):
        write_song_folder(song, out, audio_format=None)
    assert (out / "mine.txt").exists()
    write_song_folder(song, out, audio_format="flac", force=True)
    assert sorted(os.listdir(out)) == sorted(n.replace("wav", "flac") for n in ALL)
    assert _leftovers(tmp_path) == []


def test_bad_format_or_soundfont_writes_nothing(tmp_path, song):
    with pytest.raises(InputError, match="--format mp3"):
        write_song_folder(song, tmp_path / "a", audio_format="mp3")
    with pytest.raises(InputError, match="--soundfont"):
        write_song_folder(song, tmp_path / "b", soundfont=tmp_path / "none.sf2")
    assert os.listdir(tmp_path) == []


def test_failure_midway_leaves_no_partial_folder(tmp_path, song, monkeypatch):
    import musegen.render.musicxml as mx

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(mx, "write_musicxml", boom)
    with pytest.raises(RuntimeError):
        write_song_folder(song, tmp_path / "out")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def song_json(tmp_path, song):
    return save_song(song, tmp_path / "in" / "song.json")


def _run(*args):
    return CliRunner().invoke(main, ["render", *map(str, args)])


def test_cli_renders_a_folder(tmp_path, song_json):
    out = tmp_path / "out"
    res = _run(song_json, "--out", out)  # vocals on by default: the sung mix and its two stems
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(out)) == sorted([*ALL, "band.wav", "vocals.wav"])
    assert sf.info(out / "song.wav").samplerate == 44100
    res = _run(song_json, "--out", out)
    assert res.exit_code == 2 and "pass --force" in res.output
    assert _run(song_json, "--out", out, "--force", "--format", "flac", "--vocals", "off").exit_code == 0
    assert "song.flac" in os.listdir(out)
    assert _run(song_json, "--out", tmp_path / "quiet", "--no-audio").exit_code == 0
    assert sorted(os.listdir(tmp_path / "quiet")) == [n for n in ALL if n != "song.wav"]


def _edit(path, change):
    d = json.loads(path.read_text())
    change(d)
    path.write_text(json.dumps(d))
    return path


def _bad_json(p):
    p.write_text('{"version": 1, "plan": ')
    return p


BAD_INPUTS = {
    "malformed JSON": (lambda p, _t: (_bad_json(p), []), "not valid JSON"),
    "unknown key": (lambda p, _t: (_edit(p, lambda d: d["plan"].update(key="H")), []), "plan.key 'H'"),
    "tempo 0": (lambda p, _t: (_edit(p, lambda d: d["plan"].update(tempo=0)), []), "plan.tempo must be > 0"),
    "meter 0/4": (lambda p, _t: (_edit(p, lambda d: d["plan"].update(meter="0/4")), []), "plan.meter 0/4"),
    "missing soundfont": (lambda p, t: (p, ["--soundfont", t / "nope.sf2"]), "nope.sf2: no such file"),
    "missing song": (lambda p, t: (t / "absent.json", []), "absent.json: no such song file"),
    "output under a file": (lambda p, t: (p, ["--out", p / "sub"]), "is not a directory"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path, song_json, case):
    make, needle = BAD_INPUTS[case]
    path, extra = make(song_json, tmp_path)
    out = tmp_path / "out"
    args = [path, *extra] if "--out" in extra else [path, "--out", out, *extra]
    res = _run(*args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    errors = [ln for ln in res.output.splitlines() if "Error" in ln]
    assert len(errors) == 1 and needle in errors[0], res.output
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["in"] and _leftovers(tmp_path / "in") == []


def test_cli_unwritable_output_dir(tmp_path, song_json, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the permission check see what a user would
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: not (Path(p) == locked and m & os.W_OK) and real(p, m))
    try:
        res = _run(song_json, "--out", locked / "out")
        assert res.exit_code == 2 and "is not writable" in res.output, res.output
        assert [ln for ln in res.output.splitlines() if ln.startswith("Error")] == [
            f"Error: --out {locked / 'out'}: {locked} is not writable; choose another output path"]
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)
