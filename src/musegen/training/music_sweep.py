"""GPU run that picked the default music model (size sweep, GPU decode speed).

Trains several sizes under a time budget each, times GPU decoding (batch 1 and 64), and writes fp16
copies of every checkpoint for the trip home.

    python -m musegen.training.music_sweep --data DIR --work DIR --out DIR

Plain torch (the GPU machine has no miditok/music21). Results: OUT/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from musegen.music import vocab as V
from musegen.music.model import MusicConfig, MusicTransformer, load_checkpoint
from musegen.training.music_train import TrainConfig, train_music

SIZES = {  # name: (layers, width, heads, time budget s, lr)
    "s4x256": (4, 256, 4, 75, 1e-3),
    "m6x256": (6, 256, 4, 100, 1e-3),
    "l8x384": (8, 384, 6, 125, 6e-4),
}


@torch.inference_mode()
def decode_speed(model: MusicTransformer, batch: int, n: int = 256) -> float:
    """Tokens/s of KV-cached sampling (no grammar masks) at a batch size, bf16 autocast on CUDA."""
    from musegen.device import autocast, model_device

    dev = model_device(model)
    x = torch.full((batch, 4), V.BOS, dtype=torch.long, device=dev)
    best = 0.0
    for _ in range(2):  # the first round warms up
        with autocast(dev):
            past = model.new_cache(batch)
            logits = model(x, past)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            for _ in range(n):
                nxt = torch.multinomial(torch.softmax(logits[:, -1].float(), -1), 1)
                logits = model(nxt, past)
            if dev.type == "cuda":
                torch.cuda.synchronize()
        best = max(best, batch * n / (time.perf_counter() - t))
    return best


def main() -> None:  # pragma: no cover - runs on the GPU machine
    """Command-line entry point."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--dropout", type=float, default=0.15)
    ap.add_argument("--budget", type=float, default=0.0, help="seconds per size (0 = the table's)")
    a = ap.parse_args()
    from safetensors.torch import save_file

    res = {"device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"}
    for name in a.sizes.split(","):
        layers, dim, heads, budget, lr = SIZES[name]
        mc = MusicConfig(V.VOCAB_SIZE, 1024, layers, heads, dim, a.dropout)
        tc = TrainConfig(
            steps=a.steps, batch=a.batch, lr=lr, time_budget_s=a.budget or budget, eval_every=250
        )
        folder = a.work / name
        r = train_music(a.data, folder, mc, tc, progress=False)
        model = load_checkpoint(folder, "cuda" if torch.cuda.is_available() else "cpu")
        r["gpu_tokens_per_s_b1"] = decode_speed(model, 1)
        r["gpu_tokens_per_s_b64"] = decode_speed(model, 64)
        res[name] = r
        print(name, json.dumps(r), flush=True)
        state = {k: v.half().contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
        save_file(state, str(a.out / f"{name}.safetensors"))
        res[name]["config"] = json.loads((folder / "config.json").read_text())
        res[name]["loss_csv"] = (folder / "loss.csv").read_text()
        (a.out / "sweep.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
