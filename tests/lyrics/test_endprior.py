"""The end word a format-3 header names, as the model expects it (`lyrics.endprior`)."""

from __future__ import annotations

import pytest
import torch
from lyrics_tiny import tiny_model

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.endprior import OUTSIDE, end_word_prior, header_opening
from musegen.lyrics.model import wrap
from musegen.lyrics.prompt import line_head


@pytest.fixture(scope="module")
def lm3():
    return wrap(tiny_model(), load_tokenizer(), prompt_format=3)


def _stepwise(lm, cache, last, word: str) -> float:
    """The word's log-prob token by token, each token run on its own."""
    total = 0.0
    for tok in lm.tokenizer.encode(" " + word, add_special_tokens=False):
        total += float(last[0, lm.sub_pos[tok]]) if tok in lm.sub_pos else OUTSIDE
        cache, last = lm.prefill([tok], cache)
    return total


def test_each_word_is_scored_as_the_header_would_read_it(lm3):
    cache, _ = lm3.prefill(lm3.tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False))
    opening = header_opening(lm3, 6)
    assert lm3.tokenizer.encode(line_head(6, "rain"), add_special_tokens=False)[:len(opening)] == opening
    ocache, olast = lm3.prefill(opening, cache)
    words = ["rain", "understanding", "heartbreaking", "go"]
    assert any(len(lm3.tokenizer.encode(" " + w, add_special_tokens=False)) > 1 for w in words)
    got = end_word_prior(lm3, ocache, olast, words)
    for w in words:
        assert got[w] == pytest.approx(_stepwise(lm3, ocache, olast, w), abs=1e-3)
    assert len({round(v, 3) for v in got.values()}) > 1  # it tells the words apart


def test_a_line_start_takes_the_word_plan_and_model_rank_best_and_runs_its_whole_header(lm3):
    from musegen.lyrics.section import PRIOR_WEIGHT, line_start

    cache, logp = lm3.prefill(lm3.tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False))
    words = frozenset({"rain", "pain", "again", "chain"})
    ocache, olast = lm3.prefill(header_opening(lm3, 6), cache)
    lp = end_word_prior(lm3, ocache, olast, sorted(words))
    best = max(sorted(words), key=lambda w: lp[w])
    got = line_start(lm3, cache, logp, 6, words, set(), None)
    assert got[3] == {best}
    whole_cache, whole_logp = lm3.prefill(lm3.tokenizer.encode(line_head(6, best), add_special_tokens=False),
                                          cache)
    assert got[0].len == whole_cache.len and torch.allclose(got[1], whole_logp, atol=1e-4)

    class Plan:  # a plan that likes the model's least expected word by more than the prior can make up
        def __init__(self, word: str) -> None:
            self.word = word

        def plan(self, w: str) -> float:
            return 1.0 + PRIOR_WEIGHT * (max(lp.values()) - min(lp.values())) if w == self.word else 0.0

        def __call__(self, w: str) -> tuple:
            return -self.plan(w), w

    worst = min(sorted(words), key=lambda w: lp[w])
    assert line_start(lm3, cache, logp, 6, words, set(), Plan(worst))[3] == {worst}
    assert line_start(lm3, cache, logp, 6, words, set(), Plan(worst), prior=0.0)[3] == {worst}
    assert line_start(lm3, cache, logp, 6, words, set(), None, prior=0.0)[3] == {"again"}  # alphabetical
