"""Audio: render a song through a General MIDI soundfont with TinySoundFont (pip-only, no audio device).

The synthesizer plays the same events song.mid holds (programs, channel volume and pan, notes) into a
float buffer at 44.1 kHz; a light convolution reverb (a synthetic room, `REVERB_WET`) is mixed in, and
the result is peak-normalised to `PEAK_DBFS` (never clipped) and written as 16-bit WAV or FLAC with
soundfile. With vocals (`render_mix`), the band plays without the GM "synth voice" part and the sung
track from `musegen.sing` sits in front of it: compressed (`compress`), a little room on it, and
`VOCAL_LEVEL_DB` louder than the band; the stems vocals.<fmt> and band.<fmt> sum to the song.
tinysoundfont is imported lazily: it declares pyaudio, which we never use (it is
installed with `pip install --no-deps`, see pyproject's `nodeps` extra).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from musegen.errors import InputError
from musegen.fsutil import atomic_write_bytes
from musegen.render.common import seconds
from musegen.render.loudness import BLOCK, a_weighted, vocal_over_band_dba
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
VOCAL_LEVEL_DB = 3.0  # sung parts this much louder (RMS) than the band: the voice in front
VOCAL_MARGIN_DB = 0.5  # headroom over VOCAL_LEVEL_DB for the A-weighted check
VOCAL_REVERB_WET = 0.10  # a little room on the voice (less than on the band)
COMP_THRESHOLD_DB, COMP_RATIO = -12.0, 3.0  # vocal compressor
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


def _frames(song: Song, events: list[tuple[int, int, int, int, int]]) -> int:
    end_tick = max([song.length_ticks] + [e[0] for e in events])
    return round(seconds(song, end_tick) * SAMPLE_RATE + TAIL_SECONDS * SAMPLE_RATE)


def band_frames(song: Song) -> int:
    """Frames `synthesize(song, band_only=True)` returns (known before rendering it)."""
    return _frames(song, [e for e in _events(song) if e[2] != VOCAL_CHANNEL])


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


def synthesize(song: Song, soundfont: str | os.PathLike | None = None, *, reverb: float = REVERB_WET,
               band_only: bool = False, normalise: bool = True) -> np.ndarray:
    """Render `song` to a float32 stereo array of shape (frames, 2) at 44.1 kHz, peak-normalised.

    `reverb` is the room level relative to the dry sound (0 = dry). `band_only` leaves out the vocal part
    (a voice sings it instead); `normalise=False` keeps the synthesizer's own level.
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

    events = [e for e in _events(song) if not (band_only and e[2] == VOCAL_CHANNEL)]
    total = _frames(song, events)
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
    return _normalise(audio) if normalise else audio


