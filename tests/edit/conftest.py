"""Tiny lyrics and music models for the edit tests, built once per session (the token table takes seconds)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="session")
def models():
    from lyrics_tiny import tiny_model

    from musegen.edit import Models
    from musegen.lyrics.base import load_tokenizer
    from musegen.lyrics.model import wrap
    from musegen.music import vocab as V
    from musegen.music.model import MusicConfig, MusicTransformer

    torch.manual_seed(0)
    music = MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()
    return Models(wrap(tiny_model(), load_tokenizer()), music)


@pytest.fixture(autouse=True, scope="module")
def _edit_one_thread(one_torch_thread):
    """Tiny models, one torch thread (see tests/conftest.py)."""
