import pytest

from musegen.errors import InputError
from musegen.evaluation.lyrics import plain_rhyme
from musegen.lyrics.rhyme import base_form, homophones, last_word, parse_scheme, rhymes, scheme_of


@pytest.mark.parametrize(("a", "b", "yes"), [("night", "light", True), ("love", "above", True),
                                             ("love", "move", False), ("night", "night", False),
                                             ("Night!", "night", False), ("day", "away", True),
                                             ("glorp", "morp", False)])
def test_rhymes(a, b, yes):
    assert rhymes(a, b) is yes
    assert rhymes(a, b, strict=True) is yes
    assert plain_rhyme(a.strip("!").lower(), b) is yes


@pytest.mark.parametrize(("a", "b", "yes"), [("sea", "see", True), ("morning", "mourning", True),
                                             ("night", "knight", True), ("night", "light", False),
                                             ("sea", "sea", False), ("glorp", "glorp", False)])
def test_homophones(a, b, yes):
    assert homophones(a, b) is yes


def test_scheme_of_and_last_word():
    assert last_word("Under the sky, ") == "sky"
    assert scheme_of(["In the night", "all alone", "burning bright", "made of stone"]) == "ABAB"
    assert scheme_of(["a cat", "a dog", "a hat", "a fat"]) == "ABAA"


def test_parse_scheme():
    assert parse_scheme("ab", 5) == "ABABA"
    assert parse_scheme("", 2) == "XX"
    with pytest.raises(InputError, match="--rhyme"):
        parse_scheme("A-B", 4)


def test_inflections_share_a_base_form():
    for a, b in [("mile", "miles"), ("dance", "dancing"), ("run", "running"), ("lie", "lies"),
                 ("sea", "seas"), ("watch", "watches"), ("tree", "trees")]:
        assert base_form(a) == base_form(b), (a, b)
    for a, b in [("mile", "smile"), ("night", "light"), ("sing", "sin"), ("string", "strong")]:
        assert base_form(a) != base_form(b), (a, b)
