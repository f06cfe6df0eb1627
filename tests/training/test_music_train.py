import csv

import pytest
import torch

from musegen.music import vocab as V
from musegen.music.model import MusicConfig, load_checkpoint
from musegen.training.music_train import TrainConfig, train_music

from .test_music_corpus import tiny_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("mc"))


def test_train_resume_and_checkpoint(corpus, tmp_path):
    mc = MusicConfig(V.VOCAB_SIZE, 128, 2, 2, 16, 0.0)
    out = tmp_path / "run"
    r1 = train_music(
        corpus,
        out,
        mc,
        TrainConfig(steps=6, batch=4, eval_every=3, compile=False),
        device=torch.device("cpu"),
        progress=False,
    )
    assert r1["last_step"] == 6
    rows = list(csv.DictReader((out / "loss.csv").open()))
    assert [int(r["step"]) for r in rows] == [3, 6]
    assert all(float(r["tokens_per_s"]) > 0 for r in rows)
    # resume: continues from step 6, appends to the curve
    r2 = train_music(
        corpus,
        out,
        mc,
        TrainConfig(steps=12, batch=4, eval_every=3, compile=False),
        device=torch.device("cpu"),
        progress=False,
    )
    assert r2["last_step"] == 12
    rows = list(csv.DictReader((out / "loss.csv").open()))
    assert [int(r["step"]) for r in rows] == [3, 6, 9, 12]
    assert float(rows[-1]["valid_nll_per_token"]) < float(rows[0]["valid_nll_per_token"])
    m = load_checkpoint(out)
    assert m.config.n_layer == 2


def test_a_lyric_weight_needs_songs_with_syllables(corpus, tmp_path):
    """--lyric-weight on a corpus without syllables would silently weigh nothing: refused before training."""
    from musegen.errors import InputError

    mc = MusicConfig(V.VOCAB_SIZE, 128, 2, 2, 16, 0.0)
    with pytest.raises(InputError, match="no training song has syllables"):
        train_music(corpus, tmp_path / "run", mc,
                    TrainConfig(steps=2, batch=2, compile=False, lyric_weight=6.0),
                    device=torch.device("cpu"), progress=False)
    assert not (tmp_path / "run").exists()
