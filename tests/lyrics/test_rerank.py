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


def test_an_echoed_end_word_loses_to_a_line_with_its_own_end():
    texts = {}
    r = Reranker(decode=lambda ids: texts[ids[0]], prompt="rain at night", embed=fake_embed)
    r.set_plan("rain night window")
    cands = [cand("the rain is raining rained", -4.0), cand("the rain falls on my window", -18.0)]
    for i, c in enumerate(cands):
        c.ids = [i]
        texts[i] = " ".join(c.words)
    assert r(cands) == 1 and r.stats["rejected"] == 1


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


def test_task_register_lines_are_rejected_but_a_classic_line_is_not():
    from musegen.lyrics.rerank import ASSISTANT_TALK

    for t in ["Your answer must contain place?", "Your response should be strong", "Please use these words",
              "You are asked to choose best", "The response is about sleep.", "Add to your answer and move",
              "Click here to post your music stream"]:
        assert ASSISTANT_TALK.match(t), t
    for t in ["The answer is blowing in the wind", "Please come home", "Let me go"]:
        assert not ASSISTANT_TALK.match(t), t


def test_register_prototype_moves_the_choice_toward_the_song_line():
    from musegen.lyrics import rerank as R

    texts = {0: "the answer is in the passed", 1: "the rain falls on my window"}

    def embed(ts):  # 2-d: axis 0 "song", axis 1 "assistant"; prototypes land on their axes
        song, talk = set(R.SONG_LINES), set(R.ASSISTANT_LINES)
        rows = [[1.0, 0.0] if t in song or "rain" in t else [0.0, 1.0] if t in talk or "answer" in t
                else [0.7, 0.7] for t in ts]
        return np.array(rows, dtype=np.float32)

    r = Reranker(decode=lambda ids: texts[ids[0]], prompt="rain", embed=embed)
    cands = [Candidate([0], texts[0].split(), -10.0, 6), Candidate([1], texts[1].split(), -10.6, 6)]
    assert r(cands) == 1  # equal fluency within 0.1 per word: the song's register wins
    assert r(cands, bonus=[R.REGISTER_WEIGHT * 3, 0.0]) == 0  # a bonus is added to the score


def test_a_bent_end_loses_to_a_line_that_reaches_its_end_word():
    texts = {}
    r = Reranker(decode=lambda ids: texts[ids[0]], prompt="rain at night", embed=fake_embed,
                 ends=lambda ts: [-20.0 if "wall" in t else -6.0 for t in ts])
    r.set_plan("rain night window")
    cands = [cand("the rain falls on the window wall", -8.0), cand("the rain falls on my window", -9.0)]
    for i, c in enumerate(cands):
        c.ids = [i]
        texts[i] = " ".join(c.words)
    assert r(cands) == 1 and r.last_end == -6.0
    assert r.prev_vec is None  # chosen, not yet the previous line
    r.accept()
    assert r.prev_vec is not None
