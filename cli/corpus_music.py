"""`musegen corpus build --out DIR`: the music corpus (lead sheets -> tokens) from POP909/Nottingham/MIDI."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Corpus folder: sheets.jsonl.gz, tokens.npz, report.json, split.json.",
)
@click.option(
    "--pop909",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="POP909 folder (001…909 with chord_midi.txt, beat_midi.txt, key_audio.txt).",
)
@click.option(
    "--nottingham",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Nottingham database folder (MIDI/melody + MIDI/chords).",
)
@click.option(
    "--songs-pd",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="songs-pd folder (openewld/*.mxl, openhymnal/*.abc): lead sheets with lyrics under the notes.",
)
@click.option(
    "--midi-dir",
    "midi_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Any folder of MIDI or MusicXML lead sheets (melody = Vocal/Melody/Lead track); repeatable.",
)
@click.option(
    "--valid-fraction",
    type=click.FloatRange(0.0, 0.5),
    default=0.05,
    show_default=True,
    help="Share of songs held out for validation (split by song).",
)
@click.option("--force", is_flag=True, help="Re-parse the sources even if OUT/sheets.jsonl.gz exists.")
def build(
    out: Path,
    pop909: Path | None,
    nottingham: Path | None,
    songs_pd: Path | None,
    midi_dirs: tuple[Path, ...],
    valid_fraction: float,
    force: bool,
) -> None:
    """Parse, dedupe, split by song and tokenise lead sheets; prints the corpus report."""
    from musegen.errors import InputError
    from musegen.training.music_corpus import build_corpus

    if not (pop909 or nottingham or songs_pd or midi_dirs):
        raise click.UsageError("give at least one source: --pop909, --nottingham, --songs-pd or --midi-dir")
    if force:
        (out / "sheets.jsonl.gz").unlink(missing_ok=True)
    try:
        report = build_corpus(
            out,
            pop909=pop909,
            nottingham=nottingham,
            user_dirs=list(midi_dirs),
            songs_pd=songs_pd,
            valid_fraction=valid_fraction,
            progress=True,
        )
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(report, indent=1, default=dict))
    click.echo(f"corpus written to {out}", err=True)
