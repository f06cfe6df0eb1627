"""Audio: render a song through a General MIDI soundfont with TinySoundFont (pip-only, no audio device).

The synthesizer plays the same events song.mid holds (programs, channel volume and pan, notes) into a
float buffer at 44.1 kHz; a light convolution reverb (a synthetic room, `REVERB_WET`) is mixed in, and
the result is peak-normalised to `PEAK_DBFS` (never clipped) and written as 16-bit WAV or FLAC with
soundfile. tinysoundfont is imported lazily: it declares pyaudio, which we never use (it is
installed with `pip install --no-deps`, see pyproject's `nodeps` extra).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np

from musegen.errors import InputError
from musegen.fsutil import atomic_write_bytes
from musegen.render.common import seconds
from musegen.render.midi import (
    DEFAULT_VOCAL_PROGRAM,
    DRUM_CHANNEL,
    VOCAL_CHANNEL,
    VOCAL_TRACK,
    _clip_overlaps,
    part_controls,
    track_channels,
)
from musegen.types import Song

SAMPLE_RATE = 44100
PEAK_DBFS = -1.0  # normalised peak level
TAIL_SECONDS = 2.0  # let the last notes ring out
DEFAULT_SOUNDFONT = "TimGM6mb.sf2"
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")
REVERB_WET = 0.18  # reverb level relative to the dry signal (0 = dry)
REVERB_SECONDS = 1.1  # RT60 of the synthetic room
REVERB_PREDELAY = 0.018
_FFT_SIZE = 1 << 17
MAX_AUDIO_MINUTES = 30  # a longer render would need gigabytes of memory: almost surely a wrong tempo


def default_soundfont() -> Path:
    """Path of the shipped General MIDI soundfont (package data of `musegen.soundfonts`)."""
    path = Path(str(resources.files("musegen.soundfonts").joinpath(DEFAULT_SOUNDFONT)))
    if not path.is_file():
        raise InputError(f"default soundfont {path} is missing from this install; reinstall musegen or pass "
                         "--soundfont PATH")
    return path


def resolve_soundfont(soundfont: str | os.PathLike | None) -> Path:
    """The soundfont to use: `soundfont` if given (must be an existing .sf2/.sf3), else the default."""
    if soundfont is None:
        return default_soundfont()
    path = Path(soundfont)
    if not path.is_file():
        raise InputError(f"--soundfont {soundfont}: no such file; pass an existing .sf2 or .sf3 soundfont")
    if path.suffix.lower() not in SOUNDFONT_SUFFIXES:
        raise InputError(f"--soundfont {soundfont}: not a .sf2 or .sf3 file")
    return path


def _synth_module():
    try:
        import tinysoundfont
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError("audio rendering needs tinysoundfont: `pip install --no-deps tinysoundfont` "
                         "(or pass --no-audio)") from exc
    return tinysoundfont


def _events(song: Song) -> list[tuple[int, int, int, int, int]]:
    """(tick, order, channel, pitch, velocity) note events, note-offs (velocity 0) before note-ons."""
    ev = []
    parts = [(VOCAL_CHANNEL, song.vocal)] + [(ch, t.notes) for t, ch in zip(song.tracks, track_channels(song),
                                                                           strict=True)]
    for ch, notes in parts:
        for n in _clip_overlaps(list(notes)):
            ev.append((n.onset, 1, ch, n.pitch, n.velocity))
            ev.append((n.onset + n.duration, 0, ch, n.pitch, 0))
    ev.sort()
    return ev


def room_impulse(seconds: float = REVERB_SECONDS, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A stereo room impulse response (frames, 2) with unit energy.

    Decorrelated noise under an exponential decay that falls 60 dB in `seconds`, darkened as it decays
    (high frequencies die first in a room), after a short pre-delay.
    """
    rng = np.random.default_rng(20240611)  # fixed: the same song always renders to the same samples
    n = int(seconds * rate)
    t = np.arange(n) / rate
    smooth = np.cumsum(rng.standard_normal((n, 2)), axis=0)
    lag = np.minimum(1 + (t * 24).astype(int), 24)  # moving-average length grows from 1 to 24 samples
    idx = np.arange(n)
    dark = (smooth[idx] - smooth[np.maximum(idx - lag, 0)]) / lag[:, None]
    ir = dark * np.exp(-6.91 * t / seconds)[:, None]
    ir = np.concatenate([np.zeros((int(REVERB_PREDELAY * rate), 2)), ir])
    return (ir / np.sqrt((ir ** 2).sum() / 2)).astype(np.float32)


