"""Re-render a sung song after an edit, re-singing only the lines whose words or notes changed.

An edit keeps the chords and the band (`musegen.edit`), so most of a sung render can be reused: the
band (`synthesize(band_only=True)`) and every sung line whose phonemes, notes and seed are unchanged.
`RenderCache` keeps both in memory between renders (the studio holds one while it runs). The mix is
then made by `musegen.render.audio.mix_song` itself from those parts, and the lines are summed in the
same order as `musegen.sing.sing` sums them, so the files are byte for byte those of a full re-render
(tests/render/test_incremental.py compares them).

Keys are content hashes: of what the band depends on (tracks, plan, length, soundfont, reverb) and of
each sung line (its phonemes and notes in seconds after the octave shift, the seed and the line's index,
which seeds its breath noise). Any changed input is a new key, so a stale part is never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musegen.types import Song

MAX_BANDS = 3  # raw bands kept (a 3-minute band is ~60 MB of float32)
MAX_LINE_BYTES = 128 << 20  # sung lines kept, in bytes of audio


@dataclass
class RenderStats:
    """What the last cached render reused and where its time went (seconds)."""

    band_reused: bool = False
    lines_sung: int = 0
    lines_reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class RenderCache:
    """Raw bands and sung lines of recent renders, by content hash (thread-safe, bounded, LRU)."""

    def __init__(self, max_bands: int = MAX_BANDS, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_bands = max_bands
        self.max_line_bytes = max_line_bytes
        self._bands: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lines: OrderedDict[str, tuple[int, np.ndarray]] = OrderedDict()
        self._line_bytes = 0
        self._lock = threading.Lock()
        self.last = RenderStats()

    def get_band(self, key: str) -> np.ndarray | None:
        """The raw band stored under `key` (not to be modified), or None."""
        with self._lock:
            band = self._bands.get(key)
            if band is not None:
                self._bands.move_to_end(key)
            return band

    def put_band(self, key: str, band: np.ndarray) -> None:
        """Keep `band` (read-only from now on), dropping the oldest beyond `max_bands`."""
        band.flags.writeable = False
        with self._lock:
            self._bands[key] = band
            self._bands.move_to_end(key)
            while len(self._bands) > self.max_bands:
                self._bands.popitem(last=False)

    def get_line(self, key: str) -> tuple[int, np.ndarray] | None:
        """(start sample, audio at 44.1 kHz) of a sung line, or None."""
        with self._lock:
            hit = self._lines.get(key)
            if hit is not None:
                self._lines.move_to_end(key)
            return hit

    def put_line(self, key: str, at: int, wav: np.ndarray) -> None:
        """Keep a sung line, dropping the least recently used beyond `max_line_bytes`."""
        wav.flags.writeable = False
        with self._lock:
            if key in self._lines:
                return
            self._lines[key] = (at, wav)
            self._line_bytes += wav.nbytes
            while self._line_bytes > self.max_line_bytes and len(self._lines) > 1:
                _, (_, old) = self._lines.popitem(last=False)
                self._line_bytes -= old.nbytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._bands) + len(self._lines)


def _digest(obj: object) -> str:
    return hashlib.sha256(repr(obj).encode("utf-8")).hexdigest()


def band_key(song: Song, soundfont: Path, reverb: float) -> str:
    """Hash of what `synthesize(song, band_only=True)` reads: tracks, plan, length, soundfont, reverb."""
    from musegen.songfile import song_to_dict

    d = song_to_dict(song)
    st = soundfont.stat()
    return _digest(json.dumps({"tracks": d["tracks"], "plan": d["plan"], "ppq": song.ppq,
                               "length": song.length_ticks, "soundfont": [str(soundfont), st.st_size,
                                                                          st.st_mtime_ns],
                               "reverb": reverb}, sort_keys=True))


def cached_band(song: Song, soundfont: Path, reverb: float, cache: RenderCache) -> tuple[np.ndarray, bool]:
    """The raw band of `song` (as `mix_song` makes it) and whether it came from the cache."""
    from musegen.render.audio import synthesize

    key = band_key(song, soundfont, reverb)
    band = cache.get_band(key)
    if band is not None:
        return band, True
    band = synthesize(song, soundfont, reverb=reverb, band_only=True, normalise=False)
    cache.put_band(key, band)
    return band, False


def cached_vocals(song: Song, seed: int | None, length: int, cache: RenderCache, stats: RenderStats):
    """`musegen.sing.sing(song, seed, length=length)`, singing only the lines not in `cache`."""
    from musegen.sing import line_audio, sing

    def sing_line(s: int, i: int, line) -> tuple[int, np.ndarray]:
        key = _digest(("line", s, i, line))
        hit = cache.get_line(key)
        if hit is not None:
            stats.lines_reused += 1
            return hit
        at, wav = line_audio(line, s, i)
        cache.put_line(key, at, wav)
        stats.lines_sung += 1
        return at, wav

    return sing(song, seed, length=length, sing_line=sing_line)


def prime(song: Song, cache: RenderCache, soundfont: str | os.PathLike | None = None) -> RenderStats:
    """Put `song`'s band and sung lines into `cache` (nothing is mixed or written).

    The studio does this for a sung song it did not render itself, so that its first edit re-sings one line.
    """
    from musegen.render.audio import REVERB_WET, resolve_soundfont

    stats = RenderStats()
    band, stats.band_reused = cached_band(song, resolve_soundfont(soundfont), REVERB_WET, cache)
    cached_vocals(song, None, len(band), cache, stats)
    return stats


def is_primed(song: Song, cache: RenderCache, soundfont: str | os.PathLike | None = None) -> bool:
    """Whether `cache` holds `song`'s band (then its lines were sung with it, unless evicted since)."""
    from musegen.render.audio import REVERB_WET, resolve_soundfont

    return cache.get_band(band_key(song, resolve_soundfont(soundfont), REVERB_WET)) is not None


