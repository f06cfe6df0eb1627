"""`musegen corpus …`: build training corpora (music: `build`, lyrics: `lyrics`)."""

from __future__ import annotations

import click
from musegen.cli.lazy import LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={"build": "musegen.cli.corpus_music:build", "lyrics": "musegen.cli.corpus_lyrics:lyrics",
          "phrases": "musegen.cli.corpus_phrases:phrases"},
)
def corpus() -> None:
    """Build training corpora from lead sheets (build), verse (lyrics) or the base model's prose (phrases)."""
