"""Train the music transformer on a token corpus (`tokens.npz` from `build_corpus`).

Plain torch so it runs on a bare GPU machine: bf16 autocast + torch.compile on CUDA, fp32 on CPU.
Windows are the song header (BOS Mode Tempo Meter) + a stretch of the song starting at a Bar/Section
token; pitches are shifted by ±12 at random (octave augmentation — keys are already normalised, which
stands in for 12-key transposition augmentation). Resumable (train_state.safetensors, no pickles);
the loss curve goes to loss.csv; the best checkpoint on validation loss is kept in the output folder.

    python -m musegen.training.music_train --data DIR --out DIR [--layers 6 --dim 256 --heads 4]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from musegen.errors import InputError
from musegen.music import vocab as V
from musegen.music.model import MusicConfig, MusicTransformer, save_checkpoint

HEADER = V.HEADER_LEN  # BOS Mode Tempo Meter Style
PEAK_FLOPS = {"cuda": 989e12}  # dense bf16 of an H100 SXM, for MFU


@dataclass
class TrainConfig:
    """Training hyper-parameters."""

    steps: int = 3000
    batch: int = 64
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 100
    weight_decay: float = 0.1
    eval_every: int = 100
    time_budget_s: float = 0.0  # stop after this many seconds (0 = no limit)
    seed: int = 0
    compile: bool = True
    octave_aug: float = 0.5
    patience: int = 0  # stop after this many evaluations without a better validation loss (0 = never)
    block: int = 0  # training window length (0 = the model's block_size)
    lyric_weight: float = 1.0  # sampling weight of songs whose notes carry known syllables (songs-pd)


def load_songs(path: Path, split: str) -> list[np.ndarray]:
    """Token arrays of one split of a tokens.npz."""
    z = np.load(path)
    toks, offs = z[f"{split}_tokens"].astype(np.int64), z[f"{split}_offsets"]
    return [toks[offs[i] : offs[i + 1]] for i in range(len(offs) - 1)]


def is_sung(song: np.ndarray) -> bool:
    """Whether a tokenised song carries known syllables (a Syl token other than unknown or melisma)."""
    return bool(((song >= V.SYL[2]) & (song <= V.SYL[-1])).any())


class Windows:
    """Random training windows: header + a stretch that starts at a Bar or Section token."""

    def __init__(self, songs: list[np.ndarray], block: int, seed: int, lyric_weight: float = 1.0) -> None:
        self.songs = songs
        self.block = block
        self.starts = [
            np.flatnonzero((s == V.BAR) | ((s >= V.SECTION[0]) & (s <= V.SECTION[-1]))) for s in songs
        ]
        w = np.array([max(1, len(s) - HEADER) for s in songs], dtype=np.float64)
        sung = np.array([is_sung(s) for s in songs], dtype=bool)
        w[sung] *= lyric_weight  # songs with lyrics are few: sample them more often
        self.p = w / w.sum()
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int, octave_aug: float) -> np.ndarray:
        """(n, block+1) int64 windows, PAD-filled at the end."""
        out = np.zeros((n, self.block + 1), dtype=np.int64)
        for i, k in enumerate(self.rng.choice(len(self.songs), size=n, p=self.p)):
            s = self.songs[k]
            st = self.starts[k]
            st = st[st < max(HEADER + 1, len(s) - 16)] if len(st) else np.array([HEADER])
            a = int(self.rng.choice(st)) if len(st) else HEADER
            w = np.concatenate([s[:HEADER], s[a : a + self.block + 1 - HEADER]])
            if self.rng.random() < octave_aug:
                pitch = (w >= V.PITCH[0]) & (w <= V.PITCH[-1])
                for d in self.rng.permutation([12, -12]):
                    moved = w[pitch] + d
                    if len(moved) and moved.min() >= V.PITCH[0] and moved.max() <= V.PITCH[-1]:
                        w = w.copy()
                        w[pitch] = moved
                        break
            out[i, : len(w)] = w
        return out


def eval_windows(songs: list[np.ndarray], block: int) -> list[tuple[np.ndarray, int]]:
    """Each song cut into consecutive windows (header + chunk); (window, tokens to score from index)."""
    out = []
    for s in songs:
        a = HEADER
        first = True
        while a < len(s):
            chunk = s[a : a + block - HEADER + 1]
            w = np.concatenate([s[:HEADER], chunk])
            out.append((w, 0 if first else HEADER))  # score header targets once per song
            first = False
            a += len(chunk) - 1
            if len(chunk) <= 1:
                break
    return out


@torch.no_grad()
def evaluate(model: MusicTransformer, songs: list[np.ndarray], device: torch.device, batch: int = 32) -> dict:
    """Validation NLL: per token, per note (all tokens), per note (Pitch+Duration tokens only)."""
    model.eval()
    block = model.config.block_size
    wins = eval_windows(songs, block)
    tot = tot_pd = 0.0
    ntok = 0
    for i in range(0, len(wins), batch):
        part = wins[i : i + batch]
        x = np.zeros((len(part), block + 1), dtype=np.int64)
        for j, (w, _) in enumerate(part):
            x[j, : len(w)] = w
        xt = torch.from_numpy(x).to(device)
        with _autocast(device):
            logits = model(xt[:, :-1])
        nll = F.cross_entropy(logits.float().transpose(1, 2), xt[:, 1:], reduction="none")  # (B, T)
        tgt = xt[:, 1:]
        valid = tgt != V.PAD
        for j, (_, skip) in enumerate(part):
            if skip:
                valid[j, : skip - 1] = False
        pd = valid & (tgt >= V.PITCH[0]) & (tgt <= V.DURATION[-1])
        tot += float((nll * valid).sum())
        tot_pd += float((nll * pd).sum())
        ntok += int(valid.sum())
    notes = sum(int(((s >= V.PITCH[0]) & (s <= V.PITCH[-1])).sum()) for s in songs)
    model.train()
    return {
        "nll_per_token": tot / max(1, ntok),
        "nll_per_note": tot / max(1, notes),
        "nll_pitch_dur_per_note": tot_pd / max(1, notes),
        "tokens": ntok,
        "notes": notes,
    }


def _autocast(device: torch.device):
    from musegen.device import autocast

    return autocast(device)


def _save_state(path: Path, model, opt, step: int) -> None:
    from safetensors.torch import save_file

    tensors = {
        f"model.{k}": v.detach().cpu().contiguous()
        for k, v in model.state_dict().items()
        if k != "lm_head.weight"
    }
    names = {id(p): n for n, p in model.named_parameters()}
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p, {})
            for k in ("exp_avg", "exp_avg_sq"):
                if k in st:
                    tensors[f"opt.{names[id(p)]}.{k}"] = st[k].detach().cpu().contiguous()
    save_file(tensors, str(path) + ".tmp", metadata={"step": str(step)})
    Path(str(path) + ".tmp").replace(path)


def _load_state(path: Path, model, opt, device) -> int:
    from safetensors import safe_open
    from safetensors.torch import load_file

    t = load_file(str(path))
    state = {k[6:]: v for k, v in t.items() if k.startswith("model.")}
    state["lm_head.weight"] = state["wte.weight"]
    model.load_state_dict(state)
    with safe_open(str(path), "pt") as fh:
        step = int(fh.metadata()["step"])
    for n, p in model.named_parameters():
        if f"opt.{n}.exp_avg" in t:
            opt.state[p] = {
                "step": torch.tensor(float(step)),
                "exp_avg": t[f"opt.{n}.exp_avg"].to(device),
                "exp_avg_sq": t[f"opt.{n}.exp_avg_sq"].to(device),
            }
    return step


def train_music(
    data: Path,
    out: Path,
    mcfg: MusicConfig,
    tcfg: TrainConfig,
    device: torch.device | None = None,
    progress: bool = True,
    init: Path | None = None,
) -> dict:
    """Train (or resume) into `out`; returns the best validation figures and throughput.

    `init` is a checkpoint folder to start from (fine-tuning) instead of random weights.
    """
    from tqdm import tqdm

    from musegen.fsutil import atomic_write_text
    from musegen.training.resume import load_rng, save_rng

    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(tcfg.seed)
    tokens = data / "tokens.npz" if data.is_dir() else data
    train, valid = load_songs(tokens, "train"), load_songs(tokens, "valid")
    if not train or not valid:
        raise ValueError(f"{tokens}: needs train and valid songs")
    if tcfg.lyric_weight != 1.0 and not any(is_sung(s) for s in train):
        raise InputError(f"{tokens}: no training song has syllables under its notes, so --lyric-weight "
                         f"{tcfg.lyric_weight:g} would weigh nothing; build the corpus with "
                         "`musegen corpus build --songs-pd DIR` or leave --lyric-weight at 1")
    out.mkdir(parents=True, exist_ok=True)  # after the checks: a refused run leaves no folder behind
    if init is not None:
        from musegen.music.model import load_checkpoint

        model = widen_vocab(load_checkpoint(init, device))
        model.train()
        mcfg = model.config
    else:
        model = MusicTransformer(mcfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": tcfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=tcfg.lr,
        betas=(0.9, 0.95),
        fused=device.type == "cuda",
    )
    state_path = out / "train_state.safetensors"
    step = _load_state(state_path, model, opt, device) if state_path.exists() else 0
    best_path = out / "best.json"
    best = json.loads(best_path.read_text()) if best_path.exists() else {"nll_per_token": float("inf")}
    fwd = torch.compile(model) if (tcfg.compile and device.type == "cuda") else model
    block = min(tcfg.block or mcfg.block_size, mcfg.block_size)
    wins = Windows(train, block, tcfg.seed + step, tcfg.lyric_weight)
    rng_path = out / "rng_state.json"
    if step:  # exact resume: data order and dropout go on from where they stopped
        load_rng(rng_path, step, windows=wins.rng)
    n_params = model.num_params()
    flops_tok = 6 * n_params + 12 * mcfg.n_layer * block * mcfg.n_embd
    log = out / "loss.csv"
    new_log = not log.exists()
    fh = log.open("a", newline="")
    wr = csv.writer(fh)
    if new_log:
        wr.writerow(
            ["step", "train_loss", "valid_nll_per_token", "valid_nll_per_note", "lr", "tokens_per_s", "mfu"]
        )
    t0 = time.time()
    t_last, tok_count = time.time(), 0
    bar = tqdm(total=tcfg.steps, initial=step, desc="train", disable=not progress)
    model.train()
    while step < tcfg.steps:
        lr = _lr(step, tcfg)
        for g in opt.param_groups:
            g["lr"] = lr
        xb = torch.from_numpy(wins.batch(tcfg.batch, tcfg.octave_aug)).to(device, non_blocking=True)
        with _autocast(device):
            logits = fwd(xb[:, :-1])
        loss = F.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), xb[:, 1:].reshape(-1), ignore_index=V.PAD
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tok_count += int((xb[:, 1:] != V.PAD).sum())
        bar.update(1)
        timeout = tcfg.time_budget_s and time.time() - t0 > tcfg.time_budget_s
        if step % tcfg.eval_every == 0 or step == tcfg.steps or timeout:
            if device.type == "cuda":
                torch.cuda.synchronize()
            dt = time.time() - t_last
            tps = tok_count / dt
            mfu = tps * flops_tok / PEAK_FLOPS[device.type] if device.type in PEAK_FLOPS else float("nan")
            ev = evaluate(model, valid, device)
            model.train()  # evaluate() switches to eval mode; dropout stays on for the rest of training
            wr.writerow(
                [
                    step,
                    f"{loss.item():.4f}",
                    f"{ev['nll_per_token']:.4f}",
                    f"{ev['nll_per_note']:.4f}",
                    f"{lr:.2e}",
                    f"{tps:.0f}",
                    f"{mfu:.4f}",
                ]
            )
            fh.flush()
            bar.set_postfix(loss=f"{loss.item():.3f}", valid=f"{ev['nll_per_token']:.3f}", tps=f"{tps:.0f}")
            if ev["nll_per_token"] < best["nll_per_token"]:
                best = {**ev, "step": step, "tokens_per_s": tps, "mfu": mfu, "params": n_params}
                save_checkpoint(model, out, extra={"trained_steps": step, "valid": ev})
                atomic_write_text(best_path, json.dumps(best, indent=1))
            _save_state(state_path, model, opt, step)
            save_rng(rng_path, step, windows=wins.rng)
            t_last, tok_count = time.time(), 0
            stale = (step - best.get("step", 0)) // tcfg.eval_every  # evaluations since the best one
            if timeout or (tcfg.patience and stale >= tcfg.patience):
                break
    bar.close()
    fh.close()
    best["wall_s"] = time.time() - t0
    best["last_step"] = step
    return best


def widen_vocab(model: MusicTransformer, vocab_size: int = V.VOCAB_SIZE) -> MusicTransformer:
    """Grow a checkpoint's (tied) token table to `vocab_size`; old ids keep their rows.

    New tokens (appended last, like the Syl tokens of layout version 2) start at the mean embedding
    plus small noise, so a trained model can be fine-tuned into the new layout instead of retrained.
    """
    old = model.wte.weight.data
    n_old = old.shape[0]
    if vocab_size < n_old:
        raise ValueError(f"cannot shrink the vocabulary from {n_old} to {vocab_size}")
    if vocab_size == n_old:
        return model
    gen = torch.Generator().manual_seed(0)
    extra = old.mean(0, keepdim=True) + 0.02 * torch.randn(vocab_size - n_old, old.shape[1], generator=gen)
    emb = torch.nn.Embedding(vocab_size, old.shape[1]).to(old.device)
    emb.weight.data = torch.cat([old, extra.to(old.dtype).to(old.device)])
    model.wte = emb
    model.lm_head = torch.nn.Linear(old.shape[1], vocab_size, bias=False).to(old.device)
    model.lm_head.weight = model.wte.weight
    model.config.vocab_size = vocab_size
    return model


def _lr(step: int, t: TrainConfig) -> float:
    if step < t.warmup:
        return t.lr * (step + 1) / t.warmup
    frac = min(1.0, (step - t.warmup) / max(1, t.steps - t.warmup))
    return t.min_lr + 0.5 * (t.lr - t.min_lr) * (1 + math.cos(math.pi * frac))


def main() -> None:  # pragma: no cover - the GPU-machine entry point; `musegen train music` wraps train_music
    """Command-line entry point (the GPU machine has no click)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--block", type=int, default=1024)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--budget", type=float, default=0.0)
    ap.add_argument("--no-compile", action="store_true")
    a = ap.parse_args()
    mc = MusicConfig(V.VOCAB_SIZE, a.block, a.layers, a.heads, a.dim, a.dropout)
    tc = TrainConfig(steps=a.steps, batch=a.batch, lr=a.lr, time_budget_s=a.budget, compile=not a.no_compile)
    print(json.dumps(train_music(a.data, a.out, mc, tc, progress=False)))


if __name__ == "__main__":
    main()
