"""The bad-input matrix of issue 10: each case gives a correct result or one clear line, before any work."""

import json
import os
import stat
import subprocess
import sys

import pytest
from songs import make_song

from musegen.errors import InputError, OutputExistsError
from musegen.fsutil import atomic_dir, clean_orphans
from musegen.songfile import dumps_song, load_song, loads_song, save_song
from reliability.helpers import cli, one_clear_line

LYRICS = "[Verse]\nThe rain keeps falling on my window pane\nI count the hours till you come again\n"


# ---------------------------------------------------------------- 1. long strings in song.json
@pytest.mark.parametrize("field", ["title", "mood"])
def test_long_text_survives_song_json(tmp_path, field):
    song = make_song()
    long = "a very long line of words about rain, " * 12
    setattr(song.plan, field, long)
    song.meta["prompt"] = long
    back = loads_song(dumps_song(song))
    assert getattr(back.plan, field) == long and back.meta["prompt"] == long


def test_render_of_a_song_with_a_long_title(tmp_path):
    song = make_song()
    song.plan.title = "T" * 300
    save_song(song, tmp_path / "song.json")
    res = cli("render", tmp_path / "song.json", "--out", tmp_path / "out", "--no-audio")
    assert res.exit_code == 0, res.output
    assert load_song(tmp_path / "out" / "song.json").plan.title == "T" * 300


# ---------------------------------------------------------------- 2. two runs into the same --out
def test_the_loser_of_a_race_for_out_fails_and_the_winner_is_kept(tmp_path):
    out = tmp_path / "d"
    with pytest.raises(OutputExistsError, match="another run"), atomic_dir(out) as mine:
        (mine / "song.json").write_text("mine")
        out.mkdir()  # the other run finishes first
        (out / "song.json").write_text("theirs")
    assert (out / "song.json").read_text() == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_two_processes_racing_for_out_exactly_one_wins(tmp_path):
    script = (
        "import sys, time\n"
        "from musegen.fsutil import atomic_dir\n"
        "from musegen.errors import OutputExistsError\n"
        "try:\n"
        "    with atomic_dir(sys.argv[1]) as d:\n"
        "        (d / 'who').write_text(sys.argv[2])\n"
        "        time.sleep(float(sys.argv[3]))\n"
        "except OutputExistsError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    out = tmp_path / "d"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(out), name, delay], stdout=subprocess.PIPE,
                              text=True) for name, delay in (("a", "0.5"), ("b", "1.0"))]
    codes = sorted(p.wait(timeout=60) for p in procs)
    assert codes == [0, 3]
    assert (out / "who").read_text() == "a"


