import numpy as np
import pretty_midi
import pytest

from musegen.evaluation.melody import (
    chord_tone_ratio,
    histograms,
    key_profile,
    melody_from_midi,
    melody_from_notes,
    overlap,
    scale_consistency,
)
from musegen.types import ChordEvent, Note

C_MAJOR_RUN = [(i * 0.5, 0.5, p) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 60, 60])]


def test_histograms_follow_evaluation_md():
    h = histograms(C_MAJOR_RUN)
    assert {k: len(v) for k, v in h.items()} == {"pitch_class": 12, "interval": 25, "duration": 11, "ioi": 11}
    assert all(v.sum() == pytest.approx(1.0) for v in h.values())
    assert h["pitch_class"][0] == h["pitch_class"].max()  # most frequent class rotated to 0
    assert h["duration"][3] == 1.0  # every note is half a beat
    assert h["interval"][12 + 2] > 0 and h["interval"][12 - 12] > 0  # +2 steps and the -12 drop


def test_key_profile_is_relative_to_the_tonic_not_the_most_frequent_class():
    a_minor_on_c = [(i * 0.5, 0.5, p) for i, p in enumerate([60, 60, 60, 64, 67, 69, 62, 60])]  # C-centred
    rotated = histograms(a_minor_on_c)["pitch_class"]
    in_a = key_profile(a_minor_on_c, tonic=9)
    assert in_a.sum() == pytest.approx(1.0) and in_a[0] == pytest.approx(1 / 8)  # A sung once
    assert in_a[3] == pytest.approx(4 / 8)  # C, the relative major's tonic, a minor third up
    assert rotated[0] == pytest.approx(4 / 8)  # EVALUATION.md's histogram cannot tell the two apart
    assert key_profile(a_minor_on_c, tonic=0)[0] == pytest.approx(4 / 8)
    assert not key_profile([], 0).any()


def test_overlap_and_scale():
    assert overlap([C_MAJOR_RUN], [C_MAJOR_RUN])["overlap"] == pytest.approx(1.0)
    chromatic = [(i * 1.0, 1.0, 60 + i) for i in range(12)]
    assert overlap([C_MAJOR_RUN], [chromatic])["overlap"] < 0.7
    assert scale_consistency(C_MAJOR_RUN) == 1.0
    assert scale_consistency(chromatic) == pytest.approx(7 / 12)


def test_chord_tone_ratio_on_strong_beats():
    notes = [Note(0, 480, 64), Note(480, 480, 65), Note(960, 480, 62), Note(1920, 480, 67)]
    chords = [ChordEvent(0, 1920, "C"), ChordEvent(1920, 1920, "G")]
    # strong beats in 4/4 are beats 1 and 3: E on C (yes), D on C (no), G on G (yes)
    assert chord_tone_ratio(notes, chords, (4, 4)) == pytest.approx(2 / 3)
    assert chord_tone_ratio(notes, [], (4, 4)) is None


def test_melody_from_midi_picks_the_vocal_track(tmp_path):
    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    voc = pretty_midi.Instrument(0, name="Vocal")
    bass = pretty_midi.Instrument(33, name="Bass")
    for i, p in enumerate([60, 62, 64]):
        voc.notes.append(pretty_midi.Note(90, p, i * 0.5, i * 0.5 + 0.25))
        bass.notes.append(pretty_midi.Note(90, 80 + i, i * 0.5, i * 0.5 + 0.5))
    pm.instruments += [bass, voc]
    pm.write(str(tmp_path / "x.mid"))
    mel = melody_from_midi(tmp_path / "x.mid")
    assert [p for _, _, p in mel] == [60, 62, 64]
    assert np.allclose([o for o, _, _ in mel], [0, 1, 2]) and np.allclose([d for _, d, _ in mel], 0.5)
    assert melody_from_notes([Note(480, 240, 60)]) == [(1.0, 0.5, 60)]


def test_legato_follows_evaluation_md():
    from musegen.evaluation.melody import legato, legato_counts

    # at 60 BPM a beat is a second: a full note, a half-length note, a third-length note, then a 3 s gap
    mel = [(0.0, 1.0, 60), (1.0, 0.5, 62), (2.0, 0.5, 64), (3.5, 1.0, 65), (6.5, 1.0, 67)]
    c = legato_counts(mel, 1.0)
    assert c["pairs"] == 3  # the 3 s gap does not count
    out = legato([c])
    assert out["sounding_over_ioi"] == pytest.approx((1 + 0.5 + 1 / 3) / 3, abs=1e-4)
    assert out["short_notes"] == pytest.approx(2 / 3, abs=1e-4)
    assert out["notes_per_second"] == pytest.approx(5 / (1 + 1 + 1.5 + 1 + 1), abs=1e-4)
    # twice the tempo: the 3-beat gap is 1.5 s and counts
    assert legato([legato_counts(mel, 0.5)])["notes_per_second"] == pytest.approx(5 / 3.75, abs=1e-4)


def test_midi_seconds_per_beat_follows_pretty_midi_beats_in_6_8(tmp_path):
    """In 6/8 pretty_midi's beats are dotted quarters: notes per second must use them, not quarters."""
    from musegen.evaluation.melody import legato, legato_counts, midi_seconds_per_beat

    pm = pretty_midi.PrettyMIDI(initial_tempo=120)  # a quarter is 0.5 s, a dotted quarter 0.75 s
    pm.time_signature_changes.append(pretty_midi.TimeSignature(6, 8, 0.0))
    voc = pretty_midi.Instrument(0, name="Vocal")
    voc.notes += [pretty_midi.Note(90, 60, i * 0.75, i * 0.75 + 0.75) for i in range(8)]  # 8 notes in 6 s
    pm.instruments.append(voc)
    pm.write(str(tmp_path / "x.mid"))
    spb = midi_seconds_per_beat(tmp_path / "x.mid")
    assert spb == pytest.approx(0.75, abs=1e-3)
    mel = melody_from_midi(tmp_path / "x.mid")
    assert legato([legato_counts(mel, spb)])["notes_per_second"] == pytest.approx(8 / 6.0, abs=1e-3)
