"""The lean Llama decoder: the same floats as transformers' LlamaModel, quantised or not."""

import pytest
import torch
from lyrics_tiny import tiny_base_dir

from musegen.lyrics.base import load_base


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_base_dir(tmp_path_factory.mktemp("tiny-base"))


@pytest.mark.parametrize("quantize", [False, True])
def test_lean_decoder_is_bit_identical_to_transformers(base, quantize):
    """Prompt, continuation after a cached prefix, and batched steps: the same floats as LlamaModel's."""
    from transformers import DynamicCache

    from musegen.lyrics.lean import KVCache, LeanLlama
    from musegen.lyrics.model import _quantize, quantize_lean

    hf, _ = load_base(base)
    lean = LeanLlama.from_hf(hf, torch.arange(hf.config.vocab_size))
    body = hf.model
    if quantize:
        quantize_lean(lean)
        body.layers = _quantize(body.layers)
    mine, theirs = KVCache(lean.c.layers), DynamicCache()
    for ids in ([1, 2, 3, 4, 5], [6, 7, 8]):
        pos = theirs.get_seq_length()
        want = body(input_ids=torch.tensor([ids]), past_key_values=theirs, use_cache=True,
                    position_ids=torch.arange(pos, pos + len(ids))[None]).last_hidden_state
        assert torch.equal(lean(torch.tensor([ids]), mine), want)
    mine = mine.expanded(3)
    theirs.batch_repeat_interleave(3)
    for t in range(3):
        ids = torch.tensor([[9 + t], [10], [11 + 2 * t]])
        pos = theirs.get_seq_length()
        want = body(input_ids=ids, past_key_values=theirs, use_cache=True,
                    position_ids=torch.full((3, 1), pos)).last_hidden_state
        assert torch.equal(lean(ids, mine), want)