def test_an_empty_out_folder_is_taken_and_force_replaces(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    with atomic_dir(out) as d:
        (d / "x").write_text("1")
    with atomic_dir(out, force=True) as d:
        (d / "y").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == ["y"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


# ---------------------------------------------------------------- 3. sung words are never dropped
def test_user_lyrics_with_numbers_are_sung_whole(tmp_path):
    import torch

    from musegen.music import vocab as V
    from musegen.music.model import MusicConfig, MusicTransformer
    from musegen.pipeline import compose

    torch.manual_seed(0)
    tiny = MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()
    song = compose("rain", seed=3, lyrics_text="[Verse]\nI got 99 problems\nin 1999 at 3:45\n",
                   music_model=tiny)
    lines = [ln.text for s in song.sections for ln in s.lines]
    assert lines == ["I got ninety-nine problems", "in nineteen ninety-nine at three forty-five"]
    n_syl = sum(len(ln.syllables) for s in song.sections for ln in s.lines)
    sung = {v.syllable for v in song.vocal if v.syllable is not None}
    assert n_syl == 18 and sung == set(range(n_syl))


@pytest.mark.parametrize(("text", "needle"), [
    ("[Verse]\n我爱你我爱你\n", "cannot sing"),
    ("[Verse]\nПривет мой друг\n", "cannot sing"),
    ("[Verse]\n" + "la " * 60 + "\n", "split it"),
])
def test_unsingable_lyrics_are_refused_before_work(tmp_path, no_compose, text, needle):
    lyr = tmp_path / "words.txt"
    lyr.write_text(text, encoding="utf-8")
    res = cli("generate", "--lyrics", lyr, "--out", tmp_path / "o")
    one_clear_line(res, needle)
    assert f"{lyr}:2" in res.output


# ---------------------------------------------------------------- 5. --out that is not a new folder
@pytest.mark.parametrize("out", [".", "", "..", "/"])
def test_out_that_would_replace_the_working_folder_is_refused(tmp_path, monkeypatch, no_compose, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    res = cli("generate", "rain", "--out", out, "--force")
    one_clear_line(res, "--out")
    assert (tmp_path / "keep.txt").read_text() == "mine"


# ---------------------------------------------------------------- 6. leftovers of killed runs
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_leftovers_of_killed_runs_are_cleaned_and_live_ones_kept(tmp_path):
    dead = tmp_path / f".song.p{_dead_pid()}.abcd1234.tmp"
    live = tmp_path / f".song.p{os.getppid()}.abcd1234.tmp"
    legacy = tmp_path / ".keep.x1y2z3w4.tmp"
    for d in (dead, live, legacy):
        d.mkdir()
        (d / "half.mid").write_bytes(b"MThd")
    os.utime(legacy, (1, 1))  # older than this process
    (tmp_path / "other").mkdir()
    removed = clean_orphans(tmp_path)
    assert sorted(removed) == sorted([dead, legacy])
    assert live.is_dir() and (tmp_path / "other").is_dir()


def test_the_next_run_cleans_up_and_styles_list_ignores_leftovers(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MUSEGEN_HOME", str(home))
    root = home / "styles"
    root.mkdir(parents=True)
    (root / f".mine.p{_dead_pid()}.abcd1234.tmp").mkdir()
    (root / ".old.partial").mkdir()
    res = cli("styles", "list")
    assert res.exit_code == 0 and "No styles yet" in res.output
    assert list(root.iterdir()) == []
    song = make_song()
    save_song(song, tmp_path / "song.json")
    (tmp_path / f".out.p{_dead_pid()}.zzzz9999.tmp").mkdir()
    assert cli("render", tmp_path / "song.json", "--out", tmp_path / "out", "--no-audio").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out", "song.json"]


# ---------------------------------------------------------------- 7. checks before the work
@pytest.fixture
def bad_soundfonts(tmp_path):
    empty = tmp_path / "empty.sf2"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.sf2"
    junk.write_bytes(b"not a soundfont at all" * 10)
    cut = tmp_path / "cut.sf2"
    cut.write_bytes(b"RIFF" + (10_000).to_bytes(4, "little") + b"sfbk" + b"\0" * 100)
    return {"empty": empty, "junk": junk, "cut": cut}


@pytest.mark.parametrize(("args", "needle"), [
    (["--key", "H major"], "--key"),
    (["--key", "C dorian"], "--key"),
    (["--tempo", "0"], "--tempo"),
    (["--tempo", "5000"], "--tempo"),
    (["--meter", "7/9"], "--meter"),
    (["--soundfont", "{tmp}/missing.sf2"], "missing.sf2: no such file"),
    (["--soundfont", "{empty}"], "not a SoundFont"),
    (["--soundfont", "{junk}"], "not a SoundFont"),
    (["--soundfont", "{cut}"], "truncated"),
    (["--style", "nosuch"], "--style nosuch"),
    (["--bars", "2,8"], "needs --form"),
    (["--form", "verse,chorus", "--bars", "2,8,4"], "--bars"),
    (["--no-audio", "--format", "flac"], "--format: no audio"),
    (["--no-audio", "--soundfont", "{junk}"], "--soundfont: no audio"),
    (["--no-audio", "--vocals", "off"], "--vocals: no audio"),
])
def test_bad_arguments_fail_before_any_work(tmp_path, no_compose, bad_soundfonts, args, needle):
    fill = {"tmp": tmp_path, **bad_soundfonts}
    res = cli("generate", "rain", "--out", tmp_path / "o", *[a.format(**fill) for a in args])
    one_clear_line(res, needle.format(**fill))
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("out", ["/proc/x", "/proc/self/x/y"])
def test_unwritable_out_fails_before_any_work(tmp_path, no_compose, out):
    one_clear_line(cli("generate", "rain", "--out", out), "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_parent_fails_before_any_work(tmp_path, no_compose):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    one_clear_line(cli("generate", "rain", "--out", ro / "song"), "not writable")


def test_render_checks_out_and_soundfont_before_reading_the_song(tmp_path, bad_soundfonts):
    res = cli("render", tmp_path / "nosuch.json", "--out", "/proc/x")
    one_clear_line(res, "--out")
    save_song(make_song(), tmp_path / "song.json")
    one_clear_line(cli("render", tmp_path / "song.json", "--out", tmp_path / "o", "--soundfont",
                       bad_soundfonts["junk"]), "not a SoundFont")
    one_clear_line(cli("render", tmp_path / "song.json", "--out", tmp_path / "o", "--no-audio", "--format",
                       "flac"), "--format: no audio")


# ---------------------------------------------------------------- 8. unclear messages
def test_key_respelling_is_said(tmp_path, monkeypatch):
    import musegen.pipeline as pipeline

    seen = {}

    def fake(prompt, **kw):
        seen.update(kw)
        raise InputError("stop here")

    monkeypatch.setattr(pipeline, "compose", fake)
    res = cli("generate", "rain", "--out", tmp_path / "o", "--key", "Cb major")
    assert "written as B major" in res.output and seen["key"] == "Cb major"
    quiet = cli("generate", "rain", "--out", tmp_path / "o", "--key", "A minor")
    assert "written as" not in quiet.output


def test_errors_found_during_the_work_have_no_usage_header(tmp_path, monkeypatch):
    import musegen.pipeline as pipeline

    def fail(*a, **k):
        raise InputError("section 2 (verse): phrase 1 needs 40 notes; split the line")

    monkeypatch.setattr(pipeline, "compose", fail)
    res = cli("generate", "rain", "--out", tmp_path / "o")
    one_clear_line(res, "split the line", code=1)
    assert "Usage:" not in res.output


def test_internal_errors_are_one_line_and_verbose_shows_the_traceback(tmp_path, monkeypatch):
    import musegen.pipeline as pipeline

    def crash(*a, **k):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(pipeline, "compose", crash)
    res = cli("generate", "rain", "--out", tmp_path / "o")
    one_clear_line(res, "internal error (ZeroDivisionError: oops)", code=1)
    assert "--verbose" in res.output
    verbose = cli("--verbose", "generate", "rain", "--out", tmp_path / "o")
    assert isinstance(verbose.exception, ZeroDivisionError)


def test_an_overlong_song_is_refused_before_models_load(tmp_path, monkeypatch):
    import musegen.pipeline as pipeline

    def no_models(*a, **k):
        raise AssertionError("models loaded")

    monkeypatch.setattr(pipeline, "_models", no_models)
    lyr = tmp_path / "long.txt"
    lyr.write_text("[Verse]\n" + "The rain keeps falling on my window pane\n" * 200)
    res = cli("generate", "--lyrics", lyr, "--out", tmp_path / "o", "--no-audio")
    one_clear_line(res, "--max-minutes", code=1)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["styles", "show", "nosuch"], "NAME: nosuch: no such style"),
    (["styles", "show", "../x"], "NAME: '../x'"),
    (["styles", "remove", "nosuch", "--yes"], "NAME: nosuch"),
    (["finetune", "--midi", "/nonexistent/songs", "--name", "x"], "/nonexistent/songs: no such folder"),
    (["lyrics", "rain", "--syllables", "8,8,8,8", "--rhyme", "ABABCC"], "ABABCC': 6 letters for"),
])
def test_messages_name_the_argument_and_the_fix(tmp_path, monkeypatch, args, needle):
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))
    res = cli(*args)
    one_clear_line(res, needle.split(": ", 1)[-1] if needle.startswith("NAME") else needle)
    if needle.startswith("NAME"):
        assert "NAME" in res.output and "--style" not in res.output and "--name" not in res.output


