import numpy as np
import pytest

from musegen.render.loudness import a_weighted_db, vocal_over_band_dba

RATE = 44100


def _sine(freq: float, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return amp * np.sin(2 * np.pi * freq * t)


def test_a_weighting_is_flat_at_1khz_and_cuts_the_bass():
    ref = 10 * np.log10(np.mean(_sine(1000) ** 2))
    assert a_weighted_db(_sine(1000)) == pytest.approx(ref, abs=0.2)
    assert a_weighted_db(_sine(100)) == pytest.approx(ref - 19.1, abs=0.5)  # IEC 61672: -19.1 dB at 100 Hz


def test_vocal_over_band_counts_only_where_the_voice_sings():
    band = np.tile(_sine(1000, 4.0, 0.1)[:, None], (1, 2))
    vocal = np.zeros_like(band)
    vocal[RATE: 2 * RATE] = _sine(1000, 1.0, 0.2)[:, None]  # 6 dB over the band, one second of four
    assert vocal_over_band_dba(vocal, band) == pytest.approx(6.0, abs=0.3)
    assert vocal_over_band_dba(np.zeros_like(band), band) == 0.0
