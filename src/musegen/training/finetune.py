"""Fine-tune both models on a composer's catalog into a style folder `generate --style NAME` can use.

    catalog folder ──read_catalog──> lead sheets ──tokens──> music model (full fine-tune of the default)
    lyric texts ──stanzas──> LoRA adapter (continued from the default adapter)
    both ──> memorisation-guard index (catalog.json) + style card (style.json)

Work happens in `<styles>/.NAME.partial/` and is resumable: re-running the same command picks up the
training state there, exactly where it stopped (optimizer, schedule, RNG and data order; a finished
stage is not re-run). The folder records a fingerprint of the catalog files and the settings; a run
with another catalog or other settings under the same name refuses to mix them (or, with `force`,
starts over). One run at a time holds the folder (a file lock). The finished folder is moved into
place in one rename; a failed run leaves no partial folder without training state in it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from musegen.errors import InputError, OutputExistsError
from musegen.fsutil import atomic_write_text, clean_orphans, replace_path
from musegen.styles.guard import CatalogIndex, note_symbols, words
from musegen.styles.store import (
    FINGERPRINT,
    Style,
    StyleCard,
    check_name,
    clean_partials,
    has_state,
    read_style,
    styles_root,
    write_card,
)
from musegen.training.catalog import CatalogReport, catalog_files, melody_notes, read_catalog

log = logging.getLogger(__name__)

LYRIC_SUFFIXES = (".txt", ".lyrics", ".lrc", ".md")


@dataclass
class FinetuneConfig:
    """Fine-tuning settings (defaults: a 10–50 song catalog on a 2-core CPU in minutes)."""

    epochs: int = 6  # passes over the catalog's music tokens
    lyrics_epochs: int = 2
    device: str | None = None  # None/"auto", "cpu", "cuda"
    music_lr: float = 3e-4
    music_batch: int = 8
    music_block: int = 512  # window length; catalog songs are a few hundred tokens
    patience: int = 3  # evaluations without a better held-out NLL before stopping
    min_steps: int = 20  # at least this many optimiser steps per model, however small the catalog
    lyrics_batch: int = 8
    lyrics_lr: float = 2e-4
    lyrics_top_layers: int | None = 6  # LoRA trained in the top layers only (the backward pass is short)
    guard_notes: int = 8  # longest allowed run of notes shared with the catalog
    guard_words: int = 8  # longest allowed run of words shared with the catalog
    guard_samples: int = 12  # sections sampled to measure the copy rate
    seed: int = 0
    music_base: str | None = None  # music checkpoint to start from (None: the shipped default)
    lyrics_base: str | None = None  # base LM folder (None: SmolLM2, as `load_lyrics_model`)
    lyrics_init: str | None = "default"  # adapter to continue ("default": shipped; None: a new LoRA)


@dataclass
class LyricCatalog:
    """Stanzas read from the catalog's lyric files, and the files skipped."""

    stanzas: list[dict] = field(default_factory=list)  # rows in the lyrics corpus format
    texts: dict[str, list[str]] = field(default_factory=dict)  # file -> its lines
    skipped: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- lyrics input