@pytest.mark.parametrize(("data", "reason"), [(b"", "empty file (0 bytes)"),
                                              (None, "truncated MIDI file")])
def test_truncated_or_empty_midi_is_skipped_with_a_readable_reason(tmp_path, data, reason):
    from training.catalog_fixtures import write_song

    from musegen.training.catalog import read_catalog

    full = write_song(tmp_path / "full.mid")
    bad = tmp_path / "bad.mid"
    bad.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2] if data is None else data)
    report = read_catalog(tmp_path)
    assert reason in report.skipped[str(bad)] and "Error" not in report.skipped[str(bad)]


# ---------------------------------------------------------------- 9. noise
@pytest.mark.parametrize(("flag", "shown"), [(False, False), (True, True)])
def test_third_party_warnings_are_silent_unless_verbose(flag, shown):
    code = ("import warnings\n"
            "from musegen.cli.quiet import configure_output\n"
            f"configure_output({flag})\n"
            "warnings.warn_explicit('`x` is deprecated', FutureWarning, 'modeling_utils.py', 1,"
            " module='transformers.modeling_utils')\n"
            "import logging; logging.getLogger('transformers').warning('[transformers] chatter')\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert ("deprecated" in res.stderr) is shown and ("chatter" in res.stderr) is shown


def test_song_json_written_by_generate_is_plain_json(tmp_path):
    song = make_song()
    song.plan.mood = "m" * 500
    text = dumps_song(song)
    assert json.loads(text)["plan"]["mood"] == "m" * 500
