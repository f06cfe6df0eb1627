"""End scores: the last word and line break of a line, read after the section's lines as plain lyrics."""

from __future__ import annotations

import pytest
from lyrics_tiny import tiny_model

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.endscore import HEADER, EndScorer, printed_line
from musegen.lyrics.model import wrap


@pytest.fixture(scope="module")
def lm():
    return wrap(tiny_model(prior=False), load_tokenizer())


def _by_steps(lm, context: str, line: str) -> float:
    """The same score token by token: log-probs of the last word's tokens and the line break."""
    ids = lm.tokenizer.encode(printed_line(line) + "\n", add_special_tokens=False)
    toks = lm.tokenizer.convert_ids_to_tokens(ids)
    last = max(i for i, s in enumerate(toks[:-1]) if s.startswith("\u0120"))
    cache, logp = lm.prefill(lm.tokenizer.encode(HEADER + context, add_special_tokens=False))
    total = 0.0
    for j, t in enumerate(ids):
        if j >= last:
            total += float(logp[0, lm.sub_pos[t]])
        cache, logp = lm.prefill([t], cache)
    return total


def test_a_batch_of_lines_is_scored_like_each_line_token_by_token(lm):
    e = EndScorer(lm)
    e.accept("the rain falls on my window")
    lines = ["i walk alone tonight", "we hold on to the morning light", "home"]
    got = e(lines)
    want = [_by_steps(lm, "The rain falls on my window\n", x) for x in lines[:2]]
    assert got[:2] == pytest.approx(want, abs=0.05)  # padding and batching change nothing
    assert got[2] < 0  # a one-word line: its word is read after the lines before it


def test_a_new_section_forgets_the_lines_before(lm):
    e = EndScorer(lm)
    fresh = e(["we hold on to the light"])
    e.accept("the rain falls on my window")
    assert e(["we hold on to the light"]) != pytest.approx(fresh, abs=1e-4)
    e.new_section()
    assert e(["we hold on to the light"]) == pytest.approx(fresh, abs=1e-3)


def test_printed_line_capitalises_like_the_lyrics():
    assert printed_line(" i know. we go ") == "I know. We go"


def test_a_line_it_scored_is_accepted_from_its_own_rows_as_if_run_again(lm):
    """Accepting a scored line reuses the rows it ran; the next lines score as after a fresh prefill."""
    lines = ["i walk alone tonight", "we hold on to the morning light"]
    reused = EndScorer(lm)
    reused(["the rain falls on my window", "the sun is cold"])
    reused.accept("The rain falls on my window")  # printed as the lyrics print it: the same line
    assert reused.pending == reused.newline  # only the line break is left to run
    again = EndScorer(lm)
    again.accept("the rain falls on my window")
    assert not again.pending
    assert reused(lines) == pytest.approx(again(lines), abs=1e-3)
    reused.accept("a line it never read")  # falls back to running it
    again.accept("a line it never read")
    assert reused(lines) == pytest.approx(again(lines), abs=1e-3)
