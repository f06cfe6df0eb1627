"""Constrained generation with a tiny model and the real tokenizer: the constraints must hold anyway."""

from __future__ import annotations

import pytest
from lyrics_tiny import tiny_model

from musegen.errors import InputError
from musegen.evaluation.lyrics import final_word, line_syllables, plain_rhyme, rhyme_pairs
from musegen.lyrics.base import load_tokenizer
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
