"""The `musegen` group: it only registers commands, one module per command."""

from __future__ import annotations

import click
from musegen.cli.lazy import LazyGroup

from musegen import __version__

COMMANDS = {
    "generate": "musegen.cli.generate:generate",
    "render": "musegen.cli.render:render",
    "lyrics": "musegen.cli.lyrics:lyrics",
    "melody": "musegen.cli.melody:melody",
    "corpus": "musegen.cli.corpus:corpus",
    "train": "musegen.cli.train:train",
    "finetune": "musegen.cli.finetune:finetune",
    "styles": "musegen.cli.styles:styles",
    "edit": "musegen.cli.edit:edit",
    "extend": "musegen.cli.extend:extend",
    "studio": "musegen.cli.studio:studio",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="musegen")
@click.option("-v", "--verbose", is_flag=True,
              help="Show third-party warnings, library logs and full tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Musegen writes whole songs offline: words, melody, chords, arrangement, MIDI, lead sheet, audio."""
    from musegen.cli.quiet import configure_output

    ctx.obj = {"verbose": verbose}
    configure_output(verbose)


def run() -> None:
    """Console-script entry point: library errors become one-line messages, never tracebacks."""
    from musegen.errors import MusegenError

    try:
        main(standalone_mode=True)
    except MusegenError as exc:  # pragma: no cover - commands convert these themselves
        raise SystemExit(f"Error: {exc}") from None
