"""Constrained generation with a tiny model and the real tokenizer: the constraints must hold anyway."""

from __future__ import annotations

import pytest
from lyrics_tiny import tiny_model

from musegen.errors import InputError
from musegen.evaluation.lyrics import final_word, line_syllables, plain_rhyme, rhyme_pairs
from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.decode import SampledLine
from musegen.lyrics.generate import write_lyrics
from musegen.lyrics.model import wrap
from musegen.lyrics.parse import lyrics_to_text
from musegen.lyrics.sections import plan_for_lyrics
from musegen.lyrics.syllables import count_line

FORM = ["intro", "verse", "chorus", "verse", "chorus"]
SYL = [6, 5, 6, 5]


@pytest.fixture(scope="module")
def lm():
    return wrap(tiny_model(), load_tokenizer())


@pytest.fixture(scope="module")
def song(lm):
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", FORM, SYL, "ABAB")
    return plan, write_lyrics(plan, seed=7, model=lm, stats=stats), stats


def test_sections_follow_the_plan(song):
    plan, ly, _ = song
    assert [s.type for s in ly.sections] == [s.type for s in plan.sections]
    assert ly.sections[0].lines == []  # intro: instrumental
    assert ly.sections[4].repeat_of == 2
    assert [x.text for x in ly.sections[4].lines] == [x.text for x in ly.sections[2].lines]


def test_every_line_has_exact_syllables_by_both_counts(song):
    _, ly, _ = song
    for sec in ly.sections[1:]:
        assert len(sec.lines) == len(SYL)
        for line, n in zip(sec.lines, SYL, strict=True):
            assert count_line(line.text) == n, line.text
            assert line_syllables(line.text) == n, line.text  # EVALUATION.md's plain CMU count
            assert len(line.syllables) == n


def test_no_repeated_lines_and_verses_differ(song):
    _, ly, _ = song
    v1, v2 = ([x.text for x in s.lines] for s in (ly.sections[1], ly.sections[3]))
    assert v1 != v2
    for lines in (v1, v2):
        assert len(set(lines)) == len(lines)
    assert not set(v1) & set(v2)


def test_rhyme_scheme_kept_unless_reported_relaxed(song):
    _, ly, stats = song
    req, forb = rhyme_pairs("ABAB")
    missed = 0
    for sec in (ly.sections[1], ly.sections[2], ly.sections[3]):
        ends = [final_word(x.text) for x in sec.lines]
        missed += sum(not plain_rhyme(ends[i], ends[j]) for i, j in req)
        assert not any(plain_rhyme(ends[i], ends[j]) for i, j in forb)  # false rhymes never
        assert len(set(ends)) == len(ends)  # no self-rhyme
    # a relaxed line is free, and may still rhyme by chance
    assert missed <= stats["relaxed_rhymes"] + stats.get("near_rhymes", 0)


def test_same_seed_same_words_other_seed_other_words(lm):
    plan = plan_for_lyrics("summer", ["verse"], [4, 4], "AA")
    a = lyrics_to_text(write_lyrics(plan, seed=1, model=lm))
    assert a == lyrics_to_text(write_lyrics(plan, seed=1, model=lm))
    assert a != lyrics_to_text(write_lyrics(plan, seed=2, model=lm))


def test_blocklist_words_never_appear(lm):
    plan = plan_for_lyrics("night", ["verse"], [5, 5], "XX")
    free = write_lyrics(plan, seed=3, model=lm, blocklist=frozenset())
    used = {w.lower() for x in free.sections[0].lines for w in x.text.replace(",", " ").split()}
    blocked = frozenset(w.strip(".,;!?") for w in used)
    again = write_lyrics(plan, seed=3, model=lm, blocklist=blocked)
    again_words = {w.lower().strip(".,;!?") for x in again.sections[0].lines for w in x.text.split()}
    assert not again_words & blocked


@pytest.mark.parametrize(("form", "syl", "rhyme"), [(["verse", "solo"], [8], "A"), (["verse"], [0], "A"),
                                                     (["verse"], [8], "A1"), ([], [8], "A")])
def test_bad_plans_are_input_errors(form, syl, rhyme):
    with pytest.raises(InputError):
        plan_for_lyrics("x", form, syl, rhyme)


