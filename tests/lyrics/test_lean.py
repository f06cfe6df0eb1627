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


def test_branch_cache_reads_the_shared_prefix_as_an_expanded_cache_would(base):
    """Candidates after one prompt: the same floats (to rounding) without copying the prompt per row."""
    from musegen.lyrics.lean import BranchCache, KVCache, LeanLlama

    hf, _ = load_base(base)
    lean = LeanLlama.from_hf(hf, torch.arange(hf.config.vocab_size))
    prefix = KVCache(lean.c.layers)
    lean(torch.tensor([[1, 2, 3, 4, 5]]), prefix)
    rows, branch = prefix.expanded(3), BranchCache(prefix, 3, 6)
    assert torch.allclose(lean(torch.tensor([[6, 7], [8, 9], [10, 11]]), rows),
                          lean(torch.tensor([[6, 7], [8, 9], [10, 11]]), branch), atol=1e-5)
    assert branch.len == rows.len == 7 and prefix.len == 5  # the prefix is never extended
    for t in range(2):
        ids = torch.tensor([[12 + t], [13], [14 + t]])
        assert torch.allclose(lean(ids, rows), lean(ids, branch), atol=1e-5)
    # row 1 stops running: the others go on as before, and row 1 keeps what it had
    whole = rows.copy()
    branch.keep([0, 2])
    got = lean(torch.tensor([[20], [21]]), branch)
    want = lean(torch.tensor([[20], [22], [21]]), whole)
    assert torch.allclose(got, want[[0, 2]], atol=1e-5)
    one = branch.row(1, 4)
    assert one.len == 9
    assert torch.allclose(one.kv[0][0], rows.kv[0][0][1:2], atol=1e-5)
    with pytest.raises(ValueError, match="capacity"):
        lean(torch.tensor([[1, 2], [3, 4]]), branch)


def test_a_sampled_line_continues_from_its_own_rows_of_the_batch(base):
    """The cache after the chosen line is the prompt's, the header's and the line's: what prefill gives."""
    from musegen.lyrics.base import load_tokenizer
    from musegen.lyrics.decode import LineSampler, LineSpec, sample_line
    from musegen.lyrics.model import wrap
    from musegen.lyrics.vocab import default_words

    hf, _ = load_base(base)
    lm = wrap(hf, load_tokenizer(base), quantize=False)
    cache, logp = lm.prefill(lm.tokenizer.encode("Rain on the window\n", add_special_tokens=False))
    got = sample_line(lm, cache, logp, LineSpec(4), LineSampler(default_words(), lm.tokens), batch=6,
                      gen=torch.Generator().manual_seed(3))
    assert got is not None and got.branch is not None
    mine, after = got.cache_after(lm)
    want, want_after = lm.prefill(got.ids, cache)
    assert mine.len == want.len == cache.len + len(got.ids)
    assert torch.allclose(after, want_after, atol=1e-4)
    assert all(torch.allclose(a[0], b[0], atol=1e-5) for a, b in zip(mine.kv, want.kv, strict=True))
