import itertools

import numpy as np
import pytest
import torch

from musegen.errors import InputError
from musegen.music import generate_melody, load_music_model
from musegen.music.sampler import BREATH, SPILL
from musegen.theory import Chord, ticks_per_bar
from musegen.types import PPQ, SectionPlan

from .helpers import small_plan, tiny_model


def _check(plan, mel):
    bar = ticks_per_bar(plan.meter, PPQ)
    half = bar // 2 if plan.meter[0] % 2 == 0 else None
    lo, hi = plan.vocal_range
    assert len(mel.sections) == len(plan.sections)
    for sp, sm in zip(plan.sections, mel.sections, strict=True):
        assert sm.type == sp.type and sm.bars == sp.bars
        assert sm.phrases == sp.phrase_notes
        assert len(sm.notes) == sum(sp.phrase_notes)
        if not sp.phrase_notes:
            assert sm.notes == []
        # phrase windows: phrase_bars or an even split on bar lines
        if sp.phrase_notes:
            pb = sp.phrase_bars or None
            n = len(sp.phrase_notes)
            edges = (
                [sum(pb[:i]) * bar for i in range(n + 1)]
                if pb
                else [round(i * sp.bars / n) * bar for i in range(n + 1)]
            )
            # notes start inside their phrase's window; a phrase's last note may ring SPILL 16ths into
            # the next window; a breath (BREATH 16ths) before the next phrase and before the section ends
            step = PPQ // 4
            i = 0
            for k, cnt in enumerate(sp.phrase_notes):
                for note in sm.notes[i : i + cnt]:
                    assert edges[k] <= note.onset < edges[k + 1]
                last = sm.notes[i + cnt - 1]
                assert last.onset + last.duration <= edges[k + 1] + SPILL * step
                if i + cnt < len(sm.notes):
                    assert last.onset + last.duration + BREATH * step <= sm.notes[i + cnt].onset
                i += cnt
            end = sm.notes[-1]
            assert end.onset + end.duration <= sp.bars * bar - BREATH * step
        for a, b in zip(sm.notes, sm.notes[1:], strict=False):
            assert a.onset + a.duration <= b.onset  # monophonic
        for note in sm.notes:
            assert lo <= note.pitch <= hi
            assert note.duration > 0
        # chords: one at every bar start, changes only on bar/half-bar lines, inside the section
        starts = {c.onset for c in sm.chords}
        assert all(c.onset % bar == 0 or (half and c.onset % bar == half) for c in sm.chords)
        covered = sorted((c.onset, c.onset + c.duration) for c in sm.chords)
        assert covered[0][0] == 0 and covered[-1][1] == sp.bars * bar
        for (_, e), (s, _) in itertools.pairwise(covered):
            assert e == s
        assert starts
        for c in sm.chords:
            Chord.parse(c.symbol)


@pytest.mark.parametrize(
    "kw", [{}, {"meter": (3, 4), "key": "Eb", "mode": "major"}, {"meter": (6, 8), "vocal_range": (60, 72)}]
)
def test_constraints_are_exact(kw):
    plan = small_plan(**kw)
    mel = generate_melody(plan, seed=3, model=tiny_model())
    _check(plan, mel)
    # repeat_of reuses the earlier music
    assert mel.sections[3].notes == mel.sections[2].notes
    assert mel.sections[3].chords == mel.sections[2].chords


def test_phrase_rerank_keeps_constraints():
    plan = small_plan()
    _check(plan, generate_melody(plan, seed=5, model=tiny_model(), phrase_rerank=True, candidates=3))


def test_same_seed_same_output_and_different_seed_differs():
    plan = small_plan()
    m = tiny_model()
    a = generate_melody(plan, seed=11, model=m)
    b = generate_melody(plan, seed=11, model=m)
    c = generate_melody(plan, seed=12, model=m)
    assert a == b
    assert a != c


def test_given_chords_and_many_phrases():
    secs = [
        SectionPlan("verse", 4, phrase_notes=[3, 3, 4, 2, 3, 3], chords=["Dm", "G7", "Cmaj7", "A/C#"]),
        SectionPlan("bridge", 2, phrase_notes=[12]),
    ]
    plan = small_plan(sections=secs, key="C", mode="major")
    mel = generate_melody(plan, seed=0, model=tiny_model())
    _check_counts = [len(s.notes) for s in mel.sections]
    assert _check_counts == [18, 12]
    assert [c.symbol for c in mel.sections[0].chords] == ["Dm", "G7", "Cmaj7", "A/C#"]
    assert [c.onset for c in mel.sections[0].chords] == [0, 1920, 3840, 5760]


def test_default_model_writes_a_section():
    plan = small_plan(sections=[SectionPlan("verse", 4, phrase_notes=[7, 9])])
    mel = generate_melody(plan, seed=1, model=load_music_model())
    _check(plan, mel)


