import numpy as np

from musegen.lyrics.decode import Candidate
from musegen.lyrics.rerank import Reranker, slor

VOCAB = ["rain", "night", "window", "tax", "form", "falls", "on", "the", "my", "is", "of", "and", "file"]


def fake_embed(texts):
    """Bag-of-words vectors over VOCAB (unit length): enough to test the weighting, no model."""
    out = np.zeros((len(texts), len(VOCAB)), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            if w in VOCAB:
                out[i, VOCAB.index(w)] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def cand(text, logp):
    words = text.lower().split()
    return Candidate(ids=[0], words=words, logp=logp, n=len(words))


def test_slor_prefers_rare_content_words_at_equal_model_logprob():
    content, function = ["rain", "falls", "on", "my", "window"], ["and", "the", "of", "is", "the"]
    assert slor(content, -20.0) > slor(function, -20.0)


def test_rerank_prefers_the_relevant_line_and_rejects_hard_problems():
    texts = {}
    r = Reranker(decode=lambda ids: texts[ids[0]], prompt="rain at night", embed=fake_embed)
    r.set_plan("rain night window")
    cands = [cand("the tax form is on file", -18.0), cand("rain falls on the window", -18.0),
             cand("rain falls on my window and", -5.0)]
    for i, c in enumerate(cands):
        c.ids = [i]
        texts[i] = " ".join(c.words)
    assert r(cands) == 1  # the dangling one loses despite its far better log-prob
    assert r.stats["rejected"] == 1


def test_assistant_talk_loses_to_a_sung_line():
    texts = {}
    r = Reranker(decode=lambda ids: texts[ids[0]], prompt="rain at night", embed=fake_embed)
    r.set_plan("rain night window")
    cands = [cand("how to see the rain at night", -5.0), cand("the following is rain at night", -5.0),
             cand("what is an example of rain", -5.0), cand("a user wants to know how", -5.0),
             cand("how would you suggest I should rest", -5.0), cand("if you want to create a dog", -5.0),
             cand("rain falls on my window", -18.0)]
    for i, c in enumerate(cands):
        c.ids = [i]
        texts[i] = " ".join(c.words)
    assert r(cands) == 6 and r.stats["rejected"] == 6
