"""One section's lines (`lyrics.section`): line headers, opener steering, echo and bent-end retries."""

from __future__ import annotations

import pytest
from lyrics_tiny import tiny_model

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.decode import SampledLine
from musegen.lyrics.generate import write_lyrics
from musegen.lyrics.model import wrap
from musegen.lyrics.sections import plan_for_lyrics


@pytest.fixture(scope="module")
def lm():
    return wrap(tiny_model(), load_tokenizer())


def test_format_3_lines_open_with_a_header_naming_one_end_word(lm):
    from musegen.lyrics.prompt import line_head
    from musegen.lyrics.section import line_start

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    cache, logp = lm3.prefill(lm3.tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False))
    tried: set[str] = set()
    rank = {"rain": 0, "pain": 1}.get
    got = [line_start(lm3, cache, logp, 6, frozenset({"pain", "rain"}), tried, rank, prior=0.0)
           for _ in range(3)]
    assert got[0][2] == lm3.tokenizer.encode(line_head(6, "rain"), add_special_tokens=False)
    assert got[0][3] == {"rain"} and got[1][3] == {"pain"} and got[2] is None  # best first, each once
    _, _, head, finals = line_start(lm3, cache, logp, 6, None, set())
    assert finals is None and lm3.tokenizer.decode(head) == "(6 syllables)\n"
    assert line_start(lm, cache, logp, 6, frozenset({"rain"}), set())[2:] == ([], frozenset({"rain"}))


def test_a_line_is_steered_off_the_previous_lines_first_word_and_scored_without_it(lm):
    """The opener bias shapes the first token only ("I am … / I am …"), never the candidate's score."""
    import torch

    from musegen.lyrics.decode import LineSampler, LineSpec, sample_line
    from musegen.lyrics.section import OPENER_PENALTY, _opener_bias
    from musegen.lyrics.vocab import default_words

    prev = lm.tokenizer.encode("I am cold", add_special_tokens=False)
    b = _opener_bias(lm, prev)
    assert b is not None and float(b[lm.sub_pos[prev[0]]]) == -OPENER_PENALTY and int((b != 0).sum()) == 1
    assert _opener_bias(lm, None) is None

    sampler = LineSampler(default_words(), lm.tokens)
    cache, logp = lm.prefill(lm.tokenizer.encode("Rain on the window\n", add_special_tokens=False))
    seen: list = []

    def pick(cands):
        seen.extend(cands)
        return 0

    def firsts(first_bias):
        seen.clear()
        sample_line(lm, cache, logp, LineSpec(5), sampler, batch=8, gen=torch.Generator().manual_seed(2),
                    pick=pick, first_bias=first_bias)
        return {c.ids[0] for c in seen}, list(seen)

    free, _ = firsts(None)
    banned = torch.zeros(logp.shape[-1])
    banned[[lm.sub_pos[t] for t in free]] = -1e4
    other, cands = firsts(banned)
    assert cands and not other & free
    c = cands[0]
    own, step = 0.0, logp.reshape(-1)
    for t in c.ids:
        own += float(step[lm.sub_pos[t]])
        cache, step = lm.prefill([t], cache)
        step = step.reshape(-1)
    assert c.logp == pytest.approx(own, abs=1e-2)  # the -1e4 on the other first tokens is not in it


def test_a_line_that_echoes_its_end_word_is_written_again_on_another(lm, monkeypatch):
    """Every candidate of a try bolted its end word onto a clause that said it ("crying cried"): next try."""
    import musegen.lyrics.section as gen

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []

    def fake(lm_, cache, logp, spec, sampler, **kw):
        tries.append(spec.finals)
        text = "they are crying cried" if len(tries) == 1 else "the rain falls on me"
        return SampledLine(lm_.tokenizer.encode(text, add_special_tokens=False), text.split(), -1.0, cache)

    monkeypatch.setattr(gen, "sample_line", fake)
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["verse"], [5], "X")
    ly = write_lyrics(plan, seed=7, model=lm3, stats=stats)
    assert ly.sections[0].lines[0].text == "The rain falls on me"
    assert stats["echo_ends_retried"] == 1 and len(tries) == 2


def test_the_chorus_hook_line_is_kept_even_when_it_echoes(lm, monkeypatch):
    """The chorus carries its hook: an echo there is left to the reranker, never a reason to drop the hook."""
    import musegen.lyrics.section as gen

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []

    def fake(lm_, cache, logp, spec, sampler, **kw):
        tries.append(spec.finals)
        text = f"the {sorted(spec.finals)[0]}s of my {sorted(spec.finals)[0]}"
        return SampledLine(lm_.tokenizer.encode(text, add_special_tokens=False), text.split(), -1.0, cache)

    monkeypatch.setattr(gen, "sample_line", fake)
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["chorus"], [5], "X")
    write_lyrics(plan, seed=7, model=lm3, stats=stats)
    assert tries == [frozenset({stats["hook"]})] and "echo_ends_retried" not in stats


