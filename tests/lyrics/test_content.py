import pytest

from musegen.errors import InputError
from musegen.lyrics.content import default_blocklist, is_clean, load_blocklist


def test_default_list_catches_inflections():
    assert "shit" in default_blocklist() and "fucking" in default_blocklist()
    assert not is_clean("What the fuck")
    assert is_clean("The night is dark and cold")


def test_custom_list_and_missing_file(tmp_path):
    f = tmp_path / "block.txt"
    f.write_text("# mine\nmoon\n")
    bl = load_blocklist(f)
    assert not is_clean("the moons", bl) and is_clean("what the fuck", bl)
    with pytest.raises(InputError, match="--blocklist"):
        load_blocklist(tmp_path / "nope.txt")


def test_common_insults_a_small_model_writes_are_filtered():
    # "They would not want to call them ass" came out of a dev song in session 12
    assert not is_clean("They would not want to call them ass")
    assert not is_clean("a badass jackass")
    assert is_clean("the grass and the glass of the class")  # words that contain it are sung
