import pytest
import torch

from musegen.errors import ModelError
from musegen.music import load_music_model
from musegen.music.model import load_checkpoint, save_checkpoint

from .helpers import tiny_model


def test_cache_matches_full_forward():
    m = tiny_model()
    x = torch.randint(1, m.config.vocab_size, (2, 12))
    full = m(x)
    cache = m.new_cache(2)
    first = m(x[:, :5], cache)
    steps = [m(x[:, i : i + 1], cache) for i in range(5, 12)]
    inc = torch.cat([first, *steps], dim=1)
    assert torch.allclose(full, inc, atol=1e-5)
    assert cache.len == 12


def test_save_load_same_logits(tmp_path):
    m = tiny_model()
    save_checkpoint(m, tmp_path / "ck")
    assert {p.name for p in (tmp_path / "ck").iterdir()} >= {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
    }
    m2 = load_checkpoint(tmp_path / "ck")
    x = torch.randint(1, m.config.vocab_size, (1, 20))
    assert torch.equal(m(x), m2(x))
    m3 = load_music_model(tmp_path / "ck")
    assert torch.equal(m(x), m3(x))


def test_bad_checkpoint_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match=r"config\.json"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelError):
        load_checkpoint(tmp_path)
    with pytest.raises(ModelError, match="no such folder"):
        load_music_model(tmp_path / "missing")


def test_default_checkpoint_loads():
    m = load_music_model()
    assert 1_000_000 < m.num_params() < 40_000_000
    assert not m.training
