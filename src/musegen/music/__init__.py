"""Music stage: a small transformer over lead-sheet tokens writes melody + chords under the plan.

Start with `generate_melody(plan)`; `load_music_model(path)` loads a checkpoint folder (None = default).
Layout: `vocab` (token layout), `tokenizer` (lead sheet <-> tokens, grammar), `model` (the transformer),
`sampler` (KV-cached constrained sampling), `generate` (plan -> Melody).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from musegen.music.model import MusicTransformer
    from musegen.types import Melody, SongPlan

__all__ = ["generate_melody", "load_music_model"]


def generate_melody(
    plan: SongPlan, *, seed: int | None = None, model: Any = None, progress: bool = False, **kwargs: Any
) -> Melody:
    """Melody and chords for every section of `plan` (see `musegen.music.generate.generate_melody`)."""
    from musegen.music.generate import generate_melody as _gen

    return _gen(plan, seed=seed, model=model, progress=progress, **kwargs)


def load_music_model(path: Any = None, device: Any = "cpu") -> MusicTransformer:
    """Load a music checkpoint folder (None = the shipped default)."""
    from musegen.music.generate import load_music_model as _load

    return _load(path, device)