@pytest.mark.parametrize(
    "sec,match",
    [
        (SectionPlan("verse", 1, phrase_notes=[40]), "more than fit"),
        (SectionPlan("verse", 4, phrase_notes=[4, 4], phrase_bars=[1, 1]), "sum to"),
        (SectionPlan("verse", 4, phrase_notes=[4, 4], phrase_bars=[4]), "one per phrase"),
        (SectionPlan("verse", 4, phrase_notes=[4], chords=["H7"]), "chord"),
        (SectionPlan("solo", 4), "unknown type"),
        (SectionPlan("verse", 0), "bars"),
    ],
)
def test_bad_plans_raise_input_error(sec, match):
    with pytest.raises(InputError, match=match):
        generate_melody(small_plan(sections=[sec]), seed=0, model=tiny_model())


def test_bad_range_and_meter():
    with pytest.raises(InputError, match="vocal_range"):
        generate_melody(small_plan(vocal_range=(60, 62)), model=tiny_model())
    with pytest.raises(InputError, match="meter"):
        generate_melody(small_plan(meter=(7, 4)), model=tiny_model())


def test_stress_prior_moves_stressed_syllables_onto_strong_beats(monkeypatch):
    """With lyrics, note k of a phrase leans toward where syllable k's stress belongs."""
    from musegen.music import generate as G
    from musegen.types import LyricLine, Lyrics, LyricSection, Syllable

    plan = small_plan(
        sections=[SectionPlan("verse", 8, syllables=[6] * 4, phrase_notes=[6] * 4, phrase_bars=[2] * 4)]
    )
    stresses = [1, 0, 1, 0, 1, 0]
    line = LyricLine("x", [Syllable("la", s, True, True) for s in stresses])
    lyrics = Lyrics([LyricSection("verse", [line] * 4)])
    bar = ticks_per_bar(plan.meter, PPQ)

    def strong_share(mel) -> float:
        notes = mel.sections[0].notes
        on = [(n.onset % bar) in (0, bar // 2) for n in notes]
        hits = [o for k, o in enumerate(on) if stresses[k % 6] == 1]
        return sum(hits) / len(hits)

    monkeypatch.setattr(G, "STRESS_WEIGHT", 20.0)
    m = tiny_model()
    with_prior = [strong_share(generate_melody(plan, seed=s, model=m, lyrics=lyrics)) for s in range(3)]
    without = [strong_share(generate_melody(plan, seed=s, model=m)) for s in range(3)]
    assert sum(with_prior) > sum(without) + 0.5
    _check(plan, generate_melody(plan, seed=0, model=m, lyrics=lyrics))


def test_lyrics_syllables_condition_every_note():
    """The sampler writes the lyrics' Syl token before each note (melisma past the line's syllables)."""
    from musegen.music import vocab as V
    from musegen.music.generate import phrase_windows, section_syllables
    from musegen.music.sampler import SectionSpec, sample_section
    from musegen.types import LyricLine, Lyrics, LyricSection, Syllable

    sec = SectionPlan("verse", 4, syllables=[3, 2], phrase_notes=[3, 3], phrase_bars=[2, 2])
    lines = [LyricLine("a", [Syllable("hel", 1, True, False), Syllable("lo", 0, False, True),
                             Syllable("you", 1, True, True)]),
             LyricLine("b", [Syllable("the", 0, True, True), Syllable("sun", 1, True, True)])]
    syl = section_syllables(sec, Lyrics([LyricSection("verse", lines)]), 0)
    assert [[V.TOKENS[t] for t in p] for p in syl] == [["Syl_SW", "Syl_U", "Syl_SW"],
                                                      ["Syl_UW", "Syl_SW", "Syl_M"]]
    spec = SectionSpec(V.section_token("verse"), 4, 16, 8, phrase_windows(sec, (4, 4), 0),
                       np.ones(len(V.PITCH), dtype=bool), end_token=V.EOS, syl=syl)
    header = [V.BOS, V.MODE[0], V.TEMPO[2], V.METER[0], V.STYLE[0], spec.section_token]
    gen = torch.Generator().manual_seed(0)
    cands, _, _ = sample_section(tiny_model(), header, spec, n=2, generator=gen)
    for c in cands:
        assert [t for t in c.tokens if t in V.SYL] == [t for p in syl for t in p]
        assert len(c.notes) == 6
    assert section_syllables(sec, None, 0) is None


def test_a_lyric_line_that_cannot_fit_is_named():
    from musegen.music.generate import phrase_windows

    sec = SectionPlan("verse", 2, syllables=[20, 3], phrase_notes=[20, 3], phrase_bars=[1, 1])
    with pytest.raises(InputError, match=r'verse \(section 2\), line 1 "so many words".*split it'):
        phrase_windows(sec, (4, 4), 1, ["so many words", "ok"])
    with pytest.raises(InputError, match="give it more bars"):
        phrase_windows(sec, (4, 4), 1)


def test_inversion_penalty_keeps_word_stress_on_the_stronger_position(monkeypatch):
    """Two-syllable words (HAP-py, a-GAIN): with the penalty the stressed syllable is never on the weaker
    position, except where the phrase's window forces it (the phrase ends in sixteenths from the word on)."""
    from musegen.music import sampler as S
    from musegen.theory import metric_level
    from musegen.types import LyricLine, Lyrics, LyricSection, Syllable

    plan = small_plan(
        sections=[SectionPlan("verse", 8, syllables=[6] * 4, phrase_notes=[6] * 4, phrase_bars=[2] * 4)]
    )
    words = [(1, 0), (0, 1), (1, 0)]
    syls = [Syllable("la", s, k == 0, k == 1) for w in words for k, s in enumerate(w)]
    lyrics = Lyrics([LyricSection("verse", [LyricLine("x", syls)] * 4)])

    def inverted(mel) -> int:
        """Inverted words that had room to move (the rest of their phrase is not packed in sixteenths)."""
        notes = mel.sections[0].notes
        lv = [metric_level(n.onset, plan.meter, PPQ) for n in notes]
        packed = [all(notes[j + 1].onset - notes[j].onset == PPQ // 4 for j in range(k, (k // 6 + 1) * 6 - 1))
                  for k in range(len(notes))]
        return sum((lv[k] > lv[k + 1] if syls[k % 6].stress == 1 else lv[k + 1] > lv[k]) and not packed[k]
                   for k in range(0, len(lv), 2))

    from musegen.music import generate as G

    # the inversion term alone: the tiny model under the full stress prior crams phrase ends
    for name, value in (("STRESS_PULL", 0.0), ("STRESSED_SCALE", 1.0), ("UNSTRESSED_SCALE", 1.0)):
        monkeypatch.setattr(G, name, value)
    monkeypatch.setattr(S, "LATE_PACE", 0.0)
    m = tiny_model()
    monkeypatch.setattr(S, "INVERSION_PENALTY", 0.0)
    without = sum(inverted(generate_melody(plan, seed=s, model=m, lyrics=lyrics)) for s in range(4))
    monkeypatch.setattr(S, "INVERSION_PENALTY", 30.0)
    mels = [generate_melody(plan, seed=s, model=m, lyrics=lyrics) for s in range(4)]
    assert without >= 3
    assert sum(inverted(mel) for mel in mels) == 0
    _check(plan, mels[0])


def test_stress_pull_marks_the_steps_next_to_strong_beats(monkeypatch):
    """The aligner pulls a primary stress sitting 1-2 sixteenths off a strong beat onto it (cheaper than
    leaving it there); the sampler's prior charges STRESS_PULL more there than elsewhere off the beat."""
    from musegen.music import generate as G

    monkeypatch.setattr(G, "STRESS_PULL", 2.0)
    c = G.stress_costs((4, 4))
    assert c[1, 0] == c[1, 8] == 0.0  # strong beats
    for q in (1, 2, 6, 7, 9, 10, 14, 15):
        assert c[1, q] == pytest.approx(c[1, 4] + 2.0)  # vs beat 2, too far to be pulled
    assert c[1, 3] == c[1, 4] == c[1, 12]
    assert c[0, 1] == c[0, 15] == 0.0  # unstressed syllables are not pulled
    six = G.stress_costs((6, 8))  # strong: the two dotted-quarter pulses, steps 0 and 6
    assert six[1, 0] == six[1, 6] == 0.0 and six[1, 3] < six[1, 4] == six[1, 1]
    monkeypatch.setattr(G, "STRESS_PULL", 0.0)
    assert G.stress_costs((4, 4))[1, 15] == G.stress_costs((4, 4))[1, 4]


def test_rerank_prefers_the_line_centred_on_its_own_tonic(monkeypatch):
    from types import SimpleNamespace

    from musegen.music import generate as G

    minor = [0.22, 0, 0.08, 0.16, 0, 0.17, 0, 0.19, 0.03, 0, 0.14, 0.01]  # tonic-relative, A minor = 9

    def line(pitches):
        return SimpleNamespace(logp=-5.0, sampled=10, notes=[(i * 2, 2, p) for i, p in enumerate(pitches)])

    on_a, on_c = line([57, 60, 64, 57]), line([60, 64, 67, 60])
    score = G._score(None, minor, tonic=9)
    assert score(on_a) > score(on_c)
    assert G._score(None, None, tonic=9)(on_a) == G._score(None, None, tonic=9)(on_c)
    monkeypatch.setattr(G, "KEY_WEIGHT", 0.0)
    assert G._score(None, minor, tonic=9)(on_a) == G._score(None, minor, tonic=9)(on_c)
