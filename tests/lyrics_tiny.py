"""Tiny lyrics-model fixtures: a 2-layer Llama with the real SmolLM2 tokenizer, a base folder, a corpus."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from musegen.lyrics.base import TOKENIZER_FILES, load_tokenizer, tokenizer_dir

STANZAS = [
    ["The night is long and cold", "I walk the empty road",
     "The stars are growing old", "I carry all my load"],
    ["Sing a song of rain", "Falling on the hill", "Washing off the pain", "Everything is still"],
    ["My heart is in the sea", "The waves are rolling high",
     "Come back again to me", "Beneath the silver sky"],
    ["The morning light is gold", "Upon the river wide", "A story to be told", "Of love that never died"],
]


def _word_prior(tok) -> torch.Tensor:
    """Per-token score: log corpus frequency for whole-word tokens, lower for pieces, punctuation, newline."""
    from musegen.lyrics.vocab import (
        KIND_CONT,
        KIND_NEWLINE,
        KIND_PUNCT,
        KIND_START,
        build_token_table,
        default_words,
    )

    table, words = build_token_table(tok), default_words()
    prior = torch.full((len(tok),), -12.0)
    for i, (kind, text) in enumerate(zip(table.kind, table.text, strict=True)):
        if kind in (KIND_START, KIND_CONT) and text in words.freq:
            prior[i] = 0.6 * math.log(words.freq[text]) - (3.0 if kind == KIND_CONT else 0.0)
        elif kind == KIND_CONT and len(text) <= 3:
            prior[i] = -1.5  # word endings: "d", "ed", "ing", "ly" …
        elif kind in (KIND_START, KIND_CONT):
            prior[i] = -4.0
        elif kind == KIND_PUNCT:
            prior[i] = 0.0
        elif kind == KIND_NEWLINE:
            prior[i] = 2.0
    return prior


def tiny_model(seed: int = 0, prior: bool = True) -> LlamaForCausalLM:
    """A 2-layer Llama over the SmolLM2 vocabulary: random, or (prior=True) a unigram word model.

    With `prior`, embedding channel 0 is a constant and the final norm keeps only that channel, so the
    untied output layer turns it into a context-free word-frequency prior (plus the network's small noise):
    a babbling but word-shaped language model that makes constraint tests fast.
    """
    tok = load_tokenizer()
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=not prior,
                      max_position_embeddings=2048, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(cfg).eval()
    if prior:
        with torch.no_grad():
            model.model.embed_tokens.weight[:, 0] = 10.0
            model.model.norm.weight.zero_()
            model.model.norm.weight[0] = 1.0
            model.lm_head.weight.normal_(0, 0.01)
            model.lm_head.weight[:, 0] = (_word_prior(tok) + 0.3 * torch.randn(len(tok))) / 5.6
    return model


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
