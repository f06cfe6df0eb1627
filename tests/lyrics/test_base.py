"""The base model loader's first-use conversion keeps third-party progress bars off the terminal."""

from __future__ import annotations

import io

import transformers.modeling_gguf_pytorch_utils as gguf_utils

from musegen.lyrics.base import _quiet_gguf


def test_the_gguf_conversion_shows_no_per_tensor_bar(capsys) -> None:
    # transformers draws this bar with a bare tqdm that its own logging switch does not reach
    assert hasattr(gguf_utils, "tqdm"), "transformers moved its GGUF progress bar: update _quiet_gguf"
    bar = gguf_utils.tqdm
    with _quiet_gguf():
        items = list(gguf_utils.tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."))
    assert items == [0, 1, 2]
    assert "Converting" not in capsys.readouterr().err
    assert gguf_utils.tqdm is bar  # restored afterwards


def test_the_bar_is_restored_when_loading_fails() -> None:
    bar = gguf_utils.tqdm
    try:
        with _quiet_gguf():
            raise OSError("bad file")
    except OSError:
        pass
    assert gguf_utils.tqdm is bar
    buf = io.StringIO()
    list(gguf_utils.tqdm(range(2), file=buf, desc="shown"))
    assert "shown" in buf.getvalue()


def test_transformers_own_bars_are_hidden_during_the_conversion_and_restored(capsys) -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.enable_progress_bar()
    with _quiet_gguf():
        list(hf_logging.tqdm(range(3), desc="Writing model shards"))
    assert "Writing model shards" not in capsys.readouterr().err
    assert hf_logging.is_progress_bar_enabled()
