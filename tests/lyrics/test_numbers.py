"""Numbers in user lyrics are spelled out as they are sung."""

import pytest

from musegen.lyrics.numbers import cardinal, ordinal, spell_numbers, year


@pytest.mark.parametrize(("n", "words"), [(0, "zero"), (13, "thirteen"), (99, "ninety-nine"),
                                          (105, "one hundred five"), (1005, "one thousand five"),
                                          (2_000_000, "two million")])
def test_cardinal(n, words):
    assert cardinal(n) == words


@pytest.mark.parametrize(("n", "words"), [(1999, "nineteen ninety-nine"), (1905, "nineteen oh five"),
                                          (1900, "nineteen hundred"), (2005, "two thousand five"),
                                          (2024, "twenty twenty-four")])
def test_year(n, words):
    assert year(n) == words


def test_ordinal():
    assert [ordinal(n) for n in (1, 2, 3, 12, 21, 40, 100)] == [
        "first", "second", "third", "twelfth", "twenty-first", "fortieth", "one hundredth"]


@pytest.mark.parametrize(("text", "sung"), [
    ("I got 99 problems", "I got ninety-nine problems"),
    ("1999 at 3:45", "nineteen ninety-nine at three forty-five"),
    ("home by 3:00 and out at 10pm", "home by three o'clock and out at ten P M"),
    ("the 21st of May", "the twenty-first of May"),
    ("50% of $5", "fifty percent of five dollars"),
    ("back in the 80s", "back in the eighties"),
    ("class of '99", "class of ninety-nine"),
    ("4ever young", "four ever young"),
    ("1,000,000 stars", "one million stars"),
    ("rock & roll", "rock and roll"),
    ("no digits here", "no digits here"),
])
def test_spell_numbers(text, sung):
    assert spell_numbers(text) == sung
    assert not any(c.isdigit() for c in spell_numbers(text))
