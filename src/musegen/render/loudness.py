"""Perceived loudness for the mix: A-weighting (IEC 61672) and the voice's level over the band as it sings."""

from __future__ import annotations

import numpy as np

SUNG_WITHIN_DB = 30.0  # a block sings when its vocal RMS is within this of the loudest vocal block
BLOCK = 2048  # samples per level block (46 ms at 44.1 kHz)


def a_weighted(x: np.ndarray, rate: int = 44100) -> np.ndarray:
    """The mono signal through the A-weighting curve (IEC 61672, applied in the frequency domain)."""
    from scipy.fft import next_fast_len

    mono = x.mean(axis=1) if x.ndim == 2 else x
    size = next_fast_len(len(mono), real=True)  # a song's length may have a large prime factor: 10x slower
    spec = np.fft.rfft(mono.astype(np.float64), size)
    f2 = np.fft.rfftfreq(size, 1.0 / rate) ** 2
    den = (f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2)
    ra = (12194.0**2 * f2**2) / den  # +2.0 dB normalises the curve to 0 dB at 1 kHz
    return np.fft.irfft(spec * ra * 10 ** (2.0 / 20), n=size)[: len(mono)]


def a_weighted_db(x: np.ndarray, rate: int = 44100) -> float:
    """A-weighted RMS level in dB over the whole signal."""
    w = a_weighted(x, rate)
    return float(10 * np.log10(np.mean(w**2) + 1e-20))


def vocal_over_band_dba(vocal: np.ndarray, band: np.ndarray, rate: int = 44100, block: int = BLOCK, *,
                        band_a: np.ndarray | None = None) -> float:
    """A-weighted level of the vocal over the band's, in dB, over the blocks where the voice sings.

    Intros, outros and the breaths between lines are left out: the question is whether the voice sits on
    top while it sings. 0.0 when nothing is sung. `band_a`: `a_weighted(band[:k * block])` if already
    computed (used when it covers the compared length).
    """
    n = min(len(vocal), len(band)) // block * block
    if n == 0:
        return 0.0
    raw = (vocal[:n].mean(axis=1) if vocal.ndim == 2 else vocal[:n]).reshape(-1, block)
    level = np.sqrt(np.mean(raw**2, axis=1))
    if level.max() <= 0:
        return 0.0
    sung = level > level.max() * 10 ** (-SUNG_WITHIN_DB / 20)
    pv = np.mean(a_weighted(vocal[:n], rate).reshape(-1, block)[sung] ** 2)
    weighted = band_a if band_a is not None and len(band_a) == n else a_weighted(band[:n], rate)
    pb = np.mean(weighted.reshape(-1, block)[sung] ** 2)
    return float(10 * np.log10((pv + 1e-20) / (pb + 1e-20)))
