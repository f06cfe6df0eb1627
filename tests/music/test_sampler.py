"""The sampler's closest onset spacing (`SectionSpec.gap`) and the plan's floor in seconds (`onset_gap`)."""

import itertools
import random

import numpy as np
import pytest

from musegen.music import generate as G
from musegen.music import sampler as S
from musegen.music import vocab as V


def _spec(windows, bars: int, gap: int) -> S.SectionSpec:
    return S.SectionSpec(V.section_token("verse"), bars, 16, 8, windows, np.ones(len(V.PITCH), bool),
                         end_token=V.EOS, gap=gap)


def _walk(spec: S.SectionSpec, rng: random.Random) -> S.Cursor:
    """Sample a section by uniform choices among the allowed tokens (the grammar and the plan, no model)."""
    c = S.Cursor(spec, prev=spec.section_token)
    for _ in range(5000):
        ok = np.flatnonzero(c.allowed())
        assert len(ok), f"painted into a corner after {c.tokens}"
        c.step(int(rng.choice(list(ok))))
        if c.done:
            return c
    raise AssertionError("section never ended")


@pytest.mark.parametrize("gap", [1, 2, 3])
def test_onsets_keep_the_gap_and_every_phrase_still_fits(monkeypatch, gap):
    monkeypatch.setattr(G, "SYLLABLE_FLOOR_S", 0.15)
    rng = random.Random(gap)
    windows = [(0, 16, 6, 1), (16, 48, 9, 2), (48, 64, 4, 1)]  # 6 notes in a bar fit 2 apart, not 3
    g = min(gap, G.onset_gap(windows, 60.0 * V.STEP / 480 / 0.05))  # the plan's cap for the windows
    assert g == min(gap, 2)
    spec = _spec(windows, 4, g)
    close = 0
    for _ in range(20):
        c = _walk(spec, rng)
        k = 0
        for ws, _, n, _ in windows:
            onsets = [s for s, _, _ in c.notes[k : k + n]]
            k += n
            iois = [b - a for a, b in itertools.pairwise(onsets)]
            assert onsets[0] >= ws and min(iois) >= g
            close += sum(x == g for x in iois)
        assert k == len(c.notes) == 19
    assert close > 0  # the gap is a floor, not a grid: onsets exactly `gap` apart happen


def _after(spec: S.SectionSpec, onsets: list[int]) -> S.Cursor:
    last = onsets[-1]
    return S.Cursor(spec, prev=V.DURATION[0], bar=0, pos=last, chord_here=True, note_end=last + 1,
                    placed=len(onsets), started=True, syl_given=True, notes=[(t, 1, 60) for t in onsets])


def test_the_next_onset_waits_for_the_gap_not_just_the_note_end():
    spec = _spec([(0, 32, 5, 2)], 2, 2)
    c = _after(spec, [0, 3])  # a 16th note at step 3 ends at 4
    assert not c.note_fits(4) and c.note_fits(5)
    assert c.can_wait_until(4) and c.earliest() == 5
    assert _after(_spec([(0, 32, 5, 2)], 2, 1), [0, 1, 2]).note_fits(3)  # gap 1: the old grammar


@pytest.mark.parametrize(("tempo", "gap"),
                         [(61, 1), (90, 1), (124, 1), (125, 1), (126, 2), (188, 2), (250, 2), (251, 3)])
def test_onset_gap_is_the_floor_in_seconds_in_whole_steps(monkeypatch, tempo, gap):
    monkeypatch.setattr(G, "SYLLABLE_FLOOR_S", 0.12)
    assert G.onset_gap([(0, 64, 12, 4)], tempo) == gap
    monkeypatch.setattr(G, "SYLLABLE_FLOOR_S", 0.0)
    assert G.onset_gap([(0, 64, 12, 4)], tempo) == 1


def test_onset_gap_never_makes_a_plan_infeasible(monkeypatch):
    monkeypatch.setattr(G, "SYLLABLE_FLOOR_S", 0.12)
    assert G.onset_gap([(0, 16, 8, 1), (16, 32, 4, 1)], 128) == 1  # 8 notes in a bar need 16ths
    assert G.onset_gap([(0, 16, 7, 1)], 128) == 2  # 1 + 6 x 2 + a breath of 2 = 15 steps fit in 16


def _waiting(spec: S.SectionSpec) -> S.Cursor:
    """A cursor at the first bar's downbeat, chord given, before the first phrase's first note."""
    return S.Cursor(spec, prev=V.CHORD[1], bar=0, pos=0, chord_here=True)


def test_a_phrase_that_waits_until_it_must_be_crammed_is_penalised(monkeypatch):
    spec = _spec([(0, 64, 12, 4)], 4, 1)  # 12 syllables in a 4-bar window
    monkeypatch.setattr(S, "LATE_PACE", 0.0)
    c = _waiting(spec)
    c.allowed()
    assert c.pen is None or not c.pen[V.BAR]  # before: waiting 3 bars (then 12 notes in a bar) was free
    monkeypatch.setattr(S, "LATE_PACE", 0.25)
    c = _waiting(spec)
    assert c.allowed()[V.BAR]  # still allowed: a soft penalty, never a new constraint
    # the last onset may come at 62 (a breath before the end): the next bar leaves 46 steps for 12 notes,
    # the RELAXED 3 apart need 36: no cost yet
    assert c.pen is None or not c.pen[V.BAR]
    late = S.Cursor(spec, prev=V.CHORD[1], bar=2, pos=0, chord_here=True)
    late.allowed()
    # bar 4 leaves 14 steps: 36 - 14 = 22 steps short of RELAXED (0.25 each), 24 - 14 = 10 short of 8ths
    assert late.pen[V.BAR] == pytest.approx(0.25 * 22 + S.PACE * 10)
    placed = _after(spec, [0, 2])  # inside the line the model keeps its own rhythm: 8ths only
    placed.allowed()
    assert placed.pen is None or not placed.pen[V.BAR]