def mix_cached(song: Song, cache: RenderCache, soundfont: str | os.PathLike | None = None, *,
               seed: int | None = None):
    """`musegen.render.audio.mix_song(song, soundfont, seed=seed)`, reusing the band and lines in `cache`.

    Returns the `Mix`; `cache.last` says what was reused and the seconds per step.
    """
    from musegen.render.audio import REVERB_WET, mix_song, resolve_soundfont

    stats = RenderStats()
    sf_path = resolve_soundfont(soundfont)
    t = time.perf_counter()
    band, stats.band_reused = cached_band(song, sf_path, REVERB_WET, cache)
    stats.seconds["band"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    voc = cached_vocals(song, seed, len(band), cache, stats)
    stats.seconds["sing"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    mix = mix_song(song, sf_path, seed=seed, band=band, voice=voc)
    stats.seconds["mix"] = round(time.perf_counter() - t, 3)
    cache.last = stats
    return mix


def write_sung_folder(song: Song, out_dir: str | os.PathLike, cache: RenderCache, *,
                      audio_format: str = "wav", soundfont: str | os.PathLike | None = None,
                      force: bool = False) -> list[Path]:
    """`write_song_folder(song, out_dir, audio_format=…, vocals=True)` with the mix from `mix_cached`.

    The same files, the same bytes, written all or nothing; the audio is mixed before anything is written.
    """
    from musegen.fsutil import atomic_dir, check_output_dir
    from musegen.render import AUDIO_FORMATS, check_soundfont, write_song_folder
    from musegen.render.audio import write_audio
    from musegen.songfile import save_song

    if audio_format not in AUDIO_FORMATS:
        from musegen.errors import InputError

        raise InputError(f"--format {audio_format}: unknown audio format; "
                         f"use one of {', '.join(AUDIO_FORMATS)}")
    sf_path = check_soundfont(soundfont)
    out = check_output_dir(out_dir, force=force)  # refused before the work, and again when it is moved
    cpu = time.thread_time()
    mix = mix_cached(song, cache, sf_path)
    t = time.perf_counter()
    with atomic_dir(out, force=force) as tmp:
        written = write_song_folder(song, tmp, audio_format=None, force=True)  # json, MIDI, MusicXML, text
        song.meta["vocals"] = mix.info  # where write_song_folder(vocals=True) puts it: last in meta
        save_song(song, tmp / "song.json")
        audio = [write_audio(tmp / f"{name}.{audio_format}", data)
                 for name, data in (("song", mix.song), ("vocals", mix.vocals), ("band", mix.band))]
    cache.last.seconds["write"] = round(time.perf_counter() - t, 3)
    cache.last.seconds["cpu"] = round(time.thread_time() - cpu, 3)  # of the whole render, this thread
    names = [p.name for p in written]
    names[3:3] = [p.name for p in audio]
    return [out / n for n in names]
