"""Tiny lyrics + music models shared by the edit and studio tests (built once per process)."""

from __future__ import annotations

import functools

import torch


@functools.lru_cache(maxsize=1)
def tiny_models():
    """`musegen.edit.Models` over a 2-layer word-prior Llama (real tokenizer) and a 2-layer music model."""
    from lyrics_tiny import tiny_model

    from musegen.edit import Models
    from musegen.lyrics.base import load_tokenizer
    from musegen.lyrics.model import wrap
    from musegen.music import vocab as V
    from musegen.music.model import MusicConfig, MusicTransformer

    torch.manual_seed(0)
    music = MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()
    return Models(wrap(tiny_model(), load_tokenizer()), music)
