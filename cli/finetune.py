"""`musegen finetune --midi DIR --name NAME`: a style of your own from your catalog."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click


@click.command()
@click.option("--midi", "midi_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of your songs: MIDI (.mid) or MusicXML (.musicxml/.mxl), any track layout.")
@click.option("--lyrics", "lyrics_path", type=click.Path(path_type=Path), default=None,
              help="Your lyrics: a .txt file or a folder of them ([Verse]/[Chorus] headers optional).")
@click.option("--name", required=True, help="Name of the style; use it as `musegen generate --style NAME`.")
@click.option("--epochs", type=click.IntRange(1, 200), default=6, show_default=True,
              help="Passes over the catalog's music.")
@click.option("--lyrics-epochs", type=click.IntRange(1, 50), default=2, show_default=True,
              help="Passes over the catalog's stanzas.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where to train (auto: the GPU when there is one).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the training run.")
@click.option("--force", is_flag=True,
              help="Replace an existing style of the same name, or discard an interrupted run of another "
                   "catalog under that name.")
def finetune(midi_dir: Path, lyrics_path: Path | None, name: str, epochs: int, lyrics_epochs: int,
             device: str, seed: int, force: bool) -> None:
    """Fine-tune the music model (and the lyrics model, with --lyrics) on your songs.

    Interrupted runs resume exactly where they stopped when you run the same command again; a run
    with another catalog or other settings under the same --name asks for --force to start over.
    """
    from musegen.errors import InputError, MusegenError, OutputExistsError
    from musegen.training.finetune import FinetuneConfig
    from musegen.training.finetune import finetune as run_finetune

    if not logging.getLogger().handlers:  # `musegen --verbose` has configured logging already
        logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    cfg = FinetuneConfig(epochs=epochs, lyrics_epochs=lyrics_epochs, device=device, seed=seed)
    try:
        style = run_finetune(midi_dir, name=name, lyrics=lyrics_path, cfg=cfg, force=force, progress=True)
    except OutputExistsError as exc:
        raise click.UsageError(str(exc)) from None
    except InputError as exc:
        msg = str(exc)
        hints = ("--midi", "--lyrics", "--name", "--device")
        hint = next((h for h in hints if msg.startswith(f"{h} ")), None)
        if hint is None:
            raise click.ClickException(msg) from None
        raise click.BadParameter(msg.removeprefix(hint + " "), param_hint=hint) from None  # keeps the path
    except MusegenError as exc:
        raise click.ClickException(str(exc)) from None
    card = style.card
    click.echo(f"Style {card.name!r} written to {style.path}")
    click.echo(f"  songs used: {card.figures['songs']}, files skipped: {card.figures['skipped']}")
    for f, why in card.skipped.items():
        click.echo(f"    skipped {f}: {why}")
    click.echo("  figures: " + json.dumps({k: v for k, v in card.figures.items() if isinstance(v, dict)}))
    click.echo(f'Use it: musegen generate "<mood prompt>" --style {card.name} --out DIR')
