"""musegen: writes whole songs offline — words, melody, chords, arrangement, MIDI, lead sheet, audio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from musegen.types import Song

__all__ = ["__version__", "compose"]


def compose(prompt: str, seed: int | None = None, **overrides: Any) -> Song:
    """Mood prompt -> finished `Song` (see `musegen.pipeline.compose`)."""
    from musegen.pipeline import compose as _compose

    return _compose(prompt, seed=seed, **overrides)
