"""The sung line must stand out in the rendered audio (A-weighted level, vocal alone vs band alone)."""

from dataclasses import replace

import conductor_songs as h
import numpy as np
import pytest

from musegen.conductor import align, arrange

audio = pytest.importorskip("musegen.render.audio")


def _a_weighted_rms(x: np.ndarray, rate: int) -> float:
    x = x.mean(axis=1)
    f2 = np.fft.rfftfreq(len(x), 1 / rate) ** 2
    ra = (12194**2 * f2**2) / ((f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194**2))
    return float(np.sqrt(np.sum(np.abs(np.fft.rfft(x) * ra) ** 2)))


def vocal_over_band_db(song, a: int, b: int) -> float:
    """Render bars [a, b) twice in one file — vocal alone, then the band alone — and compare levels."""
    span, gap = b - a, 2 * song.plan.bar_ticks
    vocal = [replace(n, onset=n.onset - a) for n in song.vocal if a <= n.onset < b]
    shift = span + gap - a
    tracks = [replace(t, notes=[replace(n, onset=n.onset + shift) for n in t.notes if a <= n.onset < b])
              for t in song.tracks]
    pcm = audio.synthesize(replace(song, vocal=vocal, tracks=tracks))  # one render, one normalisation

    def frame(t):
        return int(t / song.ppq * 60 / song.plan.tempo * audio.SAMPLE_RATE)

    v = _a_weighted_rms(pcm[frame(0):frame(span)], audio.SAMPLE_RATE)
    band = _a_weighted_rms(pcm[frame(span + gap):frame(2 * span + gap)], audio.SAMPLE_RATE)
    return 20 * np.log10(v / band)


@pytest.mark.parametrize("groove, drums, vocal, chords, bass", [
    ("ballad", False, 52, 0, 32), ("four-on-floor", True, 54, 81, 38), ("shuffle", True, 52, 4, 32)])
def test_vocal_is_clearly_audible_over_the_band(groove, drums, vocal, chords, bass):
    p = h.plan(groove=groove, drums=drums)
    p.instruments.update({"Vocal": vocal, "Chords": chords, "Bass": bass})
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    chorus = song.sections[2]
    assert vocal_over_band_db(song, chorus.start, chorus.start + chorus.bars * p.bar_ticks) >= 3.0