def _normalise(audio: np.ndarray, *stems: np.ndarray) -> np.ndarray:
    """Scale `audio` (and `stems` by the same factor, in place) so that its peak sits at PEAK_DBFS."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0:
        gain = (10 ** (PEAK_DBFS / 20)) / peak
        audio *= gain
        for s in stems:
            s *= gain
    return audio


def compress(x: np.ndarray, *, threshold_db: float = COMP_THRESHOLD_DB, ratio: float = COMP_RATIO,
             rate: int = SAMPLE_RATE) -> np.ndarray:
    """A feed-forward RMS compressor on mono `x`, same shape out.

    Above `threshold_db` (relative to the loudest 50 ms) the level rises 1/`ratio` as fast; 10 ms
    attack, 120 ms release. The gain is computed on 1 ms blocks and interpolated to the samples.
    """
    from scipy.signal import lfilter

    if not x.size:
        return x
    hop = max(rate // 1000, 1)
    nb = -(-len(x) // hop)
    blocks = np.zeros(nb * hop, np.float32)
    blocks[: len(x)] = x
    power = np.einsum("ij,ij->i", blocks.reshape(nb, hop), blocks.reshape(nb, hop)) / hop
    win = 50  # blocks: 50 ms
    csum = np.concatenate([[0.0], np.cumsum(power, dtype=np.float64)])
    lo = np.clip(np.arange(nb) - win // 2, 0, nb)
    mean = (csum[np.minimum(lo + win, nb)] - csum[lo]) / win  # centred 50 ms mean power
    level = 10 * np.log10(np.maximum(mean, 1e-12))
    over = np.maximum(level - (level.max() + threshold_db), 0.0)
    target = -over * (1 - 1 / ratio)  # gain in dB per block
    # smooth the gain: fast when it falls (attack), slow when it recovers (release)
    a_att, a_rel = np.exp(-1 / 10.0), np.exp(-1 / 120.0)  # 10 and 120 blocks of 1 ms
    gain_db = np.minimum(lfilter([1 - a_att], [1, -a_att], target), lfilter([1 - a_rel], [1, -a_rel], target))
    gain = np.interp(np.arange(len(x)), np.arange(nb) * hop + hop / 2, 10 ** (gain_db / 20))
    return (x * gain).astype(np.float32)


def _rms(x: np.ndarray) -> float:
    flat = np.ascontiguousarray(x, dtype=np.float32).ravel()
    return float(np.sqrt(np.dot(flat, flat) / flat.size)) if flat.size else 0.0


@dataclass
class Mix:
    """A song with vocals: the mix and its two stems, float32 (frames, 2) at 44.1 kHz, peak-normalised."""

    song: np.ndarray
    vocals: np.ndarray
    band: np.ndarray
    info: dict  # what song.json records about the voice (see `musegen.sing.Vocals.info`)


def mix_song(song: Song, soundfont: str | os.PathLike | None = None, *, seed: int | None = None,
             reverb: float = REVERB_WET, band: np.ndarray | None = None, voice=None) -> Mix:
    """The band (without the GM vocal part) and the sung lyrics in front of it; stems sum to the mix.

    `band` (`synthesize(…, band_only=True, normalise=False)`) and `voice` (`musegen.sing.sing`'s result),
    when given, are used instead of rendering them again (neither is modified): an edit re-sings only the
    lines it changed (`musegen.render.incremental`).
    """
    from musegen.sing import sing

    if band is None:  # the band renders on the other core while the voice sings (same samples either way)
        # if the voice fails, its error is raised once the pool has waited for the band (whose own is dropped)
        with ThreadPoolExecutor(1, thread_name_prefix="musegen-band") as pool:
            job = pool.submit(_weighted_band, song, soundfont, reverb)
            voc = sing(song, seed, length=band_frames(song)) if voice is None else voice
            band, band_a = job.result()
    else:
        band, band_a = band.copy(), None
        voc = sing(song, seed, length=len(band)) if voice is None else voice
    dry = compress(voc.audio)
    sung = np.abs(dry) > 1e-4
    level = _rms(dry[sung]) if sung.any() else 0.0
    if level > 0:  # the voice VOCAL_LEVEL_DB above the band's level (the band alone if it is silent)
        dry *= max(_rms(band), 1e-3) * 10 ** (VOCAL_LEVEL_DB / 20) / level
        # and as heard: at least VOCAL_LEVEL_DB over the band, A-weighted, while it sings (a piano-only band
        # is quiet on the whole but loud in the voice's range)
        over = vocal_over_band_dba(dry, band, band_a=band_a)
        if over < VOCAL_LEVEL_DB + VOCAL_MARGIN_DB:
            dry *= 10 ** ((VOCAL_LEVEL_DB + VOCAL_MARGIN_DB - over) / 20)
    vocals = add_reverb(np.repeat(dry[:, None], 2, axis=1), VOCAL_REVERB_WET)
    mix = band + vocals
    _normalise(mix, vocals, band)
    return Mix(mix, vocals, band, voc.info())


def _weighted_band(song: Song, soundfont: str | os.PathLike | None, reverb: float) -> tuple[np.ndarray,
                                                                                             np.ndarray]:
    """The band as `mix_song` uses it, and its A-weighted signal (see `loudness.vocal_over_band_dba`)."""
    band = synthesize(song, soundfont, reverb=reverb, band_only=True, normalise=False)
    return band, a_weighted(band[: len(band) // BLOCK * BLOCK])


def _format(path: Path) -> str:
    fmt = {".wav": "WAV", ".flac": "FLAC"}.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: audio file must end in .wav or .flac")
    return fmt


def write_audio(path: str | os.PathLike, audio: np.ndarray) -> Path:
    """Write float `audio` (frames, 2) at 44.1 kHz to `path` (.wav/.flac, 16-bit) atomically."""
    import io

    import soundfile as sf

    path = Path(path)
    fmt = _format(path)
    buf = io.BytesIO()
    sf.write(buf, audio, SAMPLE_RATE, format=fmt, subtype="PCM_16")
    return atomic_write_bytes(path, buf.getvalue())


def render_audio(song: Song, path: str | os.PathLike, soundfont: str | os.PathLike | None = None, *,
                 reverb: float = REVERB_WET) -> Path:
    """Render `song` to `path` (.wav → 16-bit PCM, .flac → 16-bit FLAC) atomically; returns the path.

    This is the instrumental render: the vocal line plays on its GM program.
    """
    path = Path(path)
    _format(path)
    return write_audio(path, synthesize(song, soundfont, reverb=reverb))


def render_mix(song: Song, path: str | os.PathLike, soundfont: str | os.PathLike | None = None, *,
               seed: int | None = None, reverb: float = REVERB_WET) -> tuple[list[Path], dict]:
    """Render `song` with sung vocals to `path` plus the stems vocals.<ext> and band.<ext> beside it.

    Returns the three paths (song, vocals, band) and the voice info for song.json.
    """
    path = Path(path)
    _format(path)
    mix = mix_song(song, soundfont, seed=seed, reverb=reverb)
    paths = [write_audio(path, mix.song), write_audio(path.with_name(f"vocals{path.suffix}"), mix.vocals),
             write_audio(path.with_name(f"band{path.suffix}"), mix.band)]
    return paths, mix.info
