import json

import pytest
from click.testing import CliRunner
from musegen.cli.main import main

from musegen.styles.store import StyleCard, styles_root, write_card


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))


def test_styles_list_show_remove():
    runner = CliRunner()
    assert "No styles yet" in runner.invoke(main, ["styles", "list"]).output
    folder = styles_root() / "reels"
    folder.mkdir(parents=True)
    write_card(folder, StyleCard(name="reels", created="now", files_used=["a.mid", "b.mid"]))
    out = runner.invoke(main, ["styles", "list"])
    assert out.exit_code == 0 and "reels\t2 songs" in out.output
    shown = runner.invoke(main, ["styles", "show", "reels"])
    assert json.loads(shown.output)["files_used"] == ["a.mid", "b.mid"]
    assert runner.invoke(main, ["styles", "remove", "reels", "--yes"]).exit_code == 0
    assert not folder.exists()


def test_unknown_style_is_a_one_line_usage_error():
    res = CliRunner().invoke(main, ["styles", "show", "nope"])
    assert res.exit_code == 2
    assert "no such style" in res.output and "Traceback" not in res.output
