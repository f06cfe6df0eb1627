"""Song folders: edits re-render atomically, keep the previous version, and --undo restores its bytes."""

import pytest
from click.testing import CliRunner
from musegen.cli.main import main
from songs import make_song

from musegen.edit import edit_folder, extend_folder, undo_folder
from musegen.edit.folder import load_folder, versions
from musegen.errors import InputError
from musegen.render import write_song_folder


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "song"
    write_song_folder(make_song(), out, audio_format=None)
    return out


def test_edit_then_undo_restores_every_byte(folder, models):
    before = (folder / "song.json").read_bytes()
    assert b'"history"' not in before  # a song.json from before edits existed loads as it is
    mid = (folder / "song.mid").read_bytes()
    r = edit_folder(folder, line="verse 2:1", models=models, seed=3)
    after = (folder / "song.json").read_bytes()
    assert after != before and (folder / "song.mid").read_bytes() != mid
    assert [p.name for p in versions(folder)] == ["0001.json"]
    song, _ = load_folder(folder)  # the history survives render and reload
    assert song.history == r.song.history and song.history[0]["target"] == "line verse 2:1"
    edit_folder(folder, line="verse 1:1", what="words", models=models, seed=4)
    assert len(load_folder(folder)[0].history) == 2
    edit_folder(folder, section="chorus", what="notes", models=models, seed=5)
    with pytest.raises(InputError, match="has 3 earlier version"):
        undo_folder(folder, steps=4)
    undo_folder(folder, steps=2)
    assert (folder / "song.json").read_bytes() == after
    undo = undo_folder(folder)
    assert (folder / "song.json").read_bytes() == before
    assert (folder / "song.mid").read_bytes() == mid
    assert undo.undone["target"] == "line verse 2:1" and versions(folder) == []
    with pytest.raises(InputError, match="no earlier version"):
        undo_folder(folder)


def test_files_musegen_did_not_write_are_not_dropped_silently(folder, models):
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"holds files musegen did not write \(notes.txt\).*--force"):
        edit_folder(folder, line="verse 1:1", what="words", models=models)
    edit_folder(folder, line="verse 1:1", what="words", models=models, force=True)
    assert not (folder / "notes.txt").exists()


def test_extend_adds_a_bridge_and_keeps_what_came_before(folder, models):
    old, _ = load_folder(folder)
    r = extend_folder(folder, "bridge after chorus 2", models=models, seed=2)
    song, _ = load_folder(folder)
    form = ["intro", "verse", "chorus", "verse", "chorus", "bridge", "outro"]
    assert [s.type for s in song.sections] == form
    assert song.sections[:5] == old.sections[:5]
    assert song.sections[5].lines and len(song.sections[5].lines) == len(song.plan.sections[5].syllables)
    assert song.sections[6].start == old.sections[5].start + song.sections[5].bars * song.plan.bar_ticks
    assert song.history[-1]["what"] == "extend" and "added bridge" in r.messages[0]
    n_before = sum(1 for n in old.vocal if n.onset < old.sections[5].start)
    assert song.vocal[:n_before] == old.vocal[:n_before]
    extend_folder(folder, "chorus before outro", models=models, seed=2)
    song, _ = load_folder(folder)
    assert song.sections[6].type == "chorus" and song.sections[6].repeat_of == 2
    assert [x.text for x in song.sections[6].lines] == [x.text for x in song.sections[2].lines]


def cli(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def test_cli_text_edit_and_undo(folder):
    before = (folder / "song.json").read_bytes()
    r = cli("edit", folder, "--line", "verse 2:1", "--text", "Walking the city lights", "--seed", 1)
    assert r.exit_code == 0, r.output
    assert "Walking the city lights" in r.output and "undo with" in r.output
    assert "Walking the city lights" in (folder / "lyrics.txt").read_text()
    r = cli("edit", folder, "--undo")
    assert r.exit_code == 0, r.output
    assert (folder / "song.json").read_bytes() == before


@pytest.mark.parametrize(("args", "says"), [
    (["--line", "verse 9:1"], "--line 'verse 9:1': the song has 2 verse section(s): 1 intro"),
    (["--bars", "30-31"], "the song has bars 1-20"),
    ([], "give exactly one target"),
    (["--line", "verse 1:1", "--section", "chorus"], "got --line, --section"),
    (["--section", "chorus", "--text", "hi"], "--text: pick the line"),
    (["--line", "verse 1:1", "--words", "--text", "hi"], "drop --words/--notes"),
    (["--undo"], "no earlier version"),
    (["--undo", "--line", "verse 1:1"], "--undo: give it alone"),
    (["--line", "verse 1:2", "--text", "remember " * 20], "--text: 60 syllables, but verse 1 line 2 holds"),
])
def test_cli_bad_input_is_one_line(folder, args, says):
    before = (folder / "song.json").read_bytes()
    r = cli("edit", folder, *args)
    assert r.exit_code == 2, r.output
    err = r.output.strip().splitlines()[-1]
    assert says in err and "Traceback" not in r.output
    assert (folder / "song.json").read_bytes() == before


def test_cli_not_a_song_folder(tmp_path):
    r = cli("edit", tmp_path, "--line", "verse 1:1")
    assert r.exit_code == 2 and "has no song.json" in r.output
    r = cli("extend", tmp_path / "nope", "--add", "bridge")
    assert r.exit_code == 2 and "no such folder" in r.output


def test_cli_refuses_a_newer_song_json(folder):
    text = (folder / "song.json").read_text().replace('"version": 1', '"version": 9', 1)
    (folder / "song.json").write_text(text)
    r = cli("edit", folder, "--line", "verse 1:1", "--text", "Hello my yesterday")
    assert r.exit_code == 2 and "9 is newer than this musegen reads" in r.output
