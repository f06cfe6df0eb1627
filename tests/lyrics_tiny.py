"""Tiny lyrics-model fixtures: a 2-layer Llama with the real SmolLM2 tokenizer, a base folder, a corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from musegen.lyrics.base import TOKENIZER_FILES, load_tokenizer, tokenizer_dir

STANZAS = [
    ["The night is long and cold", "I walk the empty road", "The stars are growing old", "I carry all my load"],
    ["Sing a song of rain", "Falling on the hill", "Washing off the pain", "Everything is still"],
    ["My heart is in the sea", "The waves are rolling high", "Come back again to me", "Beneath the silver sky"],
    ["The morning light is gold", "Upon the river wide", "A story to be told", "Of love that never died"],
]


def tiny_model(seed: int = 0) -> LlamaForCausalLM:
    """A randomly initialised 2-layer Llama over the SmolLM2 vocabulary."""
    tok = load_tokenizer()
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=True,
                      max_position_embeddings=2048, bos_token_id=1, eos_token_id=2)
    return LlamaForCausalLM(cfg).eval()


def tiny_base_dir(path: Path) -> Path:
    """Save the tiny model as a Hugging Face folder (config.json + model.safetensors + tokenizer)."""
    tiny_model().save_pretrained(path)
    for name in TOKENIZER_FILES:
        shutil.copy(tokenizer_dir() / name, path / name)
    return path


def tiny_corpus_dir(path: Path) -> Path:
    """A corpus folder in the `musegen corpus lyrics` layout (train.jsonl, valid.jsonl)."""
    from musegen.training.lyrics_corpus import Stanza, finish

    path.mkdir(parents=True, exist_ok=True)
    rows = [finish(Stanza("test", f"book{i}", "verse", lines)).__dict__ for i, lines in enumerate(STANZAS)]
    (path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:3]))
    (path / "valid.jsonl").write_text(json.dumps(rows[3]) + "\n")
    return path
