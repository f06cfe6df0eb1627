import random

from musegen.plan.form import phrase_bars_for, sung_section, syllables_per_second


def _rate(tempo: float, energy: float = 0.5, kind: str = "verse") -> float:
    """Planned syllables per second of line time, averaged over seeds."""
    meter = (4, 4)
    pb = phrase_bars_for(meter, tempo)
    line_s = pb * 4 * 60.0 / tempo
    total = lines = 0
    for seed in range(20):
        sec = sung_section(kind, 4 * pb, pb, meter, energy, 0.0, random.Random(seed), tempo=tempo)
        total += sum(sec.syllables)
        lines += len(sec.syllables)
    return total / lines / line_s


def test_syllable_rate_is_capped_in_seconds_not_quarters():
    """POP909 sings ~1.9-2.1 notes/s at any tempo: a fast song must not plan twice the syllables a second."""
    slow, fast = _rate(80.0), _rate(150.0)
    assert fast < 1.25 * slow  # per quarter note it would be 150/80 = 1.9x
    for tempo in (70.0, 100.0, 130.0, 160.0):
        pb = phrase_bars_for((4, 4), tempo)
        line_s = pb * 4 * 60.0 / tempo
        # at most the cap, give or take the rhyme pair's +-1 syllable and rounding
        assert _rate(tempo) <= syllables_per_second("verse", 0.5, tempo) + 1.5 / line_s


def test_energy_and_section_still_shape_the_rate():
    assert _rate(120.0, energy=0.9) > 1.2 * _rate(120.0, energy=0.1)
    assert _rate(120.0, kind="chorus") < _rate(120.0, kind="verse")


def test_lines_leave_a_breath_and_hold_at_least_four_syllables():
    for tempo in (50.0, 90.0, 180.0):
        pb = phrase_bars_for((4, 4), tempo)
        sec = sung_section("verse", 4 * pb, pb, (4, 4), 1.0, 0.5, random.Random(1), tempo=tempo)
        assert all(4 <= s <= min(12, pb * 8 - 2) for s in sec.syllables)
        assert all(n >= s for n, s in zip(sec.phrase_notes, sec.syllables, strict=True))