def lyric_files(path: str | Path) -> list[Path]:
    """The lyric files of `--lyrics` (a file, or the .txt/.lyrics/.lrc/.md files of a folder), sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LYRIC_SUFFIXES)
    raise InputError(f"--lyrics {path}: no such file or folder")


def read_lyric_texts(path: str | Path) -> LyricCatalog:
    """Read lyric files (a file or a folder of .txt); non-UTF-8 or unparsable files are skipped."""
    from musegen.lyrics.parse import parse_lyrics_text
    from musegen.training.lyrics_corpus import Stanza, clean_line, finish

    files = lyric_files(path)
    out = LyricCatalog()
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
            lyrics = parse_lyrics_text(text, source=str(f))
        except UnicodeDecodeError:
            out.skipped[str(f)] = "not UTF-8 text: save it as UTF-8"
            log.warning("skipping %s: not UTF-8 text", f)
            continue
        except InputError as exc:
            out.skipped[str(f)] = f"unparsable: {exc}"
            log.warning("skipping %s: %s", f, exc)
            continue
        out.texts[str(f)] = [x.text for s in lyrics.sections for x in s.lines]
        for sec in lyrics.sections:
            if sec.repeat_of is not None:
                continue
            lines = [c for c in (clean_line(x.text) for x in sec.lines) if c]
            for i in range(0, len(lines) - 1, 4):  # stanzas of up to four lines, as in the base corpus
                chunk = lines[i : i + 4]
                if len(chunk) >= 2:
                    out.stanzas.append(asdict(finish(Stanza("catalog", f.name, sec.type, chunk))))
        if not out.texts[str(f)]:
            out.skipped[str(f)] = "no lyric lines"
    return out


# ----------------------------------------------------------------------------- split
def split_songs(names: list[str], n_valid: int) -> tuple[list[int], list[int]]:
    """Deterministic train/held-out indices: every k-th song is held out (at least one of each)."""
    n = len(names)
    if n == 1:
        return [0], [0]
    n_valid = max(1, min(n_valid, n - 1))
    order = sorted(range(n), key=lambda i: names[i])
    step = n / n_valid
    valid = sorted({order[int(k * step + step / 2) % n] for k in range(n_valid)})
    return [i for i in range(n) if i not in valid], valid


# ----------------------------------------------------------------------------- resumable work folder
def fingerprint(midi: str | Path, lyrics: str | Path | None, cfg: FinetuneConfig) -> str:
    """sha256 of the catalog files (names and contents), the lyric files and the settings."""
    h = hashlib.sha256()
    groups = [("midi", Path(midi), catalog_files(midi))]
    if lyrics is not None:
        groups.append(("lyrics", Path(lyrics), lyric_files(lyrics)))
    for kind, root, files in groups:
        for f in files:
            rel = f.name if f == root else str(f.relative_to(root))
            h.update(f"{kind}:{rel}:".encode())
            with f.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(chunk)
    h.update(json.dumps(asdict(cfg), sort_keys=True).encode())
    return h.hexdigest()


@contextlib.contextmanager
def _claim(work: Path, name: str, fp: str, force: bool) -> Iterator[Path]:
    """Hold `work` (locked, fingerprinted) for one run; remove it on failure if it holds no state."""
    work.mkdir(parents=True, exist_ok=True)
    fd = os.open(work, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"--name {name}: another `musegen finetune --name {name}` is running now; wait "
                             "for it to finish, or choose another --name") from None
        fp_file = work / FINGERPRINT
        old = fp_file.read_text().strip() if fp_file.is_file() else None
        if has_state(work) and old != fp:
            if not force:
                raise InputError(
                    f"--name {name}: {work} holds an interrupted fine-tune of a different catalog or "
                    "other settings; rerun that command to resume it, or pass --force to discard it and "
                    "start over")
            log.warning("discarding the interrupted fine-tune in %s (other catalog or settings)", work)
            for p in work.iterdir():
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        atomic_write_text(fp_file, fp + "\n")
        try:
            yield work
        except BaseException:
            if not has_state(work):
                shutil.rmtree(work, ignore_errors=True)
            raise
    finally:
        os.close(fd)


def _stage(work: Path, name: str, run) -> dict:
    """The figures of a finished stage (`<name>_done.json`), or run it and record them."""
    done = work / f"{name}_done.json"
    if done.is_file():
        return json.loads(done.read_text())
    figures = run()
    atomic_write_text(done, json.dumps(figures) + "\n")
    return figures


# ----------------------------------------------------------------------------- main entry
def finetune(
    midi: str | Path,
    *,
    name: str,
    lyrics: str | Path | None = None,
    cfg: FinetuneConfig | None = None,
    force: bool = False,
    progress: bool = True,
) -> Style:
    """Fine-tune the music model (and, with `lyrics`, the lyrics adapter) on a catalog; returns the style.

    Resumes an interrupted run of the same catalog and settings; `force` replaces an existing style and
    discards an interrupted run of another catalog or other settings (otherwise InputError).
    """
    cfg = cfg or FinetuneConfig()
    check_name(name)
    root = styles_root()
    final = root / name
    if final.exists() and not force:
        raise OutputExistsError(f"--name {name}: style exists at {final}; pass --force to replace it")
    t0 = time.time()

    report = read_catalog(midi, progress=progress)
    lyric_cat = read_lyric_texts(lyrics) if lyrics is not None else LyricCatalog()
    if not report.songs:
        raise InputError(
            f"--midi {midi}: no usable song ({report.summary()}); each file needs a melody line of 16+ notes"
        )
    root.mkdir(parents=True, exist_ok=True)
    clean_orphans(root)
    clean_partials(root)
    with _claim(root / f".{name}.partial", name, fingerprint(midi, lyrics, cfg), force) as work:
        return _run(work, final, name, report, lyric_cat, lyrics, cfg, force, progress, t0)


def _run(work: Path, final: Path, name: str, report: CatalogReport, lyric_cat: LyricCatalog,
         lyrics: str | Path | None, cfg: FinetuneConfig, force: bool, progress: bool, t0: float) -> Style:
    """The fine-tune proper, in the claimed work folder."""
    skipped = {**report.skipped, **lyric_cat.skipped}
    train_idx, valid_idx = split_songs([s.name for s in report.songs], max(1, len(report.songs) // 10))
    figures: dict = {
        "songs": len(report.songs),
        "skipped": len(skipped),
        "train_songs": len(train_idx),
        "heldout_songs": len(valid_idx),
    }

    from musegen.device import pick_device

    device = pick_device(cfg.device)
    figures["music"] = _stage(work, "music", lambda: _finetune_music(report, train_idx, valid_idx,
                                                                     work / "music", cfg, device, progress))
    if lyric_cat.stanzas:
        figures["lyrics"] = _stage(work, "lyrics", lambda: _finetune_lyrics(lyric_cat, work / "lyrics", cfg,
                                                                            str(device), progress))
    elif lyrics is not None:
        log.warning("no usable stanzas in %s: the style keeps the default lyrics adapter", lyrics)

    index = CatalogIndex(
        melodies=[note_symbols(melody_notes(s)) for s in report.songs],
        texts=[words(" ".join(lines)) for lines in lyric_cat.texts.values()],
    )
    atomic_write_text(work / "catalog.json", json.dumps(index.to_dict()) + "\n")
    figures["copy"] = measure_copy_rate(work / "music", report, index, cfg)
    figures["seconds"] = round(time.time() - t0, 1)
    figures["device"] = str(device)

    card = StyleCard(
        name=name,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        files_used=[s.meta["path"] for s in report.songs] + list(lyric_cat.texts),
        skipped=skipped,
        music="music",
        lyrics="lyrics" if (work / "lyrics" / "adapter_config.json").is_file() else None,
        figures=figures,
        guard={"max_notes": cfg.guard_notes, "max_words": cfg.guard_words},
    )
    _publish(work, final, card, force)
    return read_style(final)


def _publish(work: Path, final: Path, card: StyleCard, force: bool) -> None:
    """Drop resumable training state, write the card, and move the folder into place."""
    for leftover in ("music_data", "music_train", "lyrics_data", "lyrics_train"):
        shutil.rmtree(work / leftover, ignore_errors=True)
    for leftover in (FINGERPRINT, "music_done.json", "lyrics_done.json"):
        (work / leftover).unlink(missing_ok=True)
    write_card(work, card)
    if final.exists() and not force:  # made by another run meanwhile
        raise OutputExistsError(f"--name {card.name}: style was created meanwhile at {final}; pass --force "
                                "to replace it")
    replace_path(work, final)


# ----------------------------------------------------------------------------- music
def _finetune_music(report: CatalogReport, train_idx, valid_idx, out: Path, cfg: FinetuneConfig, device,
                    progress: bool) -> dict:
    """Full fine-tune of the default music checkpoint with early stopping on the held-out songs."""
    from musegen.evaluation.melody import melody_from_notes, set_histograms
    from musegen.music.generate import default_checkpoint
    from musegen.music.model import load_checkpoint, save_checkpoint
    from musegen.music.tokenizer import encode
    from musegen.training.music_corpus import write_tokens
    from musegen.training.music_train import TrainConfig, evaluate, train_music

    work = out.parent
    data = work / "music_data"
    data.mkdir(parents=True, exist_ok=True)
    seqs = {"train": [np.asarray(encode(report.songs[i]), np.int16) for i in train_idx],
            "valid": [np.asarray(encode(report.songs[i]), np.int16) for i in valid_idx]}
    write_tokens(data / "tokens.npz", seqs)

    start = Path(cfg.music_base) if cfg.music_base else default_checkpoint()
    base = load_checkpoint(start, device)
    before = evaluate(base, [a.astype(np.int64) for a in seqs["valid"]], device)
    n_tokens = sum(len(a) for a in seqs["train"])
    block = min(cfg.music_block, base.config.block_size)
    steps = max(cfg.min_steps, round(cfg.epochs * n_tokens / (cfg.music_batch * block)))
    tcfg = TrainConfig(steps=steps, batch=cfg.music_batch, lr=cfg.music_lr, min_lr=cfg.music_lr / 10,
                       warmup=max(1, steps // 20), eval_every=max(5, steps // 10), seed=cfg.seed,
                       compile=False, patience=cfg.patience, block=block)
    best = train_music(data, work / "music_train", base.config, tcfg, device=device, progress=progress,
                       init=start)
    tuned = load_checkpoint(work / "music_train", "cpu")
    # the reranking prior becomes the catalog's own melody statistics
    sung = [melody_from_notes(sec.notes) for i in train_idx for sec in report.songs[i].sections if sec.notes]
    prior = {k: [round(float(x), 5) for x in v] for k, v in set_histograms(sung).items()}
    # and its key profile too, per mode the catalog has (the base checkpoint's for a mode it lacks)
    from musegen.training.music_prior import key_profiles

    key_profile = {**getattr(base, "config_extra", {}).get("key_profile", {}),
                   **key_profiles((report.songs[i] for i in train_idx), partial=True)}
    save_checkpoint(tuned, out, extra={
        "finetuned_from": str(cfg.music_base or "musegen default"),
        "trained_steps": best.get("step"), "valid": best,
        "prior": prior, "prior_source": f"mean EVALUATION.md histograms of {len(sung)} catalog sections",
        "key_profile": key_profile,
    })
    return {
        "nll_per_note_before": round(before["nll_per_note"], 4),
        "nll_per_note_after": round(best["nll_per_note"], 4),
        "steps": best.get("last_step"),
        "best_step": best.get("step"),
        "train_tokens": n_tokens,
    }


def measure_copy_rate(music_dir: Path, report: CatalogReport, index: CatalogIndex,
                      cfg: FinetuneConfig) -> dict:
    """Sample songs shaped like the catalog's and count sung sections copying > guard_notes notes."""
    from musegen.music import generate_melody, load_music_model
    from musegen.training.catalog import plan_like

    model = load_music_model(music_dir)
    runs: list[int] = []
    for k in range(cfg.guard_samples):
        plan = plan_like(report.songs[k % len(report.songs)], max_bars=16)
        if not any(s.phrase_notes for s in plan.sections):
            continue
        mel = generate_melody(plan, seed=cfg.seed + k, model=model)
        runs += [index.note_copy(sec.notes) for sec in mel.sections if sec.notes]
    over = sum(r > cfg.guard_notes for r in runs)
    return {
        "sections_sampled": len(runs),
        "longest_note_run_median": float(np.median(runs)) if runs else 0.0,
        "longest_note_run_max": max(runs, default=0),
        "note_copy_rate": round(over / len(runs), 4) if runs else 0.0,
    }


