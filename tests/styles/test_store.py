import pytest

from musegen.errors import InputError, ModelError
from musegen.styles.store import (
    StyleCard,
    get_style,
    list_styles,
    read_style,
    remove_style,
    styles_root,
    write_card,
)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))


def _make(name):
    folder = styles_root() / name
    folder.mkdir(parents=True)
    write_card(folder, StyleCard(name=name, created="2026-11-22T00:00:00Z", files_used=["a.mid"]))
    return folder


def test_list_get_remove():
    _make("folk")
    _make("jazz")
    (styles_root() / ".half-written.tmp").mkdir()
    assert [s.card.name for s in list_styles()] == ["folk", "jazz"]
    assert get_style("folk").card.files_used == ["a.mid"]
    remove_style("folk")
    assert [s.card.name for s in list_styles()] == ["jazz"]


def test_unknown_style_names_the_available_ones():
    _make("folk")
    with pytest.raises(InputError, match="available: folk"):
        get_style("rock")


@pytest.mark.parametrize("bad", ["", "../x", "a b", "-lead"])
def test_bad_names_are_rejected(bad):
    with pytest.raises(InputError, match="--style"):
        get_style(bad)
    with pytest.raises(InputError, match=r"^NAME"):
        get_style(bad, what="NAME")


def test_malformed_card_is_a_model_error(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "style.json").write_text("{not json")
    with pytest.raises(ModelError, match="malformed"):
        read_style(folder)
