"""Case 10: an interrupted and resumed training run gives the model of an uninterrupted one."""

import pytest
import torch
from safetensors.torch import load_file
from training.test_music_corpus import tiny_corpus

import musegen.training.resume as resume
from musegen.music import vocab as V
from musegen.music.model import MusicConfig
from musegen.training.music_train import TrainConfig, train_music


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("mc"))


class KilledError(Exception):
    """Stands in for a SIGKILL right after a checkpoint."""


def _train(corpus, out):
    mc = MusicConfig(V.VOCAB_SIZE, 64, 2, 2, 16, 0.1)  # dropout on: torch's RNG must be restored too
    tcfg = TrainConfig(steps=8, batch=3, eval_every=2, compile=False, block=64, warmup=2)
    return train_music(corpus, out, mc, tcfg, device=torch.device("cpu"), progress=False)


def test_interrupted_and_resumed_training_equals_uninterrupted(corpus, tmp_path, monkeypatch):
    torch.set_num_threads(1)
    whole = _train(corpus, tmp_path / "whole")

    real = resume.save_rng

    def kill_at_step_4(path, step, **gens):
        real(path, step, **gens)
        if step == 4:
            raise KilledError

    monkeypatch.setattr(resume, "save_rng", kill_at_step_4)
    with pytest.raises(KilledError):
        _train(corpus, tmp_path / "cut")
    monkeypatch.setattr(resume, "save_rng", real)
    resumed = _train(corpus, tmp_path / "cut")

    assert resumed["last_step"] == whole["last_step"] == 8
    a = load_file(str(tmp_path / "whole" / "train_state.safetensors"))
    b = load_file(str(tmp_path / "cut" / "train_state.safetensors"))
    assert a.keys() == b.keys()
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst <= 1e-6, worst
    assert resumed["nll_per_note"] == pytest.approx(whole["nll_per_note"], abs=1e-6)


def test_interrupted_and_resumed_lora_training_equals_uninterrupted(tmp_path, monkeypatch):
    from lyrics_tiny import tiny_base_dir, tiny_corpus_dir
    from safetensors.torch import load_file as load

    import musegen.training.lyrics_train as lyrics_train
    from musegen.training.lyrics_train import LoraTrainConfig, train_lora

    torch.set_num_threads(1)
    base = tiny_base_dir(tmp_path / "base")
    corpus = tiny_corpus_dir(tmp_path / "corpus")
    # 3 stanzas, batches of 2: the kill after step 1 lands mid-epoch, where the order must be restored
    cfg = LoraTrainConfig(rank=2, alpha=4, batch_size=2, steps=3, warmup=1, eval_every=10, save_every=1,
                          dropout=0.2)
    whole = train_lora(base, corpus, tmp_path / "whole", cfg, device="cpu", progress=False)

    real = lyrics_train.save_rng

    def kill_at_step_1(path, step, *a, **k):
        real(path, step, *a, **k)
        if step == 1:
            raise KilledError

    monkeypatch.setattr(lyrics_train, "save_rng", kill_at_step_1)
    with pytest.raises(KilledError):
        train_lora(base, corpus, tmp_path / "cut", cfg, device="cpu", progress=False)
    monkeypatch.setattr(lyrics_train, "save_rng", real)
    resumed = train_lora(base, corpus, tmp_path / "cut", cfg, device="cpu", progress=False)
    a = load(str(tmp_path / "whole" / "checkpoint" / "adapter_model.safetensors"))
    b = load(str(tmp_path / "cut" / "checkpoint" / "adapter_model.safetensors"))
    assert max(float((a[k].float() - b[k].float()).abs().max()) for k in a) <= 1e-6
    assert resumed["ppl_after"] == pytest.approx(whole["ppl_after"], rel=1e-6)
