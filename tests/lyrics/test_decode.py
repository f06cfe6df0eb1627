"""The per-token constraint checker, stepped through real tokenizer output (no model)."""

import pytest

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.decode import LineSampler, LineSpec, _State
from musegen.lyrics.vocab import build_token_table, default_words


@pytest.fixture(scope="module")
def sampler():
    return LineSampler(default_words(), build_token_table(load_tokenizer()))


def run(sampler, text, spec):
    tok = load_tokenizer()
    s = _State()
    for t in tok.encode(text, add_special_tokens=False):
        s = sampler.step(s, t, spec)
        if s is None:
            return None
    return s


def test_exact_line_ends(sampler):
    s = run(sampler, "The night is long and cold\n", LineSpec(6))
    assert s is not None and s.done and s.c == 6 and s.words[-1] == "cold"


@pytest.mark.parametrize("text", ["The night is long and cold and grey\n",  # too many syllables
                                  "The night is cold\n",  # newline before the count is reached
                                  "The night is 42 cold\n",  # digits
                                  "The night is long and the\n",  # weak final word
                                  "The night is cold cold cold\n"])  # repeated word
def test_broken_lines_are_rejected(sampler, text):
    assert run(sampler, text, LineSpec(6)) is None


def test_rhyme_final_is_enforced(sampler):
    words = default_words()
    finals = words.rhyme_words("night")
    assert "light" in finals and "night" not in finals
    assert run(sampler, "I walk into the light\n", LineSpec(6, finals=finals)).done
    assert run(sampler, "I walk into the dark\n", LineSpec(6, finals=finals)) is None
    assert run(sampler, "I walk into the night\n", LineSpec(6, finals=finals)) is None  # no self-rhyme


def test_forbidden_banned_and_used_lines(sampler):
    no_cold = LineSpec(6, forbidden_finals=frozenset({"cold"}))
    assert run(sampler, "The night is long and cold\n", no_cold) is None
    assert run(sampler, "The night is long and cold\n", LineSpec(6, banned=frozenset({"long"}))) is None
    assert run(sampler, "The night, the sky, is cold\n", LineSpec(6, max_punct=1)) is None
    assert run(sampler, "The night, the sky is cold\n", LineSpec(6, max_punct=1)).done


def test_prefix_check_looks_ahead(sampler):
    spec = LineSpec(2)
    # "beautiful" has 3 syllables: its first piece may not start a 2-syllable line ending with it
    assert sampler.prefix_ok("beautif", 0, spec) is False
    assert sampler.prefix_ok("hel", 0, spec) is True  # "hello" fits


def test_a_free_line_ends_only_on_an_allowed_word(sampler):
    spec = LineSpec(3, free_finals=frozenset({"night"}))
    assert sampler.final_ok("night", spec) and not sampler.final_ok("day", spec)
    assert sampler.final_ok("day", LineSpec(3))
