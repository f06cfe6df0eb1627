"""The model's own choice of end word: header log-probs, scored token by token."""

from __future__ import annotations

import pytest
import torch
from lyrics_tiny import tiny_model

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.ends import end_word_logp, header_prefix
from musegen.lyrics.generate import line_start
from musegen.lyrics.model import wrap
from musegen.lyrics.prompt import line_head

WORDS = ["rain", "again", "pain", "explain", "remain", "train", "champagne", "cellophane", "hurricane"]


@pytest.fixture(scope="module")
def lm():
    return wrap(tiny_model(), load_tokenizer(), prompt_format=3)


@pytest.fixture(scope="module")
def context(lm):
    return lm.prefill(lm.tokenizer.encode("<|im_start|>assistant\n(6 syllables)\nI walk home alone\n",
                                          add_special_tokens=False))


def test_the_prefix_is_the_header_up_to_its_end_word(lm):
    head = lm.tokenizer.encode(line_head(6, "rain"), add_special_tokens=False)
    prefix = header_prefix(lm, 6)
    word = lm.tokenizer.encode(" rain", add_special_tokens=False)
    assert head[: len(prefix)] == prefix and head[len(prefix): len(prefix) + len(word)] == word


def test_each_word_is_scored_by_all_its_tokens(lm, context):
    cache, _ = context
    got = end_word_logp(lm, cache, 6, WORDS, shortlist=len(WORDS))
    assert set(got) == set(WORDS)
    multi = 0
    for w in WORDS:  # teacher-forced, one word at a time: the batched scores must agree
        ids = lm.tokenizer.encode(" " + w, add_special_tokens=False)
        multi += len(ids) > 1
        c, lp = lm.prefill(header_prefix(lm, 6), cache)
        want = 0.0
        for t in ids:
            want += float(lp[0, lm.sub_pos[t]])
            c, lp = lm.prefill([t], c)
        assert got[w] == pytest.approx(want, abs=1e-4), w
    assert multi >= 2  # the check covered words of several tokens


def test_only_the_shortlist_by_first_token_is_scored(lm, context):
    cache, _ = context
    full = end_word_logp(lm, cache, 6, WORDS, shortlist=len(WORDS))
    short = end_word_logp(lm, cache, 6, WORDS, shortlist=3)
    assert len(short) == 3 and all(short[w] == pytest.approx(full[w], abs=1e-4) for w in short)


def test_a_line_names_the_allowed_word_the_model_prefers_first(lm, context):
    cache, logp = context
    scores = end_word_logp(lm, cache, 6, WORDS, shortlist=len(WORDS))
    order = sorted(WORDS, key=lambda w: (-scores[w], w))
    tried: set[str] = set()
    named = [line_start(lm, cache, logp, 6, frozenset(WORDS), tried, None)[3] for _ in range(3)]
    assert named == [{order[0]}, {order[1]}, {order[2]}]  # best first, each once
    with torch.inference_mode():
        assert line_start(lm, cache, logp, 6, frozenset({"rain"}), {"rain"}, None) is None
