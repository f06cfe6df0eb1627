"""Lyrics stage: SongPlan → Lyrics, written by a LoRA-tuned causal LM under syllable and rhyme constraints.

Public API: `write_lyrics(plan, *, seed=None, model=None, progress=False) -> Lyrics`,
`load_lyrics_model(adapter=None, base=None)`; syllables in `musegen.lyrics.syllables`, user lyric files
in `musegen.lyrics.parse`. Heavy modules are imported on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_lyrics_model", "write_lyrics"]


def __getattr__(name: str) -> Any:
    if name == "write_lyrics":
        from musegen.lyrics.generate import write_lyrics

        return write_lyrics
    if name == "load_lyrics_model":
        from musegen.lyrics.model import load_lyrics_model

        return load_lyrics_model
    raise AttributeError(f"module 'musegen.lyrics' has no attribute {name!r}")