# ----------------------------------------------------------------------------- lyrics
def _finetune_lyrics(cat: LyricCatalog, out: Path, cfg: FinetuneConfig, device: str, progress: bool) -> dict:
    """Continue the default LoRA adapter on the catalog's stanzas (one file's stanzas held out)."""
    from musegen.lyrics.model import adapter_prompt_format, default_adapter_dir
    from musegen.training.lyrics_train import LoraTrainConfig, train_lora

    work = out.parent
    data = work / "lyrics_data"
    files = sorted({r["book"] for r in cat.stanzas})
    _, held = split_songs(files, max(1, len(files) // 10))
    held_files = {files[i] for i in held}
    for r in cat.stanzas:
        r["split"] = "valid" if r["book"] in held_files else "train"
    if len(files) == 1:  # one file: hold out its last stanza
        cat.stanzas[-1]["split"] = "valid"
    for split in ("train", "valid"):
        rows = [r for r in cat.stanzas if r["split"] == split] or cat.stanzas[-1:]
        atomic_write_text(data / f"{split}.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    n_train = sum(r["split"] == "train" for r in cat.stanzas)
    steps = max(cfg.min_steps, round(cfg.lyrics_epochs * n_train / cfg.lyrics_batch))
    init = default_adapter_dir() if cfg.lyrics_init == "default" else cfg.lyrics_init
    lcfg = LoraTrainConfig(lr=cfg.lyrics_lr, batch_size=cfg.lyrics_batch, steps=steps,
                           warmup=max(1, steps // 10), eval_every=steps, save_every=max(1, steps // 4),
                           seed=cfg.seed, top_layers=cfg.lyrics_top_layers,
                           # the style is prompted as its parent; a new LoRA gets today's format
                           prompt_format=adapter_prompt_format(init) if init else 3)
    metrics = train_lora(cfg.lyrics_base, data, work / "lyrics_train", lcfg, device=device, progress=progress,
                         init_adapter=init)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(work / "lyrics_train" / "adapter", out)
    return {"stanzas": len(cat.stanzas), "steps": steps, "ppl_before": round(metrics["ppl_base"], 2),
            "ppl_after": round(metrics["ppl_after"], 2)}
