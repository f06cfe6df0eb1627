"""Loading: base folders, adapters (merged), errors; the fast step matches the full model."""

import os

import pytest
import torch
from lyrics_tiny import tiny_base_dir
from peft import LoraConfig, get_peft_model

from musegen.errors import ModelError
from musegen.lyrics.base import cache_dir, load_base, resolve_base
from musegen.lyrics.model import load_lyrics_model


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_base_dir(tmp_path_factory.mktemp("tiny-base"))


@pytest.fixture(scope="module")
def adapter(base, tmp_path_factory):
    model, _ = load_base(base)
    peft = get_peft_model(model, LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"]))
    for n, p in peft.named_parameters():
        if "lora_B" in n:
            torch.nn.init.normal_(p, std=0.5)  # a non-trivial adapter
    out = tmp_path_factory.mktemp("adapter")
    peft.save_pretrained(out)
    ids = torch.tensor([[1, 2, 3, 4]])
    return out, peft(input_ids=ids).logits[0, -1].detach()


def test_adapter_is_merged_and_gives_the_peft_logits(base, adapter):
    path, want = adapter
    lm = load_lyrics_model(adapter=path, base=base, quantize=False)
    _, logp = lm.prefill([1, 2, 3, 4])
    ref = torch.log_softmax(want[lm.sub_ids], dim=-1)
    assert torch.allclose(logp[0], ref, atol=1e-4)
    plain = load_lyrics_model(adapter=False, base=base, quantize=False)
    assert not torch.allclose(plain.prefill([1, 2, 3, 4])[1], logp, atol=1e-3)


def test_step_with_cache_matches_a_full_forward(base):
    lm = load_lyrics_model(adapter=False, base=base, quantize=False)
    hf, _ = load_base(base)
    cache, _ = lm.prefill([5, 6, 7])
    cache = cache.expanded(2)
    step = lm.step(torch.tensor([[8], [9]]), cache)
    for row, last in enumerate((8, 9)):
        full = hf(input_ids=torch.tensor([[5, 6, 7, last]])).logits[0, -1]
        assert torch.allclose(step[row], torch.log_softmax(full[lm.sub_ids], -1), atol=1e-4)


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


def test_merged_model_is_cached_and_read_back(base, adapter, tmp_path, monkeypatch):
    from musegen.lyrics import model as lyrics_model

    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    path, _ = adapter
    first = lyrics_model._load(path, base, True)
    files = list((tmp_path / "models" / "lean").glob("*.pt"))
    assert len(files) == 1
    again = lyrics_model._load(path, base, True)  # from the cache: no merge
    assert torch.equal(again.prefill([1, 2, 3])[1], first.prefill([1, 2, 3])[1])
    files[0].write_bytes(b"not a model")  # a damaged entry is rebuilt, never fatal
    rebuilt = lyrics_model._load(path, base, True)
    assert torch.equal(rebuilt.prefill([1, 2, 3])[1], first.prefill([1, 2, 3])[1])
    for k in range(6):  # older entries are pruned
        (tmp_path / "models" / "lean" / f"old{k}.pt").write_bytes(b"x")
        os.utime(tmp_path / "models" / "lean" / f"old{k}.pt", (k, k))
    lyrics_model._load(path, base, False)
    left = {f.name for f in (tmp_path / "models" / "lean").glob("*.pt")}
    assert len(left) == 4 and files[0].name in left and "old5.pt" in left and "old0.pt" not in left


def test_quantized_model_still_scores(base):
    lm = load_lyrics_model(adapter=False, base=base, quantize=True)
    _, logp = lm.prefill([1, 2, 3])
    assert torch.isfinite(logp).all() and abs(float(logp.exp().sum()) - 1) < 1e-3


def test_errors_name_the_path(tmp_path, base):
    with pytest.raises(ModelError, match="--base"):
        resolve_base(tmp_path)
    with pytest.raises(ModelError, match="--adapter"):
        load_lyrics_model(adapter=tmp_path, base=base)


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path


def test_shipped_adapter_is_a_small_peft_folder():
    from musegen.lyrics.model import default_adapter_dir

    d = default_adapter_dir()
    assert (d / "adapter_config.json").is_file() and (d / "README.md").is_file()
    assert (d / "adapter_model.safetensors").stat().st_size < 8_000_000
