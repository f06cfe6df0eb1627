"""Loading: base folders, adapters (merged), errors; the fast step matches the full model."""

import os

import pytest
import torch
from lyrics_tiny import tiny_base_dir
from peft import LoraConfig, get_peft_model

from musegen.errors import ModelError
from musegen.lyrics.base import cache_dir, load_base, resolve_base
from musegen.lyrics.model import load_lyrics_model


@pytest.fixture(autouse=True, scope="module")
def _private_cache(private_model_cache):
    """Tiny merged models stay out of the user's model cache."""


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


def test_a_prompt_opening_runs_alone_once_and_gives_the_same_floats_whatever_ran_before(base):
    lm = load_lyrics_model(adapter=False, base=base, quantize=True)
    lm.__dict__.pop("_prompts", None)
    first, first_lp = lm.prefill_prompt([5, 6, 7, 8, 9], 3)
    lm.prefill_prompt([1, 2, 3, 4], 2)  # another opening in between
    again, again_lp = lm.prefill_prompt([5, 6, 7, 8, 9], 3)
    assert torch.equal(first_lp, again_lp) and again.len == 5
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first.kv, again.kv, strict=True))
    assert set(lm._prompts) == {(5, 6, 7), (1, 2)}  # the openings are kept, never the whole prompts
    whole, whole_lp = lm.prefill_prompt([5, 6, 7], 3)
    assert whole.len == 3 and torch.equal(whole_lp, lm.prefill([5, 6, 7])[1])


def test_merged_model_is_cached_and_read_back(base, adapter, tmp_path, monkeypatch):
    from musegen.lyrics import model as lyrics_model

    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    path, _ = adapter
    first = lyrics_model._load(path, base, True)
    files = list((tmp_path / "models" / "lean").glob("*.pt"))
    assert len(files) == 1
    again = lyrics_model._load(path, base, True)  # from the cache: no merge
    ref = first.prefill([1, 2, 3])[1]
    assert torch.equal(again.prefill([1, 2, 3])[1], ref)
    del first, again  # both read the entry's mapped file, which is damaged next
    damaged = files[0].with_suffix(".tmp")
    damaged.write_bytes(b"not a model")  # a damaged entry is rebuilt, never fatal
    os.replace(damaged, files[0])
    rebuilt = lyrics_model._load(path, base, True)
    assert torch.equal(rebuilt.prefill([1, 2, 3])[1], ref)
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
