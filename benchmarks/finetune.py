"""Style fine-tuning benchmark (prints JSON): does `musegen finetune` move the music toward a catalog?

    python benchmarks/finetune.py [--songs 40] [--epochs 6] [--device cpu] [--lyric-book gp-00585]
                                  [--no-lyrics] [--out FILE]

The held-out "composer set" is a collection the base model never saw: Chinese folk songs from
music21's Essen corpus (essenFolksong/han1.abc), written once as MIDI files into .cache/bench/.
80% of them are the catalog; the other 20% are held out. Reported, before (default model) and after
(the style):
- NLL per note on the held-out songs' tokens;
- distribution overlap (EVALUATION.md: pitch class, interval, duration, IOI histograms) between melodies
  generated for plans shaped like the held-out songs and the real held-out melodies, with the same
  figure for the catalog's own real melodies as the reference ceiling;
- the copy rate: share of generated sections sharing more than 8 notes in a row with the catalog;
- wall time of the whole fine-tune on this machine.
Lyrics (unless --no-lyrics): 20 lyric files of four stanzas each from one poet of the lyrics corpus's
validation split (a book the shipped adapter never trained on; needs `musegen corpus lyrics` run once),
16 files the catalog, 4 held out: perplexity before/after on the held-out file's stanzas, the word-copy
rate of lyrics written with the style, and the time it adds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "bench"


def build_catalog(n: int) -> Path:
    """Write up to n Essen han1 tunes (>= 24 notes) as MIDI files; cached."""
    import music21

    out = CACHE / f"essen-han1-{n}"
    if (out / "DONE").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    print(f"parsing essenFolksong/han1.abc into {out} (once) ...", file=sys.stderr)
    opus = music21.corpus.parse("essenFolksong/han1.abc")
    k = 0
    for score in opus.scores:
        if len(score.flatten().notes) < 24:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score.write("midi", fp=str(out / f"han{k:03d}.mid"))
        except Exception:  # music21's ABC->MIDI trap (shared TimeSignature objects): skip the tune
            continue
        k += 1
        if k >= n:
            break
    (out / "DONE").write_text(str(k))
    return out


def build_lyric_catalog(book: str, files: int = 20, per_file: int = 4) -> Path:
    """Lyric files from one validation-split book of the lyrics corpus (a poet unseen in training)."""
    from musegen.lyrics.base import cache_dir

    valid = cache_dir() / "corpora" / "lyrics" / "valid.jsonl"
    if not valid.is_file():
        raise SystemExit(f"{valid}: missing; run `musegen corpus lyrics` once (or pass --no-lyrics)")
    rows = [r for r in map(json.loads, valid.open(encoding="utf-8")) if r["book"] == book]
    if len(rows) < files * per_file:
        raise SystemExit(f"book {book}: only {len(rows)} stanzas in {valid}; pick another --lyric-book")
    out = CACHE / f"lyrics-{book}"
    out.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        stanzas = rows[k * per_file : (k + 1) * per_file]
        text = "\n\n".join("[Verse]\n" + "\n".join(r["lines"]) for r in stanzas) + "\n"
        (out / f"poem{k:02d}.txt").write_text(text, encoding="utf-8")
    return out


def lyric_copy_rate(adapter: Path | None, index, samples: int, limit: int = 8) -> dict:
    """Write `samples` short songs of words with the style and measure runs shared with the catalog."""
    from musegen.lyrics import load_lyrics_model, write_lyrics
    from musegen.lyrics.sections import plan_for_lyrics
    from musegen.styles.guard import Guard

    model = load_lyrics_model(adapter=adapter)
    guard = Guard(index)
    runs = []
    t = time.perf_counter()
    plan = plan_for_lyrics("the sea at night, a sailor's farewell", ["verse", "chorus"], [8, 8, 8, 8], "ABAB")
    for k in range(samples):
        runs.append(guard.word_run(write_lyrics(plan, seed=k, model=model)))
    return {
        "songs": samples,
        "longest_word_run_max": max(runs),
        "copy_rate_over_8_words": round(float(np.mean([r > limit for r in runs])), 4),
        "seconds_per_song": round((time.perf_counter() - t) / samples, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--songs", type=int, default=40)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--samples", type=int, default=2, help="generated songs per held-out plan and model")
    ap.add_argument("--lyric-book", default="gp-00585", help="validation-split book for the lyric catalog")
    ap.add_argument("--no-lyrics", action="store_true", help="fine-tune the music model only")
    ap.add_argument("--lyric-samples", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(max(1, min(os.cpu_count() or 1, 8)))
    from musegen.evaluation.melody import melody_from_notes, overlap
    from musegen.music import generate_melody, load_music_model
    from musegen.music.generate import default_checkpoint
    from musegen.music.tokenizer import encode
    from musegen.styles.guard import CatalogIndex, note_symbols
    from musegen.training.catalog import melody_notes, plan_like, read_catalog, song_notes
    from musegen.training.finetune import FinetuneConfig, finetune
    from musegen.training.music_train import evaluate

    src = build_catalog(args.songs)
    files = sorted(src.glob("*.mid"))
    held = set(files[2::5])  # every fifth file: 20% held out
    tmp = Path(tempfile.mkdtemp(prefix="musegen-bench-ft-"))
    cat_dir = tmp / "catalog"
    cat_dir.mkdir()
    for f in files:
        if f not in held:
            (cat_dir / f.name).symlink_to(f)
    held_dir = tmp / "heldout"
    held_dir.mkdir()
    for f in held:
        (held_dir / f.name).symlink_to(f)
    os.environ["MUSEGEN_HOME"] = str(tmp / "home")
    lyric_dir = None
    if not args.no_lyrics:
        poems = sorted(build_lyric_catalog(args.lyric_book).glob("*.txt"))
        lyric_dir = tmp / "lyrics"
        lyric_dir.mkdir()
        for f in poems[:16]:
            (lyric_dir / f.name).symlink_to(f)

    t0 = time.perf_counter()
    style = finetune(cat_dir, name="bench-han", lyrics=lyric_dir,
                     cfg=FinetuneConfig(epochs=args.epochs, device=args.device), progress=True)
    seconds = time.perf_counter() - t0

    heldout = read_catalog(held_dir).songs
    catalog = read_catalog(cat_dir).songs
    tokens = [np.asarray(encode(s), np.int64) for s in heldout]
    dev = torch.device("cpu")
    base, tuned = load_music_model(default_checkpoint()), load_music_model(style.music_path)
    nll = {name: evaluate(m, tokens, dev)["nll_per_note"] for name, m in (("before", base), ("after", tuned))}

    index = CatalogIndex(melodies=[note_symbols(melody_notes(s)) for s in catalog])
    real_held = [melody_from_notes(melody_notes(s)) for s in heldout]
    real_cat = [melody_from_notes(melody_notes(s)) for s in catalog]
    gen: dict[str, list] = {"before": [], "after": []}
    copies: dict[str, list[int]] = {"before": [], "after": []}
    for i, sheet in enumerate(heldout):
        plan = plan_like(sheet)
        for k in range(args.samples):
            for name, model in (("before", base), ("after", tuned)):
                mel = generate_melody(plan, seed=1000 * i + k, model=model)
                copies[name] += [index.note_copy(sec.notes) for sec in mel.sections if sec.notes]
                gen[name].append(melody_from_notes(song_notes(mel.sections, plan.bar_ticks)))

    result = {
        "benchmark": "finetune",
        "catalog": "music21 essenFolksong/han1 (Chinese folk songs), unseen by the base model",
        "catalog_songs": len(catalog),
        "heldout_songs": len(heldout),
        "device": args.device,
        "finetune_seconds": round(seconds, 1),
        "nll_per_note_heldout": {k: round(v, 4) for k, v in nll.items()},
        "overlap_with_heldout": {
            "before": {k: round(v, 4) for k, v in overlap(gen["before"], real_held).items()},
            "after": {k: round(v, 4) for k, v in overlap(gen["after"], real_held).items()},
            "real_catalog_reference": {k: round(v, 4) for k, v in overlap(real_cat, real_held).items()},
        },
        "copy_rate_over_8_notes": {
            k: round(float(np.mean([r > 8 for r in v])), 4) if v else 0.0 for k, v in copies.items()
        },
        "longest_copied_run_max": {k: max(v, default=0) for k, v in copies.items()},
        "style_card_figures": style.card.figures,
    }
    if lyric_dir is not None:
        from musegen.styles.guard import CatalogIndex as Index
        from musegen.styles.guard import words

        texts = [words(f.read_text(encoding="utf-8")) for f in sorted(lyric_dir.glob("*.txt"))]
        result["lyrics"] = {
            "catalog": f"{len(texts)} files, lyrics corpus validation book {args.lyric_book}",
            **style.card.figures.get("lyrics", {}),
            "style": lyric_copy_rate(style.lyrics_path, Index(texts=texts), args.lyric_samples),
        }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
