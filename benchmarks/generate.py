"""End-to-end benchmark of `musegen generate` on this CPU; prints JSON.

    .venv/bin/python benchmarks/generate.py [--n 20] [--cli-runs 3] [--no-audio] [--out bench.json]
        [--prompts untuned] [--keep DIR]

- songs: N prompts composed and rendered in one process with the models loaded once — seconds per song
  (median/max) and per stage, song length, peak resident memory; alignment metrics from song.json and,
  as EVALUATION.md defines them, from the song.mid lyric events (median over songs); the chords' share in
  the key and in the genre vocabulary (`musegen.evaluation.harmony`).
- cli: whole-process wall time of `musegen generate` (cold: models load each run), median of
  `--cli-runs`, against a baseline measured in the same run: `musegen render` of the same song.json.
- melody: EVALUATION.md's set overlap of the song.mid vocal lines (vocal track, pretty_midi beats) against
  real held-out pop melodies (POP909 validation split of `--corpus`), with two baselines from the same
  run: other real held-out pop melodies (the ceiling) and random in-scale notes with random eighth/quarter
  durations (EVALUATION.md's floor); plus the model's melody before alignment, to show what the aligner
  changes.
- baseline in the same run: each song's model melody aligned again with the aligner's inversion term off
  (`INVERSION_COST = 0`; also the other costs of `INVERSION_SWEEP`), its MIDI measured the same way.
- `--prompts untuned`: 20 prompts written for the issue-13 measure and used nowhere else (no tuning);
  the default set is the one earlier changes were tuned on.
- reference: the same alignment measures on music21's English lead sheets (verse 1, MusicXML beats).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from musegen.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = [
    "melancholic rainy night", "euphoric summer dance party", "angry rebellious rock anthem",
    "old-time waltz in a dance hall", "lazy smoky blues bar", "campfire under the stars",
    "hopeful sunrise after a long winter", "lonely heartbreak in the city", "road trip with friends",
    "gentle lullaby for a sleeping child", "nostalgic memories of my hometown", "triumphant stadium anthem",
    "mysterious haunted forest", "tender first love", "cold empty winter morning",
    "funky confident strut", "sea shanty on a rolling ship", "quiet prayer at dusk",
    "neon club night", "bittersweet goodbye at the station",
]
INVERSION_SWEEP = (0.0, 1.0, 2.0)  # aligner inversion costs re-measured on each song's model melody
UNTUNED_PROMPTS = [
    "desert highway at noon", "grandmother's kitchen", "first snow in the valley",
    "last dance before closing",
    "harbor lights in the fog", "jealous lover at midnight", "spring picnic by the river",
    "soldier coming home", "late train to nowhere", "fireflies in a summer field",
    "broken promises and cheap wine", "morning coffee with an old friend", "stormy sea at dawn",
    "carnival lights and cotton candy", "moving to a new city", "quiet library on a sunday",
    "gold rush dreams", "dancing alone in the kitchen", "autumn leaves on an empty street",
    "rooftop party under the moon",
]
REFERENCE_SHEETS = {
    "Foster: Jeannie with the Light Brown Hair": "leadSheet/fosterBrownHair.mxl",
    "Berlin: Alexander's Ragtime Band": "leadSheet/berlinAlexandersRagtime.mxl",
    "Johnson: Lift Every Voice and Sing": "johnson_j_r/lift_every_voice.mxl",
    "Beach: Prayer of a Tired Child": "beach/prayer_of_a_tired_child.musicxml",
}
METRICS = ("syllable_coverage", "stressed_on_strong", "unstressed_on_strong", "rests_inside_words",
           "lines_without_closing_rest")


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3),
            "min": round(min(values), 3)}


def bench_songs(n: int, audio: str | None, work: Path, partial: Path | None = None,
                melodies: dict | None = None, prompts: list[str] = PROMPTS) -> dict:
    """`melodies` (optional) receives each song's vocal line from song.mid ("song_mid") and the model's
    melody before alignment ("model"), as EVALUATION.md melodies."""
    import importlib

    from musegen.evaluation.alignment import midi_alignment
    from musegen.evaluation.harmony import chord_counts
    from musegen.evaluation.melody import melody_from_midi, melody_from_notes, midi_seconds_per_beat
    from musegen.lyrics import load_lyrics_model
    from musegen.music import load_music_model
    from musegen.pipeline import compose
    from musegen.render import write_song_folder
    from musegen.render.midi import song_to_midi_bytes
    from musegen.training.catalog import song_notes

    conductor = importlib.import_module("musegen.conductor")
    align_module = importlib.import_module("musegen.conductor.align")
    real_align = conductor.align
    caught: dict = {}

    def spy(plan, lyrics, melody):  # keep the model's melody before alignment
        caught["melody"] = (plan, melody)
        caught["lyrics"] = lyrics
        return real_align(plan, lyrics, melody)

    conductor.align = spy
    t = time.perf_counter()
    lyrics_model = load_lyrics_model()
    music_model = load_music_model()
    load_s = time.perf_counter() - t
    rows = []
    for i, prompt in enumerate((prompts * (n // len(prompts) + 1))[:n]):
        timings: dict[str, float] = {}
        start = time.perf_counter()
        song = compose(prompt, seed=i, lyrics_model=lyrics_model, music_model=music_model, timings=timings)
        t = time.perf_counter()
        out = work / f"song{i:02d}"
        write_song_folder(song, out, audio_format=audio, force=True)
        timings["render"] = time.perf_counter() - t
        total = time.perf_counter() - start
        mid = midi_alignment((out / "song.mid").read_bytes())
        if melodies is not None:
            melodies.setdefault("song_mid", []).append(melody_from_midi(out / "song.mid"))
            plan, mel = caught["melody"]
            melodies.setdefault("model", []).append(melody_from_notes(song_notes(mel.sections,
                                                                                 plan.bar_ticks)))
            melodies.setdefault("seconds_per_beat", []).append(60.0 / plan.tempo)
            melodies.setdefault("song_mid_seconds_per_beat", []).append(
                midi_seconds_per_beat(out / "song.mid"))
            melodies.setdefault("song_quarter_beats", []).append(melody_from_notes(song.vocal))
            melodies.setdefault("meter", []).append(list(song.plan.meter))
            melodies.setdefault("key", []).append([song.plan.key_obj.tonic, song.plan.key_obj.mode])
        moved = song.metrics.get("notes_retimed", 0.0)
        aligned = song.metrics.get("model_notes_aligned", 0.0)
        # baseline: the same model melody aligned without the inversion term (and, for the record, with
        # the other costs of the tuning sweep)
        realigned = {}
        for alt in INVERSION_SWEEP:
            cost, align_module.INVERSION_COST = align_module.INVERSION_COST, alt
            try:
                base = real_align(caught["melody"][0], caught["lyrics"], copy.deepcopy(caught["melody"][1]))
            finally:
                align_module.INVERSION_COST = cost
            base_mid = midi_alignment(song_to_midi_bytes(base))
            realigned[alt] = {"aligner_moved": [base.metrics.get("notes_retimed", 0.0),
                                                base.metrics.get("model_notes_aligned", 0.0)],
                              **{k: base_mid[k] for k in ("stressed_on_strong", "unstressed_on_strong",
                                                          "stress_inversions", "polysyllabic_words")}}
        rows.append({"prompt": prompt, "seed": i, "seconds": round(total, 3),
                     "stages": {k: round(v, 3) for k, v in timings.items()},
                     "song_seconds": round(song.duration_seconds, 1), "style": song.plan.style,
                     "key": f"{song.plan.key} {song.plan.mode}", "tempo": song.plan.tempo,
                     "metrics": {k: song.metrics.get(k) for k in METRICS},
                     "aligner_moved": [moved, aligned],
                     "midi_alignment": {k: mid[k] for k in ("stressed_on_strong", "unstressed_on_strong",
                                                             "stress_inversions", "polysyllabic_words",
                                                             "words_skipped")},
                     "realigned_inversion_cost": realigned, "pacing": line_pacing(song),
                     "chords": chord_counts(song)})
        print(f"[{i + 1}/{n}] {prompt!r}: {total:.1f} s for {song.duration_seconds:.0f} s of music "
              f"({', '.join(f'{k} {v:.1f}' for k, v in timings.items())})", file=sys.stderr)
        if partial is not None:  # long runs: what is done so far survives an interruption
            partial.write_text(json.dumps({"model_load_seconds": round(load_s, 3), "songs": rows}, indent=1))
    conductor.align = real_align
    stages = sorted({k for r in rows for k in r["stages"]}, key=list(rows[0]["stages"]).index)
    return {
        "n": n,
        "audio": audio,
        "model_load_seconds": round(load_s, 3),
        "seconds_per_song": summary([r["seconds"] for r in rows]),
        "seconds_per_stage": {s: summary([r["stages"].get(s, 0.0) for r in rows]) for s in stages},
        "song_length_seconds": summary([r["song_seconds"] for r in rows]),
        "songs_within_150_210_s": sum(150 <= r["song_seconds"] <= 210 for r in rows),
        "songs_under_60_s_compute": sum(r["seconds"] < 60 for r in rows),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "alignment_song_json": {k: summary([r["metrics"][k] for r in rows]) for k in METRICS},
        "alignment_song_mid": {k: summary([r["midi_alignment"][k] for r in rows])
                               for k in ("stressed_on_strong", "unstressed_on_strong", "stress_inversions")},
        **_pacing_shares([r["pacing"] for r in rows]),  # crammed lines: late starts, 16ths inside lines
        **_chord_shares([r["chords"] for r in rows]),  # the arranged chords (colour sevenths included)
        # pooled over all songs: notes the aligner moved / the model's notes it placed; inverted words /
        # polysyllabic words
        "aligner_moved_share": round(sum(r["aligner_moved"][0] for r in rows)
                                     / max(1.0, sum(r["aligner_moved"][1] for r in rows)), 4),
        "stress_inversions_pooled": round(
            sum(r["midi_alignment"]["stress_inversions"] * r["midi_alignment"]["polysyllabic_words"]
                for r in rows) / max(1.0, sum(r["midi_alignment"]["polysyllabic_words"] for r in rows)), 4),
        # the same model melodies re-aligned with INVERSION_COST = 0 (the baseline) and the sweep's others
        "realigned_inversion_cost": {str(c): _pooled([r["realigned_inversion_cost"][c] for r in rows])
                                     for c in INVERSION_SWEEP},
        "songs": rows,
    }


def _pooled(rows: list[dict]) -> dict:
    """Aligner-moved share and stress inversions pooled over songs; stress shares as medians."""
    words = sum(r["polysyllabic_words"] for r in rows)
    return {"aligner_moved_share": round(sum(r["aligner_moved"][0] for r in rows)
                                         / max(1.0, sum(r["aligner_moved"][1] for r in rows)), 4),
            "stress_inversions_pooled": round(sum(r["stress_inversions"] * r["polysyllabic_words"]
                                                  for r in rows) / max(1.0, words), 4),
            **{k: summary([r[k] for r in rows]) for k in ("stressed_on_strong", "unstressed_on_strong")}}


def bench_folders(root: Path, melodies: dict) -> dict:
    """The same song.mid measures on song folders already written (e.g. by the previous version)."""
    from musegen.evaluation.alignment import midi_alignment
    from musegen.evaluation.harmony import chord_counts
    from musegen.evaluation.melody import melody_from_midi, melody_from_notes, midi_seconds_per_beat
    from musegen.songfile import load_song

    rows = []
    for d in sorted(p.parent for p in root.glob("*/song.json")):
        meta = json.loads((d / "song.json").read_text())
        plan, metrics = meta["plan"], meta.get("metrics", {})
        melodies.setdefault("song_mid", []).append(melody_from_midi(d / "song.mid"))
        melodies.setdefault("seconds_per_beat", []).append(60.0 / plan["tempo"])
        melodies.setdefault("song_mid_seconds_per_beat", []).append(midi_seconds_per_beat(d / "song.mid"))
        song = load_song(d / "song.json")
        melodies.setdefault("song_quarter_beats", []).append(melody_from_notes(song.vocal))
        melodies.setdefault("meter", []).append(list(plan["meter"]) if not isinstance(plan["meter"], str)
                                                else [int(x) for x in plan["meter"].split("/")])
        melodies.setdefault("key", []).append([song.plan.key_obj.tonic, song.plan.key_obj.mode])
        mid = midi_alignment((d / "song.mid").read_bytes())
        rows.append({"song": d.name, "aligner_moved": [metrics.get("notes_retimed", 0.0),
                                                       metrics.get("model_notes_aligned", 0.0)],
                     "midi_alignment": mid, "pacing": line_pacing(song), "chords": chord_counts(song)})
    keys = ("stressed_on_strong", "unstressed_on_strong", "stress_inversions")
    return {"n": len(rows), "folders": str(root),
            "alignment_song_mid": {k: summary([r["midi_alignment"][k] for r in rows]) for k in keys},
            **_pacing_shares([r["pacing"] for r in rows]),
            **_chord_shares([r["chords"] for r in rows]),
            "aligner_moved_share": round(sum(r["aligner_moved"][0] for r in rows)
                                         / max(1.0, sum(r["aligner_moved"][1] for r in rows)), 4),
            "stress_inversions_pooled": round(
                sum(r["midi_alignment"]["stress_inversions"] * r["midi_alignment"]["polysyllabic_words"]
                    for r in rows) / max(1.0, sum(r["midi_alignment"]["polysyllabic_words"] for r in rows)),
                4)}


PREVIOUS_PRIOR = {"STRESS_PULL": 0.0, "STRESSED_SCALE": 1.0, "UNSTRESSED_SCALE": 1.0}  # before session 3


def prior_ab(root: Path, corpus: Path) -> dict:
    """The music stage and aligner again on each kept song's own plan and lyrics (seed = its index, as
    `bench_songs` composed it), with the shipped stress prior and with PREVIOUS_PRIOR: a same-run A/B of
    the sampler's prior alone (the shipped run must reproduce the kept song.json's vocal line)."""
    import importlib

    import numpy as np

    from musegen.conductor import align
    from musegen.evaluation.alignment import midi_alignment
    from musegen.evaluation.melody import legato, legato_counts, melody_from_notes, overlap, scale_consistency
    from musegen.music import generate_melody, load_music_model
    from musegen.render.midi import song_to_midi_bytes
    from musegen.songfile import load_song
    from musegen.training.catalog import melody_notes
    from musegen.types import Lyrics, LyricSection

    sys.path.insert(0, str(Path(__file__).parent))
    from music import corpus_sheets, held_out_pop

    gen = importlib.import_module("musegen.music.generate")
    ref = [melody_from_notes(melody_notes(s)) for s in held_out_pop(corpus_sheets(corpus))[0]]
    model = load_music_model()
    songs = [load_song(p) for p in sorted(root.glob("song??/song.json"))]
    out = {}
    for name, values in (("shipped", {}), ("previous_prior", PREVIOUS_PRIOR)):
        saved = {k: getattr(gen, k) for k in values}
        for k, v in values.items():
            setattr(gen, k, v)
        rows, mels, counts = [], [], []
        try:
            for i, old in enumerate(songs):
                lyr = Lyrics([LyricSection(s.type, s.lines, s.repeat_of) for s in old.sections])
                song = align(old.plan, lyr, generate_melody(old.plan, seed=i, model=model, lyrics=lyr))
                mid = midi_alignment(song_to_midi_bytes(song))
                mels.append(melody_from_notes(song.vocal))
                counts.append(legato_counts(mels[-1], 60.0 / old.plan.tempo))
                rows.append({"moved": song.metrics["notes_retimed"],
                             "aligned": song.metrics["model_notes_aligned"],
                             "same_as_kept": [(n.onset, n.duration, n.pitch) for n in song.vocal]
                             == [(n.onset, n.duration, n.pitch) for n in old.vocal],
                             **{k: mid[k] for k in ("stressed_on_strong", "unstressed_on_strong",
                                                    "stress_inversions", "polysyllabic_words")}})
        finally:
            for k, v in saved.items():
                setattr(gen, k, v)
        words = sum(r["polysyllabic_words"] for r in rows)
        out[name] = {"songs": len(rows), "songs_same_as_kept": sum(r["same_as_kept"] for r in rows),
                     "aligner_moved_share": round(sum(r["moved"] for r in rows)
                                                  / max(1.0, sum(r["aligned"] for r in rows)), 4),
                     "stress_inversions_pooled": round(sum(r["stress_inversions"] * r["polysyllabic_words"]
                                                           for r in rows) / max(1, words), 4),
                     **{k: summary([r[k] for r in rows])
                        for k in ("stressed_on_strong", "unstressed_on_strong")},
                     "overlap_quarter_beats": {k: round(v, 4) for k, v in overlap(mels, ref).items()},
                     "scale_consistency": round(float(np.mean([scale_consistency(m) for m in mels])), 4),
                     **legato(counts)}
        print(f"{name}: {json.dumps(out[name])}", file=sys.stderr)
    return out


PREVIOUS_ALIGNER = {"CONTENT_STRESS": 1.0, "FUNCTION_STRESS": 1.0, "UNSTRESSED_ON_STRONG": 0.3}  # session 3
PREVIOUS_RERANK = {"KEY_WEIGHT": 0.0}  # before session 5: no key-profile term in the music rerank
PREVIOUS_FLOOR = {"SYLLABLE_FLOOR_S": 0.0}  # before session 6: 16th-note onsets at any tempo
PREVIOUS_CONTENT_STRESS = {"CONTENT_STRESS": 2.0}  # the aligner before session 6
PREVIOUS_KEEP = {"KEEP_UNSTRESSED": 0.0, "CONTENT_STRESS": 3.0}  # the aligner before session 7
PREVIOUS_MOVES = {"MOVE_COST": 0.4}  # the aligner before session 17 (moved onsets twice as readily)
NO_LATE_START = {"LATE_PACE": 0.0}  # before session 17: a phrase may wait until only 8th spacing is left


def _no_chord_mask(style: str, mode: str) -> None:
    """Before session 19: the model wrote any of its chords (12 roots × 13 qualities)."""
    return None


FREE_CHORDS = {"song_chords": _no_chord_mask}

ALIGN, MUSIC, SAMPLER = "musegen.conductor.align", "musegen.music.generate", "musegen.music.sampler"
# the same-run A/Bs on kept songs (--songs-dir): flag -> (module the other arm patches, its name, its values,
# --help); a music-stage arm writes its own melody, an aligner arm re-aligns the shipped arm's melody
AB_ARMS: dict[str, tuple[str, str, dict[str, object], str]] = {
    "aligner": (ALIGN, "previous_aligner", PREVIOUS_ALIGNER, "the previous aligner stress weights"),
    "key": (MUSIC, "previous_rerank", PREVIOUS_RERANK, "the music rerank without its key-profile term"),
    "content-stress": (ALIGN, "previous_content_stress", PREVIOUS_CONTENT_STRESS,
                       "the aligner's PREVIOUS_CONTENT_STRESS"),
    "floor": (MUSIC, "previous_floor", PREVIOUS_FLOOR,
              "no syllable floor in seconds in the music stage (16ths at any tempo)"),
    "keep-unstressed": (ALIGN, "previous_keep", PREVIOUS_KEEP,
                        "the aligner before session 7 (no KEEP_UNSTRESSED, CONTENT_STRESS 3)"),
    "move-cost": (ALIGN, "move_cost_0.4", PREVIOUS_MOVES, "the aligner at MOVE_COST 0.4 (shipped 0.8 since "
                  "session 17)"),
    "late-start": (SAMPLER, "no_late_start", NO_LATE_START,
                   "the sampler before session 17 (no LATE_PACE: a line may start late and be crammed)"),
    "chords": (MUSIC, "free_chords", FREE_CHORDS,
               "the model's chords unmasked, as before session 19 (any root and quality, not only the key's, "
               "the genre's and the common dominants)"),
}


def _pacing_shares(rows: list[dict[str, int]]) -> dict[str, float]:
    tot = {k: sum(r[k] for r in rows) for k in ("lines", "late_lines", "iois", "sixteenth_iois")}
    return {"late_line_share": round(tot["late_lines"] / max(1, tot["lines"]), 4),
            "sixteenth_ioi_share": round(tot["sixteenth_iois"] / max(1, tot["iois"]), 4)}


def _chord_shares(rows: list[dict[str, int]]) -> dict:
    n = max(1, sum(r["chords"] for r in rows))
    return {"chords_in_key_share": round(sum(r["in_key"] for r in rows) / n, 4),
            "chords_in_genre_vocabulary_share": round(sum(r["in_vocabulary"] for r in rows) / n, 4),
            "distinct_chords_per_song": summary([r["distinct"] for r in rows])}


def line_pacing(song) -> dict[str, int]:
    """Counts of how the sung lines use their plan windows: lines, lines starting past half their window,
    inter-onset intervals inside lines and those of a 16th or less (the crammed line of a late start)."""
    from musegen.edit.splice import line_notes
    from musegen.theory import ticks_per_bar

    bar = ticks_per_bar(song.plan.meter, song.ppq)
    out = {"lines": 0, "late_lines": 0, "iois": 0, "sixteenth_iois": 0}
    for (si, li), ns in line_notes(song)[0].items():
        pb = song.plan.sections[si].phrase_bars
        if not ns or li >= len(pb):
            continue
        start = song.sections[si].start + sum(pb[:li]) * bar
        out["lines"] += 1
        out["late_lines"] += ns[0].onset - start > pb[li] * bar / 2
        iois = [b.onset - a.onset for a, b in pairwise(ns)]
        out["iois"] += len(iois)
        out["sixteenth_iois"] += sum(i <= song.ppq // 4 for i in iois)
    return out


def aligner_ab(root: Path, corpus: Path, sung_corpus: Path,
               other: tuple[str, str, dict[str, object]] = AB_ARMS["aligner"][:3]) -> dict:
    """The music stage once more on each kept song's own plan and lyrics (seed = its index, as
    `bench_songs` composed it), aligned, in two arms: the shipped code, and `other` = (module, arm name,
    values that arm sets in that module). An `ALIGN` arm re-aligns the shipped arm's melody: a same-run A/B
    of the aligner alone (the previous arm must reproduce the kept song.json's vocal line when the kept
    songs were made by that aligner); a `MUSIC` or `SAMPLER` arm writes its own melody (e.g. without the
    key-profile term or the syllable floor), aligned by the shipped aligner. song.mid measures as in
    `bench_folders` and `melody_overlap` (the file's beats), against the three references; `line_pacing`."""
    import copy
    import importlib
    import tempfile as tf

    from musegen.evaluation.alignment import midi_alignment
    from musegen.evaluation.harmony import chord_counts
    from musegen.evaluation.melody import (
        legato,
        legato_counts,
        melody_from_midi,
        midi_seconds_per_beat,
        overlap,
        scale_consistency,
    )
    from musegen.music import generate_melody, load_music_model
    from musegen.render.midi import song_to_midi_bytes
    from musegen.songfile import load_song
    from musegen.types import Lyrics, LyricSection

    aln = importlib.import_module(ALIGN)
    refs = _references(corpus, sung_corpus)[0]
    model = load_music_model()
    songs = [load_song(p) for p in sorted(root.glob("song??/song.json"))]
    module, arm, arm_values = other
    arms = (("shipped", {}), (arm, arm_values))
    music = module in (MUSIC, SAMPLER)
    mod = importlib.import_module(module)
    acc: dict = {name: {"rows": [], "mels": [], "counts": []} for name, _ in arms}
    cpu = 0.0
    for i, old in enumerate(songs):
        lyr = Lyrics([LyricSection(s.type, s.lines, s.repeat_of) for s in old.sections])
        melody = None
        for name, values in arms:
            saved = {k: getattr(mod, k) for k in values}
            for k, v in values.items():
                setattr(mod, k, v)
            try:
                if melody is None or music:
                    t0 = time.process_time()
                    melody = generate_melody(old.plan, seed=i, model=model, lyrics=lyr)
                    cpu += time.process_time() - t0
                song = aln.align(old.plan, lyr, copy.deepcopy(melody))
            finally:
                for k, v in saved.items():
                    setattr(mod, k, v)
            with tf.NamedTemporaryFile(suffix=".mid") as f:
                f.write(song_to_midi_bytes(song))
                f.flush()
                mid, mel = midi_alignment(f.name), melody_from_midi(f.name)
                spb = midi_seconds_per_beat(f.name)
            a = acc[name]
            a["mels"].append(mel)
            a["counts"].append(legato_counts(mel, spb))
            a["rows"].append({"moved": song.metrics["notes_retimed"],
                              "aligned": song.metrics["model_notes_aligned"],
                              "same_as_kept": [(n.onset, n.duration, n.pitch) for n in song.vocal]
                              == [(n.onset, n.duration, n.pitch) for n in old.vocal],
                              "scale": scale_consistency(mel), "pacing": line_pacing(song),
                              "chords": chord_counts(song),
                              **{k: mid[k] for k in ("stressed_on_strong", "unstressed_on_strong",
                                                     "stress_inversions", "polysyllabic_words")}})
        last = {n: acc[n]["rows"][-1] for n, _ in arms}
        print(f"[{i + 1}/{len(songs)}] " + " ".join(
            f"{n}: {r['stressed_on_strong']:.3f}/{r['unstressed_on_strong']:.3f}" for n, r in last.items()),
            file=sys.stderr)
    out: dict = {"songs": len(songs), "music_stage_cpu_s": round(cpu, 1)}
    for name, _ in arms:
        rows = acc[name]["rows"]
        words = sum(r["polysyllabic_words"] for r in rows)
        out[name] = {"songs_same_as_kept": sum(r["same_as_kept"] for r in rows),
                     "aligner_moved_share": round(sum(r["moved"] for r in rows)
                                                  / max(1.0, sum(r["aligned"] for r in rows)), 4),
                     "stress_inversions_pooled": round(sum(r["stress_inversions"] * r["polysyllabic_words"]
                                                           for r in rows) / max(1, words), 4),
                     **{k: summary([r[k] for r in rows])
                        for k in ("stressed_on_strong", "unstressed_on_strong")},
                     "scale_consistency": round(sum(r["scale"] for r in rows) / max(1, len(rows)), 4),
                     **_pacing_shares([r["pacing"] for r in rows]),
                     **_chord_shares([r["chords"] for r in rows]),
                     **legato(acc[name]["counts"]),
                     "overlap_song_mid": {
                         ref: {k: round(v, 4) for k, v in overlap(acc[name]["mels"], r).items()}
                         for ref, r in refs.items()}}
        print(f"{name}: {json.dumps(out[name])}", file=sys.stderr)
    return out


def melody_overlap(melodies: dict, corpus: Path, seed: int = 0) -> dict:
    """EVALUATION.md set overlap of the generated vocal lines against real held-out pop melodies."""
    import numpy as np

    from musegen.evaluation.melody import (
        BEAT_BINS,
        legato,
        legato_counts,
        melody_from_notes,
        overlap,
        scale_consistency,
        set_histograms,
    )
    from musegen.theory import SCALE_STEPS
    from musegen.training.catalog import melody_notes

    sys.path.insert(0, str(Path(__file__).parent))
    from music import corpus_sheets, held_out_pop

    ref_songs, other_songs = held_out_pop(corpus_sheets(corpus))
    ref, other = ([melody_from_notes(melody_notes(s)) for s in songs] for songs in (ref_songs, other_songs))
    # song.mid melodies are in the MIDI file's beats (dotted quarters in 6/8), the model's in quarter notes
    spb = {"song_mid": melodies["song_mid_seconds_per_beat"],
           "model_before_alignment": melodies["seconds_per_beat"],
           "song_quarter_beats": melodies["seconds_per_beat"],
           "real_held_out_pop": [60.0 / s.tempo for s in other_songs],
           "real_held_out_pop_legato": [60.0 / s.tempo for s in other_songs]}
    rng = np.random.default_rng(seed)
    scale = np.array(SCALE_STEPS["major"])
    rand = []
    for m in melodies["song_mid"]:  # EVALUATION.md floor: random in-scale notes, random 8th/quarter
        tonic, t, line = int(rng.integers(12)), 0.0, []
        for _ in range(len(m)):
            d = float(rng.choice((0.5, 1.0)))
            line.append((t, d, int(60 + (tonic + scale[rng.integers(7)]) % 12)))
            t += d
        rand.append(line)
    out: dict = {"reference_songs": len(ref), "generated_songs": len(melodies["song_mid"])}
    # diagnostics beside the measure: the same vocal lines in quarter-note beats (song.mid's 6/8 songs
    # are in dotted-quarter beats, as EVALUATION.md reads them: their eighths fall in the 0.375 bin that
    # 4/4 pop leaves empty), the 4/4 songs alone, and the other real songs sung legato (each note held
    # to the next onset: the articulation the issue asks for, against a reference with 34 % short notes)
    four = [m for m, b in zip(melodies["song_quarter_beats"], melodies["meter"], strict=True) if b == [4, 4]]
    sets = [("song_mid", melodies["song_mid"]), ("model_before_alignment", melodies.get("model")),
            ("song_quarter_beats", melodies["song_quarter_beats"]), ("song_4_4_only", four),
            ("real_held_out_pop", other),
            ("real_held_out_pop_legato", [_legato(m, 60.0 / s.tempo) for m, s in zip(other, other_songs,
                                                                                  strict=True)]),
            ("random_in_scale", rand)]
    for name, mels in ((k, v) for k, v in sets if v is not None):
        ov = overlap(mels, ref)
        out[name] = {"overlap": round(ov["overlap"], 4),
                     **{k: round(v, 4) for k, v in ov.items() if k != "overlap"},
                     "scale_consistency": round(float(np.mean([scale_consistency(m) for m in mels])), 4)}
        if name in spb:  # EVALUATION.md legato (seconds from each song's tempo)
            out[name].update(legato(legato_counts(m, b) for m, b in zip(mels, spb[name], strict=True)))
    hist = {"bins_beats": list(BEAT_BINS)}
    for name, mels in (("song_mid", melodies["song_mid"]), ("model_before_alignment", melodies.get("model")),
                       ("real_reference", ref)):
        if mels:
            h = set_histograms(mels)
            hist[name] = {k: [round(float(x), 3) for x in h[k]] for k in ("duration", "ioi")}
    out["histograms"] = hist
    out["per_meter"] = {
        f"{a}/{b}": {"songs": len(ms), **{k: round(v, 4) for k, v in overlap(ms, ref).items()}}
        for (a, b), ms in _group(melodies["song_mid"], [tuple(m) for m in melodies["meter"]]).items()}
    # what notes per second POP909's own rhythms (in beats) would have at the generated songs' tempi
    out["pop909_rhythms_at_generated_tempi"] = legato(
        legato_counts(m, b) for b in melodies["seconds_per_beat"] for m in ref)
    out["pop909_rhythms_at_own_tempi"] = legato(
        legato_counts(m, 60.0 / s.tempo) for m, s in zip(ref, ref_songs, strict=True))
    if melodies.get("key"):
        out["key_profile"] = key_profile_measures(melodies, ref_songs, other_songs)
    felt = _felt_beats(ref_songs, ref)
    felt_other = _felt_beats(other_songs, other)
    if felt is not None and felt_other is not None:
        info, felt_ref = felt
        for name, mels in (("song_mid", melodies["song_mid"]), ("real_held_out_pop", felt_other[1])):
            info[name] = {k: round(v, 4) for k, v in overlap(mels, felt_ref).items()}
        out["pop909_felt_beats"] = info
    return out


def _felt_beats(songs: list, mels: list) -> tuple[dict, list] | None:
    """Diagnostic: the POP909 reference melodies read in the beats of POP909's own audio beat tracker.

    POP909's MIDI files are notated at the tempo in their tempo map, which for some songs is half (or
    twice) the beat its annotators' audio tracker hears (`beat_audio.txt`): such a song's 8ths are written
    as 16ths. Each reference song whose audio beat is 1.8-2.2x (0.45-0.55x) its notated tempo is rescaled
    by 2 (0.5). Returns (tempo figures, the rescaled melodies); None when ../shared/data/pop909 is missing.
    """
    import numpy as np

    data = ROOT.parent / "shared" / "data" / "pop909"
    if not data.is_dir():
        return None
    out_m, notated, audio, factors = [], [], [], []
    for s, m in zip(songs, mels, strict=True):
        beats = data / s.name.split("/")[-1] / "beat_audio.txt"
        if not beats.exists():
            return None
        a = 60.0 / float(np.median(np.diff(np.loadtxt(beats)[:, 0])))
        r = a / s.tempo
        k = 2.0 if 1.8 < r < 2.2 else 0.5 if 0.45 < r < 0.55 else 1.0
        out_m.append([(o * k, d * k, p) for o, d, p in m])
        notated.append(s.tempo)
        audio.append(a)
        factors.append(k)
    return {"songs": len(songs), "notated_tempo_median": round(float(np.median(notated)), 1),
            "audio_beat_tempo_median": round(float(np.median(audio)), 1),
            "notated_at_half_the_audio_beat": factors.count(2.0),
            "notated_at_twice_the_audio_beat": factors.count(0.5)}, out_m


def _group(items: list, keys: list) -> dict:
    out: dict = {}
    for it, k in zip(items, keys, strict=True):
        out.setdefault(k, []).append(it)
    return out


def key_profile_measures(melodies: dict, ref_songs: list, other_songs: list) -> dict:
    """Tonic-relative pitch classes of song.mid against POP909's (per mode), with the other real songs
    scored the same way in this run: the profile overlap and the share of songs whose most frequent pitch
    class is their tonic (EVALUATION.md's pitch-class histogram is rotated to the most frequent class, so it
    does not see a minor-key line built on the relative major's notes)."""
    import numpy as np

    from musegen.evaluation.melody import key_profile, melody_from_notes
    from musegen.training.catalog import melody_notes

    def profiles(pairs) -> dict:
        by: dict = {}
        for mel, tonic, mode in pairs:
            by.setdefault(mode, []).append(key_profile(mel, tonic))
        return by

    ref = {m: np.mean(v, axis=0) for m, v in profiles(
        (melody_from_notes(melody_notes(s)), s.key.tonic, s.key.mode) for s in ref_songs).items()}
    sets = {"song_mid": profiles((m, t, md) for m, (t, md) in zip(melodies["song_mid"], melodies["key"],
                                                                    strict=True)),
            "real_held_out_pop": profiles((melody_from_notes(melody_notes(s)), s.key.tonic, s.key.mode)
                                          for s in other_songs)}
    out: dict = {}
    for name, by in sets.items():
        row: dict = {}
        for mode, hs in sorted(by.items()):
            row[mode] = {"songs": len(hs),
                         "profile_overlap": round(float(np.minimum(np.mean(hs, axis=0), ref[mode]).sum()), 4)
                         if mode in ref else None,
                         "tonic_most_frequent": round(float(np.mean([np.argmax(h) == 0 for h in hs])), 3),
                         "profile": [round(float(x), 3) for x in np.mean(hs, axis=0)]}
        out[name] = row
    return out


TEMPO_BANDS = ((0, 85), (85, 105), (105, 1000))  # bpm, as in the session-3 notes-per-second bands


def _references(corpus: Path, sung_corpus: Path):
    """(references by name, POP909 reference songs, the other POP909 songs, songs-pd validation songs,
    melody by id(song)): POP909 as defined, the songs-pd lead sheets' even half, POP909 held legato."""
    from musegen.evaluation.melody import melody_from_notes
    from musegen.training.catalog import melody_notes

    sys.path.insert(0, str(Path(__file__).parent))
    from music import corpus_sheets, held_out_pop

    pop_ref, pop_other = held_out_pop(corpus_sheets(corpus))
    sung = sorted((s for sp, s in corpus_sheets(sung_corpus, sung=True)
                   if sp == "valid" and s.source not in ("pop909", "nottingham")), key=lambda s: s.name)
    mel = {id(s): melody_from_notes(melody_notes(s)) for s in (*pop_ref, *pop_other, *sung)}
    refs = {"pop909": [mel[id(s)] for s in pop_ref],
            "songs_pd_lead_sheets": [mel[id(s)] for s in sung[0::2]],
            "pop909_legato": [_legato(mel[id(s)], 60.0 / s.tempo) for s in pop_ref]}
    return refs, pop_ref, pop_other, sung, mel


def sung_references(melodies: dict, corpus: Path, sung_corpus: Path) -> dict:
    """Set overlap against three references in one run: POP909 as EVALUATION.md defines it (raw
    performance offsets), the songs-pd validation lead sheets (real sung melodies, durations as written)
    and the same POP909 songs held legato (each note to the next onset under 2 s).

    Each reference is half of its validation songs; the other half, scored against it, is what real
    songs reach (the analogue of EVALUATION.md's "12 other real songs 0.90"). Also the duration and IOI
    histograms of song.mid and of the POP909 reference per tempo band (the tempo is plan/mood.py's).
    """
    from musegen.evaluation.melody import BEAT_BINS, overlap, set_histograms

    refs, pop_ref, pop_other, sung, mel = _references(corpus, sung_corpus)
    sets = {"song_mid": melodies["song_mid"], "song_quarter_beats": melodies["song_quarter_beats"],
            "real_pop909_other_half": [mel[id(s)] for s in pop_other],
            "real_pop909_other_half_legato": [_legato(mel[id(s)], 60.0 / s.tempo) for s in pop_other],
            "real_songs_pd_other_half": [mel[id(s)] for s in sung[1::2]]}
    out: dict = {"reference_songs": {k: len(v) for k, v in refs.items()},
                 "sung_sources": sorted({s.source for s in sung}),
                 "note": "songs-pd lead sheets have no tempo marking (read at 120): beats only; their "
                         "2 of 37 6/8 songs are in quarter beats, song.mid's 6/8 songs in dotted quarters"}
    for name, mels in sets.items():
        out[name] = {}
        for ref_name, ref in refs.items():
            ov = overlap(mels, ref)
            out[name][ref_name] = {k: round(v, 4) for k, v in ov.items()}
    bands: dict = {"bins_beats": list(BEAT_BINS)}
    tempi = [60.0 / b for b in melodies["seconds_per_beat"]]
    for lo, hi in TEMPO_BANDS:
        gen = [m for m, t in zip(melodies["song_mid"], tempi, strict=True) if lo <= t < hi]
        ref = [mel[id(s)] for s in pop_ref if lo <= s.tempo < hi]
        row: dict = {"song_mid_songs": len(gen), "pop909_songs": len(ref)}
        for who, mels in (("song_mid", gen), ("pop909", ref)):
            if mels:
                h = set_histograms(mels)
                row[who] = {k: [round(float(x), 3) for x in h[k]] for k in ("duration", "ioi")}
        if gen and ref:
            row["song_mid_vs_pop909_same_band"] = {k: round(v, 4) for k, v in overlap(gen, ref).items()}
        bands[f"{lo}-{hi}_bpm"] = row
    out["tempo_bands"] = bands
    return out


def _legato(mel: list, seconds_per_beat: float) -> list:
    """A melody with each note held to the next onset when that is under EVALUATION.md's 2 s."""
    out = []
    for i, (o, d, p) in enumerate(mel):
        nxt = mel[i + 1][0] if i + 1 < len(mel) else None
        if nxt is not None and (nxt - o) * seconds_per_beat < 2.0:
            d = max(d, nxt - o)
        out.append((o, d, p))
    return out


def bench_cli(runs: int, audio: str | None, work: Path, prompts: list[str] = PROMPTS) -> dict:
    script = Path(sys.executable).with_name("musegen")
    fallback = [sys.executable, "-c", "from musegen.cli.main import run; run()"]
    exe = [str(script)] if script.exists() else fallback
    fmt = ["--no-audio"] if audio is None else ["--format", audio]
    gen, base = [], []
    for r in range(runs):
        out = work / f"cli{r}"
        t = time.perf_counter()
        subprocess.run([*exe, "generate", prompts[r % len(prompts)], "--out", str(out), "--seed", str(r),
                        "--force", *fmt], check=True, capture_output=True)
        gen.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([*exe, "render", str(out / "song.json"), "--out", str(work / f"render{r}"), "--force",
                        *fmt], check=True, capture_output=True)
        base.append(time.perf_counter() - t)
    return {"runs": runs, "generate_seconds": summary(gen), "baseline_render_seconds": summary(base),
            "ratio_generate_to_render": round(statistics.median(gen) / statistics.median(base), 2),
            "peak_rss_children_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1)}


def reference() -> dict:
    from music21 import corpus

    from musegen.evaluation.alignment import score_alignment

    out = {}
    for name, path in REFERENCE_SHEETS.items():
        m = score_alignment(corpus.parse(path))
        out[name] = {k: m[k] for k in ("stressed_on_strong", "unstressed_on_strong", "stressed_syllables",
                                        "unstressed_syllables")}
    out["median"] = {k: round(statistics.median(v[k] for v in out.values()), 4)
                     for k in ("stressed_on_strong", "unstressed_on_strong")}
    return out


def realigned_reference() -> dict:
    """Our aligner on real melodies: each lead sheet's verse-1 notes and words, re-aligned from scratch.

    Lines are cut at rests of a quarter or more; every line's notes (including ties and melisma) and its
    syllables (CMU stress) go through `align_line` with its re-timing. Reported next to the sheet's own
    alignment: the aligner should keep (or improve) what the composer did.
    """
    from music21 import corpus

    from musegen.conductor.align import _Grid, align_line
    from musegen.evaluation.alignment import word_stresses
    from musegen.theory import strong_beat_ticks
    from musegen.types import PPQ, Note, Syllable

    out = {}
    for name, path in REFERENCE_SHEETS.items():
        score = corpus.parse(path)
        part = next(p for p in score.parts if any(n.lyrics for n in p.recurse().notes))
        measures = list(part.getElementsByClass("Measure"))
        sigs = {(ts.numerator, ts.denominator) for ts in part.recurse().getElementsByClass("TimeSignature")}
        if len(sigs) != 1:
            continue
        meter = sigs.pop()
        bar = PPQ * 4 * meter[0] // meter[1]
        grid = _Grid(bar, strong_beat_ticks(meter, PPQ), meter)
        lines, cur, last_end, word = [], ([], []), None, []
        for i, m in enumerate(measures):
            for n in m.notesAndRests:
                if n.quarterLength == 0:
                    continue
                tick = i * bar + round(((m.paddingLeft or 0) + float(n.offset)) * PPQ)
                if n.isRest:
                    continue
                if last_end is not None and tick - last_end >= PPQ and cur[0]:
                    lines.append(cur)
                    cur = ([], [])
                lyr = next((ly for ly in n.lyrics if ly.number == 1 and ly.text), None)
                pitch = n.pitches[0].midi
                cur[0].append(Note(tick, round(float(n.quarterLength) * PPQ), pitch))
                last_end = tick + round(float(n.quarterLength) * PPQ)
                if lyr is not None:
                    word.append(lyr)
                    if lyr.syllabic in ("single", "end", None):
                        stresses = word_stresses("".join(x.text for x in word), len(word)) or [1] * len(word)
                        for k, (x, st) in enumerate(zip(word, stresses, strict=True)):
                            cur[1].append(Syllable(x.text, st, k == 0, k == len(word) - 1))
                        word = []
        if cur[0]:
            lines.append(cur)
        placed_hits = {0: [0, 0], 1: [0, 0]}
        for notes, syls in lines:
            if not syls:
                continue
            for v in align_line(notes, syls, grid):
                if v.melisma or v.syllable is None or syls[v.syllable].stress not in placed_hits:
                    continue
                placed_hits[syls[v.syllable].stress][1] += 1
                placed_hits[syls[v.syllable].stress][0] += v.onset % bar in grid.strong
        out[name] = {"stressed_on_strong": round(placed_hits[1][0] / max(1, placed_hits[1][1]), 4),
                     "unstressed_on_strong": round(placed_hits[0][0] / max(1, placed_hits[0][1]), 4),
                     "lines": len(lines)}
    return out


def bench_corpus_lyrics(path: Path, n: int, work: Path) -> dict:
    """The user-lyrics path on public-domain stanzas (no language model): plan → music → align → arrange.

    Song i sings stanzas [Verse] a, [Chorus] b, [Verse] c, [Chorus] b from `path` (a JSONL of stanzas with
    "lines" and "syllables", e.g. the lyrics corpus's valid.jsonl), so the alignment figures cover many
    songs with human-written words and the shipped music model.
    """
    from musegen.evaluation.alignment import midi_alignment
    from musegen.music import load_music_model
    from musegen.pipeline import compose
    from musegen.render.midi import song_to_midi_bytes

    stanzas = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if len(row["lines"]) == 4 and max(row["syllables"]) <= 12:
            stanzas.append(row["lines"])
        if len(stanzas) >= 3 * n:
            break
    music = load_music_model()
    rows = []
    for i in range(n):
        a, b, c = stanzas[3 * i : 3 * i + 3]
        text = "\n\n".join(f"[{h}]\n" + "\n".join(st) for h, st in
                            (("Verse", a), ("Chorus", b), ("Verse", c), ("Chorus", b)))
        timings: dict[str, float] = {}
        song = compose(PROMPTS[i % len(PROMPTS)], seed=i, lyrics_text=text, music_model=music,
                       timings=timings)
        mid = midi_alignment(song_to_midi_bytes(song))
        rows.append({"metrics": {k: song.metrics[k] for k in METRICS},
                     "midi": {k: mid[k] for k in ("stressed_on_strong", "unstressed_on_strong")},
                     "retimed_share": round(song.metrics["notes_retimed"] / max(1, song.metrics[
                         "model_notes_aligned"]), 3),
                     "seconds": round(sum(timings.values()), 3)})
    return {"n": n, "source": str(path),
            "alignment_song_json": {k: summary([r["metrics"][k] for r in rows]) for k in METRICS},
            "alignment_song_mid": {k: summary([r["midi"][k] for r in rows])
                                   for k in ("stressed_on_strong", "unstressed_on_strong")},
            "retimed_share": summary([r["retimed_share"] for r in rows]),
            "seconds_per_song_without_lm": summary([r["seconds"] for r in rows])}


def _commit() -> str:
    """The checkout's commit (with "+dirty" when it has uncommitted changes), for the record."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = "+dirty" if git("status", "--porcelain", "--", "src") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="songs composed in one process")
    ap.add_argument("--cli-runs", type=int, default=3, help="cold `musegen generate` runs (0: skip)")
    ap.add_argument("--no-audio", action="store_true", help="skip audio rendering")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--corpus-lyrics", type=Path, default=None,
                    help="JSONL of stanzas: also align N songs of these words (no LM), e.g. "
                         "~/.cache/musegen/corpora/lyrics/valid.jsonl")
    ap.add_argument("--only-corpus", action="store_true", help="run only the --corpus-lyrics part")
    ap.add_argument("--songs-dir", type=Path, default=None,
                    help="only measure the song folders under this one (e.g. written by an older version)")
    ap.add_argument("--prior-ab", action="store_true",
                    help="with --songs-dir (folders kept by --keep): re-run the music stage and aligner on "
                         "each song's plan and lyrics with the shipped and the previous stress prior")
    for flag, (_, _, _, what) in AB_ARMS.items():
        ap.add_argument(f"--{flag}-ab", action="store_true",
                        help="with --songs-dir: the music stage once more on each kept song's plan and "
                             f"lyrics, aligned, with the shipped code and with {what}")
    ap.add_argument("--prompts", choices=("tuned", "untuned"), default="tuned",
                    help="prompt set: the one earlier changes were tuned on, or UNTUNED_PROMPTS")
    ap.add_argument("--keep", type=Path, default=None, help="write the song folders here (kept)")
    ap.add_argument("--corpus", type=Path, default=ROOT / ".devcarry" / "music",
                    help="music corpus (built from ../shared/data when missing): its POP909 validation "
                         "songs are the real melodies the vocal lines are compared with")
    ap.add_argument("--sung-corpus", type=Path, default=ROOT / ".devcarry" / "music2",
                    help="music corpus with the songs-pd lead sheets (`musegen corpus build --songs-pd`): "
                         "its validation songs are the second, sung reference")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    audio = None if args.no_audio else "wav"
    prompts = UNTUNED_PROMPTS if args.prompts == "untuned" else PROMPTS
    with tempfile.TemporaryDirectory(prefix="musegen-bench-") as tmp:
        work = args.keep or Path(tmp)
        result: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                                    "load_average": os.getloadavg()}, "prompts": args.prompts,
                        "commit": _commit()}
        if args.songs_dir is not None:
            melodies = {}
            result["folders"] = bench_folders(args.songs_dir, melodies)
            result["melody"] = melody_overlap(melodies, args.corpus)
            result["references"] = sung_references(melodies, args.corpus, args.sung_corpus)
            if args.prior_ab:
                result["prior_ab"] = prior_ab(args.songs_dir, args.corpus)
            for flag, (module, arm, values, _) in AB_ARMS.items():
                key = f"{flag.replace('-', '_')}_ab"  # the argparse dest, and the JSON key
                if getattr(args, key):
                    result[key] = aligner_ab(args.songs_dir, args.corpus, args.sung_corpus,
                                             (module, arm, values))
            print(json.dumps(result, indent=1))
            if args.out:
                args.out.write_text(json.dumps(result, indent=1))
            return
        if not args.only_corpus:
            melodies: dict = {}
            result["songs"] = bench_songs(args.n, audio, work,
                                          args.out.with_suffix(".partial.json") if args.out else None,
                                          melodies, prompts)
            result["melody"] = melody_overlap(melodies, args.corpus)
            result["references"] = sung_references(melodies, args.corpus, args.sung_corpus)
        if args.corpus_lyrics is not None:
            result["corpus_lyrics"] = bench_corpus_lyrics(args.corpus_lyrics, args.n, work)
        result["reference_lead_sheets"] = reference()
        result["reference_realigned_by_musegen"] = realigned_reference()
        if args.cli_runs and not args.only_corpus:
            result["cli"] = bench_cli(args.cli_runs, audio, work, prompts)
            result["load_average_after"] = os.getloadavg()
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    try:
        main()
    except InputError as exc:  # a missing or wrong corpus: one line, not a traceback
        sys.exit(f"error: {exc}")
