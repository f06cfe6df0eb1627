"""Music model benchmark on the validation split (prints JSON).

    python benchmarks/music.py [--corpus .devcarry/music] [--model DIR] [--songs 12] [--out FILE]

The corpus folder comes from `musegen corpus build` (it is built there from ../shared/data when missing).
Measures (EVALUATION.md definitions, `musegen.evaluation.melody`):
- validation NLL per note for the model (all tokens, and Pitch+Duration tokens only) and for a
  first-order Markov chain over (pitch, duration) trained on the same training split in this run;
- for plans taken from held-out pop songs (same key, tempo, meter, sections, notes per phrase and
  phrase bars): distribution overlap against a disjoint set of real held-out pop melodies, scale
  consistency and chord-tone ratio on strong beats, for the model, the Markov chain and the real songs;
- grammar-error rate of unmasked samples; CPU tokens/s and seconds for a 64-bar lead sheet;
  GPU tokens/s at batch 1 and 64 when a GPU is present.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import itertools
import json
import math
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from musegen.errors import InputError
from musegen.evaluation.melody import chord_tone_ratio, melody_from_notes, overlap, scale_consistency
from musegen.music import generate_melody, load_music_model
from musegen.music import vocab as V
from musegen.music.generate import CANDIDATES
from musegen.music.sampler import sample_free
from musegen.music.tokenizer import LeadSheet, encode, grammar_errors, key_shift
from musegen.theory import Key
from musegen.training.catalog import plan_like, song_notes
from musegen.training.music_corpus import build_corpus, legato_phrases, load_sheets
from musegen.training.music_train import evaluate
from musegen.types import PPQ, ChordEvent, Note, SectionPlan, SongPlan

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).with_name("corpora.json")  # what the default corpora hold
DURS = np.array(V.DURATIONS)


# ----------------------------------------------------------------------------- Markov baseline
def _states(sheet: LeadSheet) -> list[tuple[int, int]]:
    sh = key_shift(sheet.key)
    out = []
    for s in sheet.sections:
        for n in s.notes:
            d = int(DURS[np.argmin(abs(DURS - max(1, round(n.duration / V.STEP))))])
            out.append((n.pitch + sh, d))
    return out


class Markov:
    """First-order Markov chain over (normalised pitch, duration in 16ths), smoothed toward the unigram."""

    def __init__(self, sheets: list[LeadSheet], beta: float = 1.0) -> None:
        self.trans: dict[tuple, Counter] = defaultdict(Counter)
        self.uni: Counter = Counter()
        for sh in sheets:
            st = _states(sh)
            self.uni.update(st)
            for a, b in itertools.pairwise(st):
                self.trans[a][b] += 1
        self.beta = beta
        self.space = [(p, d) for p in range(V.PITCH_LO - 12, V.PITCH_HI + 13) for d in V.DURATIONS]
        self.total = sum(self.uni.values())

    def p_uni(self, s) -> float:
        return (self.uni[s] + 1) / (self.total + len(self.space))

    def p(self, a, b) -> float:
        c = self.trans.get(a)
        n = sum(c.values()) if c else 0
        return ((c[b] if c else 0) + self.beta * self.p_uni(b)) / (n + self.beta)

    def nll_per_note(self, sheets: list[LeadSheet]) -> float:
        tot = n = 0
        for sh in sheets:
            st = _states(sh)
            if not st:
                continue
            tot -= math.log(self.p_uni(st[0]))
            for a, b in itertools.pairwise(st):
                tot -= math.log(self.p(a, b))
            n += len(st)
        return tot / n

    def sample(self, n: int, rng: np.random.Generator, prev=None) -> list[tuple[int, int]]:
        out = []
        for _ in range(n):
            c = self.trans.get(prev)
            if c:
                keys = list(c)
                w = np.array([c[k] for k in keys], dtype=float)
            else:
                keys = list(self.uni)
                w = np.array([self.uni[k] for k in keys], dtype=float)
            prev = keys[rng.choice(len(keys), p=w / w.sum())]
            out.append(prev)
        return out


# ----------------------------------------------------------------------------- plans from real songs
def _song_melody(sections, bar_ticks: int) -> tuple[list, list[Note], list[ChordEvent]]:
    """(EVALUATION.md melody, notes, chords) of consecutive sections, from the song start."""
    notes = song_notes(sections, bar_ticks)
    chords, off = [], 0
    for s in sections:
        chords += [ChordEvent(c.onset + off, c.duration, c.symbol) for c in s.chords]
        off += s.bars * bar_ticks
    return melody_from_notes(notes), notes, chords


def _markov_sections(markov: Markov, plan: SongPlan, real_secs, rng) -> list:
    from musegen.music.generate import phrase_windows
    from musegen.types import SectionMusic

    sh = key_shift(Key.parse(f"{plan.key} {plan.mode}"))
    out = []
    for i, (sp, rs) in enumerate(zip(plan.sections, real_secs, strict=True)):
        notes = []
        prev = None
        for ws, _, n, _ in phrase_windows(sp, plan.meter, i):
            t = ws
            for p, d in markov.sample(n, rng, prev):
                notes.append(Note(t * V.STEP, d * V.STEP, p - sh))
                t += d
                prev = (p, d)
        out.append(SectionMusic(sp.type, sp.bars, notes, rs.chords, list(sp.phrase_notes)))
    return out


def corpus_sheets(corpus: Path, *, sung: bool = False) -> list[tuple[str, LeadSheet]]:
    """(split, sheet) of the music corpus in `corpus`, built from ../shared/data when missing.

    `sung`: the corpus must hold lead sheets with syllables under the notes (songs-pd; built with them
    when missing); one without is refused, since every songs-pd measure would silently read nothing.
    """
    data = ROOT.parent / "shared" / "data"
    if not (corpus / "sheets.jsonl.gz").exists():
        build_corpus(corpus, pop909=data / "pop909", nottingham=data / "nottingham",
                     songs_pd=data / "songs-pd" if sung else None, progress=False)
    sheets = load_sheets(corpus / "sheets.jsonl.gz")
    if sung and not any(s.meta.get("syl") for _, s in sheets):
        raise InputError(f"{corpus}: this music corpus has no songs-pd lead sheets; rebuild it with "
                         f"`musegen corpus build --out {corpus} --force --pop909 {data / 'pop909'} "
                         f"--nottingham {data / 'nottingham'} --songs-pd {data / 'songs-pd'}`")
    check_corpus(corpus, sheets)
    return sheets


def corpus_profile(sheets: list[tuple[str, LeadSheet]]) -> dict:
    """Songs per split/source and a short SHA-256 of the sorted validation song names."""
    counts = Counter(f"{sp}/{s.source}" for sp, s in sheets)
    names = "\n".join(sorted(s.name for sp, s in sheets if sp == "valid"))
    return {"songs": dict(sorted(counts.items())),
            "valid_names_sha256": hashlib.sha256(names.encode()).hexdigest()[:16]}


def check_corpus(corpus: Path, sheets: list[tuple[str, LeadSheet]], manifest: Path = CORPORA,
                 root: Path = ROOT) -> None:
    """Refuse a default benchmark corpus (`corpora.json`) whose songs differ from what it should hold.

    Corpora elsewhere (a composer's own) are not checked.
    """
    try:
        key = corpus.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return
    want = json.loads(manifest.read_text("utf-8")).get(key)
    if want is None:
        return
    got = corpus_profile(sheets)
    if got != {k: want[k] for k in got}:
        g, w = got["songs"], want["songs"]
        diff = sorted(k for k in {*g, *w} if g.get(k) != w.get(k))
        what = ", ".join(f"{k} {g.get(k, 0)} (expected {w.get(k, 0)})" for k in diff)
        what = what or "other validation songs"
        raise InputError(f"{corpus}: not the benchmark corpus {manifest.name} describes ({what}); rebuild it "
                         f"with `musegen corpus build --out {corpus} --force {want['build']}`")


def held_out_pop(sheets: list[tuple[str, LeadSheet]]) -> tuple[list[LeadSheet], list[LeadSheet]]:
    """The validation split's POP909 songs by name, halved: (reference songs, the other songs).

    They are read again from ../shared/data/pop909 with their own note-offs: the corpus holds each phrase
    legato (what the model trains on), and a corpus built since that change would otherwise hand the
    benchmarks legato POP909 as "real" (duration overlap of the other real songs 0.956 -> 0.881).
    """
    from musegen.training.music_corpus import load_pop909_song

    pop = sorted((s for sp, s in sheets if sp == "valid" and s.source == "pop909"), key=lambda s: s.name)
    data = ROOT.parent / "shared" / "data" / "pop909"
    raw = []
    for s in pop:
        folder = data / s.name.split("/", 1)[1]
        if not folder.is_dir():
            raise InputError(f"{folder}: POP909 song missing; the real reference melodies are read from "
                             "../shared/data/pop909")
        raw.append(load_pop909_song(folder, legato=False))
    return raw[0::2], raw[1::2]


def _mean(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return round(float(np.mean(xs)), 4) if xs else None


# ----------------------------------------------------------------------------- speed
def cpu_speed(model, bars64_runs: int = 2) -> dict:
    torch.set_num_threads(1)
    past = model.new_cache(1)
    with torch.inference_mode():
        model(torch.tensor([[V.BOS, V.MODE[0], V.TEMPO[2], V.METER[0], V.STYLE[0]]]), past)
        t = time.perf_counter()
        for _ in range(256):
            model(torch.tensor([[V.BAR]]), past)
        tps = 256 / (time.perf_counter() - t)
    lines = [8] * 8
    form = [
        ("intro", 4, []),
        ("verse", 16, lines),
        ("chorus", 16, lines),
        ("verse", 16, lines),
        ("chorus", 8, [8] * 4),
        ("outro", 4, []),
    ]
    plan = SongPlan(
        "bench", "", "G", "major", 100.0, (4, 4), [SectionPlan(t, b, phrase_notes=p) for t, b, p in form]
    )
    times = []
    for r in range(bars64_runs):
        t = time.perf_counter()
        mel = generate_melody(plan, seed=r, model=model)
        times.append(time.perf_counter() - t)
    ntok = len(encode(LeadSheet(Key.parse("G major"), 100.0, (4, 4), mel.sections)))
    return {
        "cpu_decode_tokens_per_s_b1": round(tps, 1),
        "lead_sheet_64_bars_s": round(statistics.median(times), 2),
        "lead_sheet_64_bars_tokens": ntok,
        "lead_sheet_64_bars_runs_s": [round(x, 2) for x in times],
        "candidates_per_section": CANDIDATES,
        "torch_threads": 1,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / ".devcarry" / "music")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--baseline-model", type=Path, default=None,
                    help="an older checkpoint (layout v1, no Syl tokens): its NLL in the same run")
    ap.add_argument("--songs", type=int, default=12, help="held-out songs to generate plans from")
    ap.add_argument("--bars", type=int, default=32, help="bars taken from each of those songs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--nll-only", action="store_true", help="only the NLL part (model, baseline, Markov)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    sheets = corpus_sheets(a.corpus)
    train = [s for sp, s in sheets if sp == "train"]
    valid = [s for sp, s in sheets if sp == "valid"]
    model = load_music_model(a.model)
    res: dict = {
        "model": str(a.model or "default"),
        "params": model.num_params(),
        "train_songs": len(train),
        "valid_songs": len(valid),
    }

    # 1. NLL per note, on the validation songs as the model was trained on them (legato phrases)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))  # 1 on a shared machine
    valid_sung = copy.deepcopy(valid)
    for s in valid_sung:
        legato_phrases(s.sections)
    ev = evaluate(model, [np.asarray(encode(s), dtype=np.int64) for s in valid_sung], torch.device("cpu"),
                  batch=8)
    train_sung = copy.deepcopy(train)
    for s in train_sung:
        legato_phrases(s.sections)
    markov = Markov(train_sung)
    betas = {b: Markov.nll_per_note(_with_beta(markov, b), valid_sung) for b in (0.5, 1, 2, 5, 10)}
    best_beta = min(betas, key=betas.get)
    markov.beta = best_beta
    if a.baseline_model is not None:  # layout v1 = layout v2 without the Syl tokens (their ids came last)
        from musegen.music.model import load_checkpoint

        old = load_checkpoint(a.baseline_model)
        v1 = [np.asarray([t for t in encode(s) if t not in V.SYL], dtype=np.int64) for s in valid_sung]
        ev_old = evaluate(old, v1, torch.device("cpu"), batch=8)
        res["nll_baseline_model"] = {
            "model": str(a.baseline_model),
            "pitch_duration_per_note": round(ev_old["nll_pitch_dur_per_note"], 4),
            "all_tokens_per_note": round(ev_old["nll_per_note"], 4),
            "note": "same validation songs and notes; its layout has no Syl tokens",
        }
    res["nll"] = {
        "model_all_tokens_per_note": round(ev["nll_per_note"], 4),
        "model_pitch_duration_per_note": round(ev["nll_pitch_dur_per_note"], 4),
        "model_per_token": round(ev["nll_per_token"], 4),
        "markov_pitch_duration_per_note": round(betas[best_beta], 4),
        "markov_beta": best_beta,
        "notes": ev["notes"],
    }

    if a.nll_only:
        res["wall_s"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(res, indent=1))
        if a.out:
            a.out.write_text(json.dumps(res, indent=1))
        return

    # 2. generated vs real held-out pop melodies
    ref, cond = held_out_pop(sheets)
    cond = cond[: a.songs]
    ref_mels = [_song_melody(s.sections, s.bar_ticks)[0] for s in ref]
    rng = np.random.default_rng(a.seed)
    sets: dict[str, dict] = {k: {"mels": [], "scale": [], "ct": []} for k in ("model", "markov", "real")}
    used = 0
    for k, sheet in enumerate(cond):
        plan = plan_like(sheet, a.bars)
        real_secs = sheet.sections[: len(plan.sections)]
        try:
            mel = generate_melody(plan, seed=a.seed + k, model=model)
        except InputError as exc:
            print(f"skip {sheet.name}: {exc}", file=sys.stderr)
            continue
        used += 1
        for name, secs in (
            ("model", mel.sections),
            ("markov", _markov_sections(markov, plan, real_secs, rng)),
            ("real", real_secs),
        ):
            m, notes, chords = _song_melody(secs, sheet.bar_ticks)
            sets[name]["mels"].append(m)
            sets[name]["scale"].append(scale_consistency(m))
            sets[name]["ct"].append(chord_tone_ratio(notes, chords, sheet.meter, PPQ))
    res["conditioned_songs"] = used
    res["reference_songs"] = len(ref)
    for name, d in sets.items():
        ov = overlap(d["mels"], ref_mels)
        res[name] = {
            "overlap": round(ov["overlap"], 4),
            **{f"overlap_{k}": round(v, 4) for k, v in ov.items() if k != "overlap"},
            "scale_consistency": _mean(d["scale"]),
            "chord_tone_ratio_strong_beats": _mean(d["ct"]),
        }
    res["markov"]["note"] = "melody only; chord-tone ratio uses the real song's chords"

    # 3. grammar errors of unmasked samples
    gen = torch.Generator().manual_seed(a.seed)
    errs = toks = 0
    torch.set_num_threads(1)
    for s in valid[:8]:
        head = [*encode(s)[: V.HEADER_LEN], V.section_token("verse")]
        out = sample_free(model, head, 400, generator=gen)
        e, n = grammar_errors(out)
        errs, toks = errs + e, toks + n
    res["grammar_error_rate_unmasked"] = round(errs / toks, 5)
    res["grammar_errors_unmasked"] = {"errors": errs, "tokens": toks}

    # 4. speed
    res["speed"] = cpu_speed(model)
    if torch.cuda.is_available():
        from musegen.training.music_sweep import decode_speed

        g = load_music_model(a.model, "cuda")
        res["speed"]["gpu_tokens_per_s_b1"] = round(decode_speed(g, 1), 1)
        res["speed"]["gpu_tokens_per_s_b64"] = round(decode_speed(g, 64), 1)
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(res, indent=1)
    print(text)
    if a.out:
        a.out.write_text(text)


def _with_beta(m: Markov, beta: float) -> Markov:
    m.beta = beta
    return m


if __name__ == "__main__":
    try:
        main()
    except InputError as exc:  # a missing or wrong corpus: one line, not a traceback
        sys.exit(f"error: {exc}")
