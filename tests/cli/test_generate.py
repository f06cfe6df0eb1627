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
