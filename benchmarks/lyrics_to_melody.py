"""Lyrics -> melody on the songs-pd validation split: real words in, how close is the tune? (prints JSON)

    python benchmarks/lyrics_to_melody.py [--corpus .devcarry/music2] [--model DIR] [--songs 30] [--bars 32]

For each held-out public-domain song with lyrics (`musegen corpus build --songs-pd`; split by song), the
plan is the real song's (key, tempo, meter, sections, notes per phrase, phrase bars; first `--bars`
bars) and each note's syllable (stress, word start, melisma) conditions the model. Measured against the
same songs' real melodies, in the same run:

- model_with_lyrics: the music model's melody (before the aligner) conditioned on the real syllables;
- model_without_lyrics: the same model and plans with every syllable unknown (``Syl_X``) — the baseline;
- after_aligner: model_with_lyrics after `musegen.conductor.align` put the syllables on it (the share of
  the model's notes whose onset it moved);
- real: the songs' own melodies;
- *_no_inversion_terms: the same model and seeds with the sampler's inversion penalty and the aligner's
  inversion cost set to 0 (the baseline for the stress-inversion measure);
- *_previous_prior: the same model and seeds with the sampler's stress prior as before session 3 (no
  STRESS_PULL, stressed and unstressed scales 1): the baseline for the aligner's moves.

Per set: EVALUATION.md's histogram overlap with the real melodies (mean of four and each), legato
(sounding ÷ inter-onset interval, short-note share, notes per second), scale consistency, and where the
syllables land (stressed / unstressed syllables on strong beats, from the syllable each note carries)
and within-word stress inversions (EVALUATION.md; pooled over the songs' words).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import time
from pathlib import Path

import numpy as np

import musegen.music.sampler as sampler_module
from musegen.conductor import align
from musegen.errors import InputError
from musegen.evaluation.melody import legato, legato_counts, melody_from_notes, overlap, scale_consistency
from musegen.music import generate_melody, load_music_model
from musegen.music import vocab as V
from musegen.music.tokenizer import LeadSheet
from musegen.theory import metric_level, strong_beat_ticks
from musegen.training.catalog import plan_like, song_notes
from musegen.types import PPQ, LyricLine, Lyrics, LyricSection, Syllable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from music import corpus_sheets  # noqa: E402

align_module = importlib.import_module("musegen.conductor.align")  # the package exports the function
generate_module = importlib.import_module("musegen.music.generate")
STRESS = {V.SYL[2]: 1, V.SYL[3]: 0, V.SYL[4]: 1, V.SYL[5]: 0}  # Syl_S, Syl_U, Syl_SW, Syl_UW


def sung_plan(sheet: LeadSheet, bars: int):
    """(plan, Syl tokens per section and phrase, Lyrics for the aligner) of a song's first `bars` bars."""
    plan = plan_like(sheet, bars)
    syl_all, sections = [], []
    for k, sp in enumerate(plan.sections):
        labels = sheet.meta["syl"][k]
        per_phrase, lines, i = [], [], 0
        for n in sp.phrase_notes:
            toks = labels[i : i + n]
            i += n
            per_phrase.append(toks)
            sung = [t for t in toks if t in STRESS]
            syls = [Syllable("la", STRESS[t], t in (V.SYL[4], V.SYL[5]),
                             j + 1 == len(sung) or sung[j + 1] in (V.SYL[4], V.SYL[5]))
                    for j, t in enumerate(sung)]
            lines.append(LyricLine(" ".join("la" for _ in syls), syls))
        syl_all.append(per_phrase)
        sections.append(LyricSection(sp.type, lines))
    return plan, syl_all, Lyrics(sections)


def placement(notes_by_section: list[list], syl: list[list[list[int]]], meter, bar: int) -> list[int]:
    """[stressed on strong, stressed, unstressed on strong, unstressed] by the syllable each note carries."""
    strong = set(strong_beat_ticks(meter, PPQ))
    out = [0, 0, 0, 0]
    for notes, phrases in zip(notes_by_section, syl, strict=True):
        labels = [t for p in phrases for t in p]
        for n, t in zip(notes, labels, strict=False):
            if t in STRESS:
                k = 0 if STRESS[t] == 1 else 2
                out[k + 1] += 1
                out[k] += n.onset % bar in strong
    return out


def inversions(notes_by_section: list[list], syl: list[list[list[int]]], meter) -> list[int]:
    """[inverted words, words with a stressed and an unstressed syllable], from each note's Syl token."""
    out = [0, 0]
    for notes, phrases in zip(notes_by_section, syl, strict=True):
        labels = [t for p in phrases for t in p]
        word: list[tuple[int, int]] = []  # (stress, metric level) of the current word's syllables
        for n, t in [*zip(notes, labels, strict=False), (None, V.SYL[4])]:
            if t not in STRESS:
                continue
            if t in (V.SYL[4], V.SYL[5]) and word:
                stressed = [lv for st, lv in word if st == 1]
                unstressed = [lv for st, lv in word if st == 0]
                if stressed and unstressed:
                    out[1] += 1
                    out[0] += stressed[0] > min(unstressed)
                word = []
            if n is not None:
                word.append((STRESS[t], metric_level(n.onset, meter, PPQ)))
    return out


@contextlib.contextmanager
def inversion_terms(on: bool):
    """The sampler's inversion penalty and the aligner's inversion cost as shipped (on) or 0 (off)."""
    saved = sampler_module.INVERSION_PENALTY, align_module.INVERSION_COST
    if not on:
        sampler_module.INVERSION_PENALTY = align_module.INVERSION_COST = 0.0
    try:
        yield
    finally:
        sampler_module.INVERSION_PENALTY, align_module.INVERSION_COST = saved


