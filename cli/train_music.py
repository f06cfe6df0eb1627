"""`musegen train music --data DIR --out DIR`: train the music transformer (bf16 + compile on a GPU)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option(
    "--data",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="Corpus folder from `musegen corpus build` (or its tokens.npz).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Checkpoint folder (config.json, model.safetensors, tokenizer.json, loss.csv); resumable.",
)
@click.option("--layers", type=click.IntRange(1), default=6, show_default=True)
@click.option("--dim", type=click.IntRange(8), default=256, show_default=True)
@click.option("--heads", type=click.IntRange(1), default=4, show_default=True)
@click.option("--block", type=click.IntRange(32), default=1024, show_default=True, help="Context length.")
@click.option("--dropout", type=click.FloatRange(0.0, 0.9), default=0.15, show_default=True)
@click.option("--steps", type=click.IntRange(1), default=4500, show_default=True)
@click.option("--batch", type=click.IntRange(1), default=32, show_default=True)
@click.option("--lr", type=float, default=1e-3, show_default=True)
@click.option("--time-budget", type=float, default=0.0, help="Stop after this many seconds (0 = none).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--no-compile", is_flag=True, help="Skip torch.compile on CUDA.")
@click.option(
    "--init",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Checkpoint folder to continue from (its shape wins over --layers/--dim/--heads; an older, "
    "smaller vocabulary is widened to this one).",
)
@click.option("--lyric-weight", type=click.FloatRange(0.0), default=1.0, show_default=True,
              help="Sampling weight of songs whose notes carry syllables (songs-pd) against the others.")
@click.option("--eval-every", type=click.IntRange(1), default=100, show_default=True)
@click.option("--warmup", type=click.IntRange(0), default=100, show_default=True)
def music(
    data: Path,
    out: Path,
    layers: int,
    dim: int,
    heads: int,
    block: int,
    dropout: float,
    steps: int,
    batch: int,
    lr: float,
    time_budget: float,
    device: str,
    no_compile: bool,
    init: Path | None,
    lyric_weight: float,
    eval_every: int,
    warmup: int,
) -> None:
    """Train (or resume) the music model; the best checkpoint on validation NLL is kept in OUT."""
    from musegen.device import pick_device
    from musegen.errors import MusegenError
    from musegen.music import vocab as V
    from musegen.music.model import MusicConfig
    from musegen.training.music_train import TrainConfig, train_music

    if dim % heads:
        raise click.BadParameter(f"--dim {dim} must be divisible by --heads {heads}", param_hint="--dim")
    tokens = data / "tokens.npz" if data.is_dir() else data
    if not tokens.exists():
        raise click.BadParameter(
            f"{tokens}: not found; run `musegen corpus build` first", param_hint="--data"
        )
    try:
        dev = pick_device(device)
        mc = MusicConfig(V.VOCAB_SIZE, block, layers, heads, dim, dropout)
        tc = TrainConfig(steps=steps, batch=batch, lr=lr, time_budget_s=time_budget, compile=not no_compile,
                         lyric_weight=lyric_weight, eval_every=eval_every, warmup=warmup, block=block,
                         min_lr=lr / 10)
        best = train_music(tokens, out, mc, tc, device=dev, progress=True, init=init)
    except MusegenError as exc:
        raise click.UsageError(str(exc)) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--data") from None
    click.echo(json.dumps(best, indent=1))