def _convolve(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Overlap-add FFT convolution of a long signal `x` with a short `h` (both 1-D); length len(x)."""
    size = _FFT_SIZE if len(h) < _FFT_SIZE // 2 else 1 << int(np.ceil(np.log2(2 * len(h))))
    block = size - len(h) + 1
    spec = np.fft.rfft(h, size)
    out = np.zeros(len(x) + len(h) - 1, np.float32)
    for s in range(0, len(x), block):
        seg = x[s:s + block]
        y = np.fft.irfft(np.fft.rfft(seg, size) * spec, size)[: len(seg) + len(h) - 1]
        out[s:s + len(y)] += y
    return out[: len(x)]


def add_reverb(audio: np.ndarray, wet: float = REVERB_WET) -> np.ndarray:
    """`audio` (frames, 2) plus `wet` × its convolution with `room_impulse()`."""
    if wet <= 0 or not len(audio):
        return audio
    ir = room_impulse()
    out = audio.copy()
    for c in range(2):
        out[:, c] += wet * _convolve(audio[:, c], ir[:, c])
    return out


def synthesize(song: Song, soundfont: str | os.PathLike | None = None, *, reverb: float = REVERB_WET) \
        -> np.ndarray:
    """Render `song` to a float32 stereo array of shape (frames, 2) at 44.1 kHz, peak-normalised.

    `reverb` is the room level relative to the dry sound (0 = dry).
    """
    if song.duration_seconds > MAX_AUDIO_MINUTES * 60:
        minutes = song.duration_seconds / 60
        raise InputError(f"song: {minutes:.0f} minutes long at {song.plan.tempo:g} BPM; audio is rendered up "
                         f"to {MAX_AUDIO_MINUTES} minutes (check the tempo, or pass --no-audio)")
    tsf = _synth_module()
    sf_path = resolve_soundfont(soundfont)
    synth = tsf.Synth(samplerate=SAMPLE_RATE)
    try:
        sfid = synth.sfload(str(sf_path))
    except Exception as exc:  # tinysoundfont raises a bare Exception/RuntimeError for a bad file
        raise InputError(f"--soundfont {sf_path}: cannot be loaded as a soundfont ({exc})") from None
    programs = [(VOCAL_CHANNEL, song.plan.instruments.get(VOCAL_TRACK, DEFAULT_VOCAL_PROGRAM), VOCAL_TRACK)]
    programs += [(ch, t.program, t.name) for t, ch in zip(song.tracks, track_channels(song), strict=True)]
    for ch, prog, name in programs:
        drum = ch == DRUM_CHANNEL
        try:
            synth.program_select(ch, sfid, 128 if drum else 0, 0 if drum else prog, is_drums=drum)
        except RuntimeError:  # the soundfont lacks this bank/preset: fall back to its first piano
            synth.program_select(ch, sfid, 0, 0, is_drums=drum)
        volume, pan = part_controls(name)
        synth.control_change(ch, 7, volume)
        synth.control_change(ch, 10, pan)

    events = _events(song)
    end_tick = max([song.length_ticks] + [e[0] for e in events])
    total = round(seconds(song, end_tick) * SAMPLE_RATE + TAIL_SECONDS * SAMPLE_RATE)
    buf = bytearray(total * 2 * 4)
    view = memoryview(buf)
    pos = 0  # frames rendered
    for tick, _, ch, pitch, vel in events:
        frame = min(round(seconds(song, tick) * SAMPLE_RATE), total)
        if frame > pos:
            synth.generate_simple(frame - pos, buffer=view[pos * 8:frame * 8])
            pos = frame
        if vel:
            synth.noteon(ch, pitch, vel)
        else:
            synth.noteoff(ch, pitch)
    if total > pos:
        synth.generate_simple(total - pos, buffer=view[pos * 8:total * 8])
    audio = add_reverb(np.frombuffer(buf, dtype=np.float32).reshape(-1, 2).copy(), reverb)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        audio *= (10 ** (PEAK_DBFS / 20)) / peak
    return audio


def render_audio(song: Song, path: str | os.PathLike, soundfont: str | os.PathLike | None = None, *,
                 reverb: float = REVERB_WET) -> Path:
    """Render `song` to `path` (.wav → 16-bit PCM, .flac → 16-bit FLAC) atomically; returns the path."""
    import io

    import soundfile as sf

    path = Path(path)
    fmt = {".wav": "WAV", ".flac": "FLAC"}.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: audio file must end in .wav or .flac")
    audio = synthesize(song, soundfont, reverb=reverb)
    buf = io.BytesIO()
    sf.write(buf, audio, SAMPLE_RATE, format=fmt, subtype="PCM_16")
    return atomic_write_bytes(path, buf.getvalue())
