"""Render speed: prints JSON with times (median of --runs) for each exporter and the audio speed ratio.

    .venv/bin/python benchmarks/render.py [--song examples/song.json] [--runs 5] [--soundfont PATH]

`audio_realtime_ratio` = seconds of audio / seconds spent synthesising, soundfont loading and reverb included
(issue 2 asks for >= 50 on a 2-core CPU); `audio_dry_realtime_ratio` is without the reverb. The baseline
measured in the same run is tinysoundfont's own MIDI sequencer playing our song.mid (dry). An .sf3
soundfont decodes its samples on load: see `soundfont_load_s`.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from musegen.render import write_song_folder
from musegen.render.audio import SAMPLE_RATE, TAIL_SECONDS, resolve_soundfont, synthesize
from musegen.render.lyrics_text import lrc_text, lyrics_text
from musegen.render.midi import song_to_midi_bytes
from musegen.render.musicxml import song_to_musicxml_bytes
from musegen.songfile import dumps_song, load_song, loads_song

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, runs: int) -> tuple[float, object]:
    """Median wall time of `fn()` over `runs` calls, and its last result."""
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def tsf_sequencer_baseline(midi: bytes, soundfont: Path, seconds: float) -> np.ndarray:
    """tinysoundfont's own Sequencer playing the MIDI file (the baseline synthesis path)."""
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=SAMPLE_RATE)
    sfid = synth.sfload(str(soundfont))
    seq = tinysoundfont.Sequencer(synth)
    with tempfile.NamedTemporaryFile(suffix=".mid") as fh:
        fh.write(midi)
        fh.flush()
        seq.midi_load(fh.name)
    del sfid
    buf = synth.generate(round(seconds * SAMPLE_RATE))
    return np.frombuffer(buf, dtype=np.float32)


def load_soundfont(path: Path) -> None:
    """Just load the soundfont (sf3 files decode their compressed samples here)."""
    import tinysoundfont

    tinysoundfont.Synth(samplerate=SAMPLE_RATE).sfload(str(path))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--song", default=str(ROOT / "examples" / "song.json"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--soundfont", default=None)
    args = ap.parse_args()

    song = load_song(args.song)
    sf_path = resolve_soundfont(args.soundfont)
    audio_seconds = song.duration_seconds + TAIL_SECONDS
    r = args.runs
    text = dumps_song(song)
    t_json_save, _ = timed(lambda: dumps_song(song), r)
    t_json_load, _ = timed(lambda: loads_song(text), r)
    t_midi, midi = timed(lambda: song_to_midi_bytes(song), r)
    song_to_musicxml_bytes(song)  # warm music21's imports
    t_xml, _ = timed(lambda: song_to_musicxml_bytes(song), r)
    t_lyr, _ = timed(lambda: (lyrics_text(song), lrc_text(song)), r)
    synthesize(song, sf_path)  # warm the soundfont file cache
    t_synth, audio = timed(lambda: synthesize(song, sf_path), r)
    t_load, _ = timed(lambda: load_soundfont(sf_path), r)
    t_dry, _ = timed(lambda: synthesize(song, sf_path, reverb=0), r)

    def encode(fmt: str) -> bytes:
        buf = io.BytesIO()
        sf.write(buf, audio, SAMPLE_RATE, format=fmt, subtype="PCM_16")
        return buf.getvalue()

    t_wav, _ = timed(lambda: encode("WAV"), r)
    t_flac, _ = timed(lambda: encode("FLAC"), r)
    t_base, _ = timed(lambda: tsf_sequencer_baseline(midi, sf_path, audio_seconds), r)
    with tempfile.TemporaryDirectory() as tmp:
        t_folder, _ = timed(lambda: write_song_folder(song, Path(tmp) / "out", force=True), r)
        cli_times = []
        for i in range(max(3, r // 2)):
            t = time.perf_counter()
            out = Path(tmp) / f"cli{i}"
            cmd = [str(Path(sys.executable).parent / "musegen"), "render", args.song, "--out", str(out)]
            subprocess.run(cmd, check=True, capture_output=True)
            cli_times.append(time.perf_counter() - t)
            assert (out / "song.wav").is_file()
    print(json.dumps({
        "song": str(args.song),
        "soundfont": str(sf_path),
        "song_seconds": round(song.duration_seconds, 2),
        "runs": r,
        "song_json_write_s": round(t_json_save, 4),
        "song_json_read_s": round(t_json_load, 4),
        "midi_write_s": round(t_midi, 4),
        "musicxml_write_s": round(t_xml, 4),
        "lyrics_lrc_s": round(t_lyr, 5),
        "audio_synth_s": round(t_synth, 4),
        "audio_realtime_ratio": round(audio_seconds / t_synth, 1),
        "meets_50x": audio_seconds / t_synth >= 50,
        "audio_synth_dry_s": round(t_dry, 4),
        "audio_dry_realtime_ratio": round(audio_seconds / t_dry, 1),
        "soundfont_load_s": round(t_load, 4),
        "audio_realtime_ratio_excluding_load": round(audio_seconds / max(t_synth - t_load, 1e-9), 1),
        "baseline_tsf_sequencer_s": round(t_base, 4),
        "baseline_realtime_ratio": round(audio_seconds / t_base, 1),
        "wav_encode_s": round(t_wav, 4),
        "flac_encode_s": round(t_flac, 4),
        "write_song_folder_s": round(t_folder, 3),
        "cli_render_wall_s_median": round(statistics.median(cli_times), 3),
    }, indent=1))


if __name__ == "__main__":
    main()
