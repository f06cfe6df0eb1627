"""`musegen train …`: train the music model (`music`) or the lyrics LoRA adapter (`lyrics`)."""

from __future__ import annotations

import click
from musegen.cli.lazy import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={"music": "musegen.cli.train_music:music", "lyrics": "musegen.cli.train_lyrics:lyrics"},
)
def train() -> None:
    """Train the music transformer or the lyrics adapter."""