@contextlib.contextmanager
def previous_prior():
    """The sampler's stress prior without session 3's pull and scales."""
    names = ("STRESS_PULL", "STRESSED_SCALE", "UNSTRESSED_SCALE")
    saved = [getattr(generate_module, n) for n in names]
    for n, v in zip(names, (0.0, 1.0, 1.0), strict=True):
        setattr(generate_module, n, v)
    try:
        yield
    finally:
        for n, v in zip(names, saved, strict=True):
            setattr(generate_module, n, v)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / ".devcarry" / "music2")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--songs", type=int, default=30)
    ap.add_argument("--bars", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    songs = [s for sp, s in corpus_sheets(a.corpus, sung=True)
             if sp == "valid" and s.meta.get("syl") and s.source in ("openewld", "openhymnal")]
    songs = sorted(songs, key=lambda s: s.name)[: a.songs]
    model = load_music_model(a.model)
    names = ("model_with_lyrics", "model_without_lyrics", "after_aligner", "real",
             "model_with_lyrics_no_inversion_terms", "after_aligner_no_inversion_terms",
             "model_with_lyrics_previous_prior", "after_aligner_previous_prior")
    sets = {k: {"mels": [], "legato": [], "scale": [], "place": np.zeros(4), "inv": np.zeros(2)}
            for k in names}
    moved = aligned = moved0 = aligned0 = moved1 = aligned1 = 0
    used = []
    for k, sheet in enumerate(songs):
        plan, syl, lyrics = sung_plan(sheet, a.bars)
        bar = sheet.bar_ticks
        try:
            with_l = generate_melody(plan, seed=a.seed + k, model=model, syllables=syl)
            without = generate_melody(plan, seed=a.seed + k, model=model)
            song = align(plan, lyrics, with_l)
            with inversion_terms(False):
                with_l0 = generate_melody(plan, seed=a.seed + k, model=model, syllables=syl)
                song0 = align(plan, lyrics, with_l0)
            with previous_prior():
                with_l1 = generate_melody(plan, seed=a.seed + k, model=model, syllables=syl)
                song1 = align(plan, lyrics, with_l1)
        except InputError as exc:
            print(f"skip {sheet.name}: {exc}", file=sys.stderr)
            continue
        used.append(sheet.name)
        moved += song.metrics["notes_retimed"]
        aligned += song.metrics["model_notes_aligned"]
        moved0 += song0.metrics["notes_retimed"]
        aligned0 += song0.metrics["model_notes_aligned"]
        moved1 += song1.metrics["notes_retimed"]
        aligned1 += song1.metrics["model_notes_aligned"]
        spb = 60.0 / plan.tempo
        real_secs = sheet.sections[: len(plan.sections)]
        for name, secs in (("model_with_lyrics", with_l.sections), ("model_without_lyrics", without.sections),
                           ("real", real_secs), ("model_with_lyrics_no_inversion_terms", with_l0.sections),
                           ("model_with_lyrics_previous_prior", with_l1.sections)):
            m = melody_from_notes(song_notes(secs, bar))
            d = sets[name]
            d["mels"].append(m)
            d["legato"].append(legato_counts(m, spb))
            d["scale"].append(scale_consistency(m))
            d["place"] += placement([s.notes for s in secs], syl, sheet.meter, bar)
            d["inv"] += inversions([s.notes for s in secs], syl, sheet.meter)
        for name, sg in (("after_aligner", song), ("after_aligner_no_inversion_terms", song0),
                         ("after_aligner_previous_prior", song1)):
            m = melody_from_notes(sg.vocal)
            d = sets[name]
            d["mels"].append(m)
            d["legato"].append(legato_counts(m, spb))
            d["scale"].append(scale_consistency(m))
            d["place"] += [sg.metrics["stressed_on_strong"] * 100, 100,
                           sg.metrics["unstressed_on_strong"] * 100, 100]  # song-level shares, averaged
            poly = sg.metrics["polysyllabic_words"]
            d["inv"] += [round(sg.metrics["stress_inversions"] * poly), poly]
        print(f"[{len(used)}] {sheet.name}", file=sys.stderr)
    res: dict = {"model": str(a.model or "default"), "songs": len(used), "bars_per_song": a.bars,
                 "aligner_moved_share": round(moved / max(1, aligned), 4),
                 "aligner_moved_share_no_inversion_terms": round(moved0 / max(1, aligned0), 4),
                 "aligner_moved_share_previous_prior": round(moved1 / max(1, aligned1), 4)}
    real = sets["real"]["mels"]
    for name, d in sets.items():
        ov = overlap(d["mels"], real)
        p = d["place"]
        res[name] = {"overlap_with_real": round(ov["overlap"], 4),
                     **{f"overlap_{f}": round(v, 4) for f, v in ov.items() if f != "overlap"},
                     **legato(d["legato"]),
                     "scale_consistency": round(float(np.mean(d["scale"])), 4),
                     "stressed_on_strong": round(p[0] / max(1, p[1]), 4),
                     "unstressed_on_strong": round(p[2] / max(1, p[3]), 4),
                     "stress_inversions": round(d["inv"][0] / max(1, d["inv"][1]), 4),
                     "polysyllabic_words": int(d["inv"][1])}
    res["real"]["note"] = "overlap of the real songs with themselves is 1 by definition"
    res["song_names"] = used
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(res, indent=1)
    print(text)
    if a.out:
        a.out.write_text(text)


if __name__ == "__main__":
    try:
        main()
    except InputError as exc:  # a missing or wrong corpus: one line, not a traceback
        sys.exit(f"error: {exc}")
