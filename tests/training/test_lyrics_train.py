import csv
import json
import math

import pytest
from lyrics_tiny import tiny_base_dir, tiny_corpus_dir

from musegen.errors import InputError
from musegen.lyrics.model import load_lyrics_model
from musegen.training.lyrics_train import LoraTrainConfig, train_lora


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """This module runs on one torch thread (see tests/conftest.py)."""


@pytest.fixture(autouse=True, scope="module")
def _private_cache(private_model_cache):
    """Tiny merged models stay out of the user's model cache."""


@pytest.fixture(scope="module")
def run(_one_thread, tmp_path_factory):
    base = tiny_base_dir(tmp_path_factory.mktemp("base"))
    corpus = tiny_corpus_dir(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("run")
    cfg = LoraTrainConfig(rank=2, alpha=4, batch_size=2, steps=2, warmup=1, eval_every=1, save_every=1)
    return base, corpus, out, train_lora(base, corpus, out, cfg, device="cpu", progress=False)


def test_adapter_log_and_metrics(run):
    base, _, out, metrics = run
    assert (out / "adapter" / "adapter_config.json").is_file()
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    assert "validation perplexity" in (out / "adapter" / "README.md").read_text()
    rows = list(csv.DictReader((out / "train_log.csv").open()))
    assert [r["step"] for r in rows] == ["1", "2"] and all(math.isfinite(float(r["loss"])) for r in rows)
    assert math.isfinite(metrics["ppl_base"]) and math.isfinite(metrics["ppl_after"])
    assert json.loads((out / "metrics.json").read_text())["steps"] == 2
    lm = load_lyrics_model(adapter=out / "adapter", base=base)
    assert lm.prefill([1, 2, 3])[1].shape[-1] == len(lm.sub_ids)


def test_resume_continues_from_the_checkpoint(run):
    base, corpus, out, _ = run
    cfg = LoraTrainConfig(rank=2, alpha=4, batch_size=2, steps=3, warmup=1, eval_every=5, save_every=1)
    train_lora(base, corpus, out, cfg, device="cpu", progress=False)
    rows = list(csv.DictReader((out / "train_log.csv").open()))
    assert [r["step"] for r in rows] == ["1", "2", "3"]


def test_missing_corpus_is_an_input_error(tmp_path, run):
    base = run[0]
    with pytest.raises(InputError, match="--corpus"):
        train_lora(base, tmp_path, tmp_path / "out", LoraTrainConfig(steps=1), device="cpu", progress=False)


def test_cli_refuses_an_init_adapter_that_is_not_one(tmp_path):
    from click.testing import CliRunner
    from musegen.cli.main import main

    (tmp_path / "corpus").mkdir()
    (tmp_path / "not-an-adapter").mkdir()
    r = CliRunner().invoke(main, ["train", "lyrics", "--corpus", str(tmp_path / "corpus"), "--out",
                                  str(tmp_path / "run"), "--init-adapter", str(tmp_path / "not-an-adapter")])
    assert r.exit_code == 2 and "--init-adapter" in r.output and "no adapter_config.json" in r.output
    assert not (tmp_path / "run").exists()
