import conductor_songs as h
import mido
import pytest

from musegen.conductor import align, arrange
from musegen.evaluation.alignment import midi_alignment, score_alignment, word_stresses
from musegen.render.midi import song_to_midi_bytes


def _midi(events, meter=(4, 4), ppq=480):
    mf = mido.MidiFile(ticks_per_beat=ppq)
    tr = mido.MidiTrack()
    tr.name = "Vocal"
    tr.append(mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1], time=0))
    last = 0
    for tick, text in events:
        tr.append(mido.MetaMessage("lyrics", text=text, time=tick - last))
        last = tick
    mf.tracks.append(tr)
    import io

    buf = io.BytesIO()
    mf.save(file=buf)
    return buf.getvalue()


def test_hand_made_midi_four_four():
    # "a-gain the win-dow": a(0) on 0 strong, gain(1) on beat 2, the(0) on beat 3 strong, win(1) bar 2
    # downbeat strong, dow(0) on beat 2
    m = midi_alignment(_midi([(0, "a-"), (480, "gain"), (960, "the"), (1920, "win-"), (2400, "dow")]))
    assert m["stressed_on_strong"] == 0.5  # gain off, win on
    assert m["unstressed_on_strong"] == pytest.approx(2 / 3, abs=1e-3)  # a, the on; dow off


def test_hand_made_midi_three_four_and_six_eight():
    # bar = 1440 ticks: rain on 1 (strong), rain on 2 (weak), win on the next downbeat, dow on 2
    m = midi_alignment(_midi([(0, "rain"), (480, "rain"), (1440, "win-"), (1920, "dow")], meter=(3, 4)))
    assert m["stressed_on_strong"] == pytest.approx(2 / 3, abs=1e-3) and m["unstressed_on_strong"] == 0.0
    m = midi_alignment(_midi([(0, "rain"), (720, "rain"), (960, "rain")], meter=(6, 8)))
    assert m["stressed_on_strong"] == pytest.approx(2 / 3, abs=1e-3)


def test_unknown_words_are_skipped():
    m = midi_alignment(_midi([(0, "zzxqv"), (1920, "rain")]))
    assert m["words_skipped"] == 1 and m["stressed_on_strong"] == 1.0
    assert word_stresses("remember", 3) == [0, 1, 0] and word_stresses("remember", 2) is None


def test_song_mid_agrees_with_song_metrics():
    p = h.plan()
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    m = midi_alignment(song_to_midi_bytes(song))
    assert m["words_skipped"] == 0
    assert m["stressed_on_strong"] == song.metrics["stressed_on_strong"]
    assert m["unstressed_on_strong"] == song.metrics["unstressed_on_strong"]


def test_reference_lead_sheets_match_evaluation_md():
    from music21 import corpus

    jeannie = score_alignment(corpus.parse("leadSheet/fosterBrownHair.mxl"))
    assert jeannie["stressed_on_strong"] == pytest.approx(0.82, abs=0.01)
    assert jeannie["unstressed_on_strong"] == pytest.approx(0.12, abs=0.01)
    ragtime = score_alignment(corpus.parse("leadSheet/berlinAlexandersRagtime.mxl"))
    assert ragtime["stressed_on_strong"] == pytest.approx(0.58, abs=0.01)
    assert ragtime["unstressed_on_strong"] == pytest.approx(0.12, abs=0.01)


def test_stress_inversions():
    from musegen.theory import metric_level

    assert [metric_level(t, (4, 4), 480) for t in (0, 960, 480, 240, 120, 60)] == [0, 1, 2, 3, 4, 5]
    assert [metric_level(t, (6, 8), 480) for t in (0, 720, 240, 120)] == [0, 1, 2, 4]
    # "win-dow" with WIN on beat 2 and dow on beat 3 (stronger): inverted; "a-gain" a on 1, GAIN on 2:
    # inverted too; "hap-py" HAP on 1: fine
    m = midi_alignment(_midi([(480, "win-"), (960, "dow"), (1920, "a-"), (2400, "gain"), (3840, "hap-"),
                              (4080, "py")]))
    assert m["polysyllabic_words"] == 3 and m["stress_inversions"] == pytest.approx(2 / 3, abs=1e-3)
