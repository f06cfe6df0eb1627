"""`musegen corpus phrases --out FILE`: modern phrases written by the base lyrics model (resumable)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="JSONL file of sampled texts; an existing one is continued where it stopped.")
@click.option("--requests", "n_requests", type=click.IntRange(1), default=100, show_default=True,
              help="Requests (topic × wording) to sample; each gives 16 texts of 120 tokens "
                   "(~17 s on 2 cores).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Order of the requests and sampling seed.")
def phrases(out: Path, n_requests: int, seed: int) -> None:
    """Sample short first-person texts on everyday song topics from the base SmolLM2 (no adapter).

    `musegen corpus lyrics --songs-pd DIR --phrases OUT` cuts them into phrases for the lyrics corpus.
    """
    from musegen.errors import MusegenError
    from musegen.training.lyrics_phrases import BATCH, write_texts

    if not out.parent.is_dir():
        raise click.BadParameter(f"{out.parent}: no such folder", param_hint="--out")
    try:
        done = write_texts(out, n_requests, seed=seed, progress=True)
    except MusegenError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{done} requests ({done * BATCH} texts) in {out}", err=True)