def test_format_3_lines_open_with_a_header_naming_one_end_word(lm):
    from musegen.lyrics.generate import line_start
    from musegen.lyrics.prompt import line_head

    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    cache, logp = lm3.prefill(lm3.tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False))
    tried: set[str] = set()
    rank = {"rain": 0, "pain": 1}.get
    got = [line_start(lm3, cache, logp, 6, frozenset({"pain", "rain"}), tried, rank) for _ in range(3)]
    assert got[0][2] == lm3.tokenizer.encode(line_head(6, "rain"), add_special_tokens=False)
    assert got[0][3] == {"rain"} and got[1][3] == {"pain"} and got[2] is None  # best first, each once
    _, _, head, finals = line_start(lm3, cache, logp, 6, None, set())
    assert finals is None and lm3.tokenizer.decode(head) == "(6 syllables)\n"
    assert line_start(lm, cache, logp, 6, frozenset({"rain"}), set())[2:] == ([], frozenset({"rain"}))


def test_format_3_model_keeps_every_constraint(lm):
    lm3 = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    stats: dict = {}
    plan = plan_for_lyrics("rain on the window, lost love", ["verse", "chorus"], SYL, "ABAB")
    ly = write_lyrics(plan, seed=7, model=lm3, stats=stats)
    req, _ = rhyme_pairs("ABAB")
    for sec in ly.sections:
        assert [line_syllables(x.text) for x in sec.lines] == SYL
        assert not any("syllables" in x.text for x in sec.lines)  # the header is never printed
        ends = [final_word(x.text) for x in sec.lines]
        missed = sum(not plain_rhyme(ends[i], ends[j]) for i, j in req)
        assert missed <= stats["relaxed_rhymes"] + stats.get("near_rhymes", 0)


def test_a_candidates_score_is_the_models_own_log_prob(lm):
    """The theme bias and the rhyme steer shape sampling only: a forced word must not look fluent."""
    import torch

    from musegen.lyrics.decode import LineSampler, LineSpec, sample_line
    from musegen.lyrics.vocab import default_words

    sampler = LineSampler(default_words(), lm.tokens)
    cache, logp = lm.prefill(lm.tokenizer.encode("Rain on the window\n", add_special_tokens=False))
    bias = torch.randn(logp.shape, generator=torch.Generator().manual_seed(0)) * 3
    seen = []

    def pick(cands):
        seen.extend(cands)
        return 0

    spec = LineSpec(5, finals=frozenset({"rain", "again", "pain", "train"}))
    got = sample_line(lm, cache, logp + bias, spec, sampler, batch=4, gen=torch.Generator().manual_seed(1),
                      rhyme_strength=6.0, pick=pick, word_bias=bias)
    assert got is not None and seen
    c = seen[0]
    own, biased, step = 0.0, 0.0, logp.reshape(-1)
    for t in c.ids:
        at = lm.sub_pos[t]
        own += float(step[at])
        biased += float(step[at] + bias.reshape(-1)[at])
        cache, step = lm.prefill([t], cache)
        step = step.reshape(-1)
    assert c.logp == pytest.approx(own, abs=1e-2)
    assert abs(biased - own) > 0.5  # the bias was there to be left out


def test_songbird_is_sung_only_when_the_prompt_asks_for_it():
    from musegen.lyrics.generate import sung_blocklist

    plain = sung_blocklist("rainy night in the city", frozenset())
    assert {"songbird", "songbird's", "verse", "syllables"} <= plain
    asked = sung_blocklist("a songbird at dawn", frozenset())
    assert "songbird" not in asked and "verse" in asked


def test_drug_and_violence_words_are_sung_only_when_the_prompt_names_them():
    from musegen.lyrics.generate import sung_blocklist

    elegy = sung_blocklist("my grandfather's watch stopped the day he died")
    assert {"meth", "heroin", "rape", "raped", "suicide"} <= elegy  # "I could never see her through meth"
    assert "death" not in elegy and "died" not in elegy
    asked = sung_blocklist("cocaine blues in a heroin town")
    assert "cocaine" not in asked and "heroin" not in asked and "meth" in asked
    assert "meth" not in sung_blocklist("rainy night", frozenset())  # --no-filter leaves them to the user


def test_a_line_is_steered_off_the_previous_lines_first_word_and_scored_without_it(lm):
    """The opener bias shapes the first token only ("I am … / I am …"), never the candidate's score."""
    import torch

    from musegen.lyrics.decode import LineSampler, LineSpec, sample_line
    from musegen.lyrics.generate import OPENER_PENALTY, _opener_bias
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
    import musegen.lyrics.generate as gen

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
    import musegen.lyrics.generate as gen

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
    import musegen.lyrics.generate as gen

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
    import musegen.lyrics.generate as gen

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
    import musegen.lyrics.generate as gen

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