def _scripted(lines: list[str], tries: list):
    """A `sample_line` that writes `lines` in turn, one candidate each, chosen by the real reranker."""
    from musegen.lyrics.decode import Candidate

    def fake(lm_, cache, logp, spec, sampler, **kw):
        tries.append(spec.finals)
        text = lines[min(len(tries), len(lines)) - 1]
        ids = lm_.tokenizer.encode(text, add_special_tokens=False)
        kw["pick"]([Candidate(ids, text.split(), -10.0, len(ids))])
        return SampledLine(ids, text.split(), -1.0, cache)

    return fake


def test_a_bent_line_end_is_written_again_on_the_next_end_word(lm, monkeypatch):
    """ "… the dance floor for wall": the line is written again on another end word; the likelier kept."""
    import musegen.lyrics.section as gen

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []
    lines = ["we danced on the floor for wall", "the rain falls on me"]
    monkeypatch.setattr(gen, "sample_line", _scripted(lines, tries))
    monkeypatch.setattr(gen.EndScorer, "__call__",
                        lambda self, ts: [-20.0 if "wall" in t else -5.0 for t in ts])
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["verse"], [5], "X")
    ly = write_lyrics(plan, seed=7, model=lm3, stats=stats)
    assert ly.sections[0].lines[0].text == "The rain falls on me"
    assert stats["bent_ends_retried"] == 1 and len(tries) == 2


@pytest.mark.parametrize("retries", [1, 2])
def test_bent_ends_are_retried_at_most_end_retries_times_and_the_likeliest_is_kept(lm, monkeypatch, retries):
    import musegen.lyrics.section as gen

    monkeypatch.setattr(gen, "END_RETRIES", retries)
    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []
    lines = ["we danced on the floor for wall", "the night is a little cold brick",
             "they are a map of the loud"]
    monkeypatch.setattr(gen, "sample_line", _scripted(lines, tries))
    scores = {"wall": -19.0, "brick": -17.0, "loud": -21.0}
    monkeypatch.setattr(gen.EndScorer, "__call__",
                        lambda self, ts: [scores[t.split()[-1]] for t in ts])
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["verse"], [5], "X")
    ly = write_lyrics(plan, seed=7, model=lm3, stats=stats)
    assert ly.sections[0].lines[0].text == "The night is a little cold brick"
    assert stats["bent_ends_retried"] == retries and len(tries) == retries + 1


def test_a_bent_hook_line_is_written_again_on_the_hook(lm, monkeypatch):
    """The chorus opens on its hook: a bent hook line is written toward the same word again, never another."""
    import musegen.lyrics.section as gen

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []

    def fake(lm_, cache, logp, spec, sampler, **kw):
        from musegen.lyrics.decode import Candidate

        tries.append(spec.finals)
        word = sorted(spec.finals)[0]
        text = f"the sun for {word}" if len(tries) == 1 else f"we sing of {word}"
        ids = lm_.tokenizer.encode(text, add_special_tokens=False)
        kw["pick"]([Candidate(ids, text.split(), -10.0, len(ids))])
        return SampledLine(ids, text.split(), -1.0, cache)

    monkeypatch.setattr(gen, "sample_line", fake)
    monkeypatch.setattr(gen.EndScorer, "__call__",
                        lambda self, ts: [-20.0 if "sun for" in t else -17.0 for t in ts])
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["chorus"], [5], "X")
    ly = write_lyrics(plan, seed=7, model=lm3, stats=stats)
    hook = frozenset({stats["hook"]})
    assert tries == [hook, hook] and stats["bent_ends_retried"] == 1  # both bent: no third word tried
    assert ly.sections[0].lines[0].text.startswith("We sing of")


def test_a_line_opening_a_rhyme_ends_freely_first_and_its_partner_rhymes_with_what_it_said(lm, monkeypatch):
    """A planned end word bent the line it ended ("I will always have a plumber"): the line that opens a
    rhyme letter is first written without one; its partner then takes a rhyme of the word it ended on."""
    import musegen.lyrics.section as gen
    from musegen.lyrics.rhyme import rhyme_key

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    tries: list[frozenset | None] = []
    free = {0: "the night is cold", 1: "I walk alone"}

    def fake(lm_, cache, logp, spec, sampler, **kw):
        tries.append(spec.finals)
        text = free[len(tries) - 1] if len(tries) <= 2 else f"we sing of {sorted(spec.finals)[0]}"
        return SampledLine(lm_.tokenizer.encode(text, add_special_tokens=False), text.split(), -1.0, cache)

    monkeypatch.setattr(gen, "sample_line", fake)
    plan = plan_for_lyrics("rain on the window, lost love", ["verse"], [5, 4, 5, 4], "ABAB")
    ly = write_lyrics(plan, seed=7, model=lm3)
    assert tries[0] is None and tries[1] is None  # both openers: no end word named
    assert len(tries[2]) == 1 and rhyme_key(next(iter(tries[2]))) == rhyme_key("cold")
    assert len(tries[3]) == 1 and rhyme_key(next(iter(tries[3]))) == rhyme_key("alone")
    assert [x.text.split()[-1] for x in ly.sections[0].lines][:2] == ["cold", "alone"]
