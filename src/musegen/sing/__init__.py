"""Singing: a `Song`'s lyrics sung on its vocal notes by an offline voice, on the CPU.

    score (sing.score)  lyric lines → syllables with phonemes (sing.phonemes) and notes in seconds
    voice (sing.voice)  one line at a time: speech pass → layout → warp → F0 → patched model → DSP
    layout (sing.layout)  where each onset, vowel and coda of a line goes on its notes
    model (sing.model)  hibari-tts 0.2.1's ONNX voice, patched once into speech + sing graphs (cached)

`sing(song)` returns the vocal track as mono float32 at 44.1 kHz, ready for the mix in
`musegen.render.audio`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from musegen.sing.model import HIBARI_VERSION, SAMPLE_RATE, VOICE_LICENSE, VOICE_MODEL, VOICE_NAME, load_voice
from musegen.sing.phonemes import UnsingableError
from musegen.sing.score import SungLine, octave_shift, report, sung_lines
from musegen.sing.voice import render_line
from musegen.types import Song

OUT_RATE = 44100
__all__ = ["HIBARI_VERSION", "OUT_RATE", "VOICE_LICENSE", "VOICE_NAME", "UnsingableError", "Vocals", "sing"]


@dataclass
class Vocals:
    """The sung track and what was done to make it."""

    audio: np.ndarray  # mono float32 at OUT_RATE, from the song start
    voice: str
    transpose: int  # semitones the sung line was moved into the voice's range (a multiple of 12)
    lines: int  # lines sung
    problems: list[str] = field(default_factory=list)  # words sung as a neutral vowel, with their line

    def info(self) -> dict:
        """What song.json records about the vocals."""
        return {"voice": self.voice, "model": VOICE_MODEL, "license": VOICE_LICENSE,
                "transpose": self.transpose, "lines": self.lines, "problems": list(self.problems)}


def line_audio(line: SungLine, seed: int, index: int, threads: int = 1) -> tuple[int, np.ndarray]:
    """(start sample, audio) of one sung line at OUT_RATE; its noise is seeded by (seed, index)."""
    from scipy.signal import resample_poly

    part = render_line(load_voice(threads), line, np.random.default_rng([seed, index]))
    wav = resample_poly(part.audio, OUT_RATE // 300, SAMPLE_RATE // 300).astype(np.float32)
    return round(part.start * OUT_RATE), wav


# (seed, line index, line) -> (start sample, audio at OUT_RATE); `line_audio` unless a cache stands in
LineSinger = Callable[[int, int, SungLine], tuple[int, np.ndarray]]


def sing(song: Song, seed: int | None = None, *, length: int | None = None, threads: int = 1,
         sing_line: LineSinger | None = None) -> Vocals:
    """Sing `song`'s lyrics on its vocal notes; the same `seed` gives the same samples.

    `length` (samples at 44.1 kHz) pads or cuts the result to match the band. `sing_line` renders one line
    (default `line_audio`; `musegen.render.incremental` passes a cached one). Raises UnsingableError
    (an InputError) for non-Latin lyrics and ModelError if the voice cannot be loaded.
    """
    if seed is None:
        seed = int(song.meta.get("seed", 0) or 0)
    if sing_line is None:
        def sing_line(s: int, i: int, line: SungLine) -> tuple[int, np.ndarray]:
            return line_audio(line, s, i, threads)
    shift = octave_shift(song)
    lines, problems = sung_lines(song, shift)
    report(problems)
    end = max((line.end for line in lines), default=0.0)
    total = length if length is not None else int((end + 1.0) * OUT_RATE)
    out = np.zeros(total, np.float32)
    for i, line in enumerate(lines):
        at, wav = sing_line(seed, i, line)
        lo, hi = max(at, 0), min(at + len(wav), total)
        if hi > lo:
            out[lo:hi] += wav[lo - at:hi - at]
    return Vocals(out, VOICE_NAME, shift, len(lines), problems)
