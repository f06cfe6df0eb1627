"""Prompt → mood attributes and genre, by embedding similarity to anchor tables.

`moods.json` holds anchor phrases with attribute values; attributes are the softmax(cos / T)-weighted mean of
the anchors' values. `genres.json` holds the genres (arrangement styles) with describing phrases; the genre
is the one whose best phrase is nearest to the prompt. Prompts in other languages and emoji are first read
into English by `musegen.plan.language`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from musegen.plan.embed import embed, embed_cached
from musegen.plan.language import read_prompt


@dataclass(frozen=True)
class MoodTable:
    """The parsed anchor and genre tables."""

    temperature: float
    attribute_names: tuple[str, ...]
    phrases: tuple[str, ...]
    values: np.ndarray  # (n_anchors, n_attributes)
    styles: dict[str, dict[str, Any]]  # genre name -> its definition in genres.json
    sources: dict[str, str]  # source key -> reference


@lru_cache(maxsize=1)
def load_table() -> MoodTable:
    """Read `moods.json` and `genres.json` from the package."""
    files = resources.files("musegen.plan")
    raw = json.loads(files.joinpath("moods.json").read_text("utf-8"))
    genres = json.loads(files.joinpath("genres.json").read_text("utf-8"))
    names = tuple(raw["attributes"])
    anchors = raw["anchors"]
    values = np.array([[a[n] for n in names] for a in anchors], dtype=np.float64)
    return MoodTable(
        temperature=float(raw["temperature"]),
        attribute_names=names,
        phrases=tuple(a["phrase"] for a in anchors),
        values=values,
        styles=genres["genres"],
        sources=genres["sources"],
    )


@lru_cache(maxsize=1)
def _anchor_embeddings() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = load_table()
    style_names = list(table.styles)
    style_phrases = [p for s in style_names for p in table.styles[s]["phrases"]]
    emb = embed_cached(list(table.phrases) + style_phrases)
    anchors, rest = emb[: len(table.phrases)], emb[len(table.phrases) :]
    per_style, i = {}, 0
    for s in style_names:
        n = len(table.styles[s]["phrases"])
        per_style[s] = rest[i : i + n]
        i += n
    return anchors, per_style


@lru_cache(maxsize=64)
def _prompt_vector(prompt: str) -> np.ndarray:
    return embed([read_prompt(prompt).text])[0]


def mood_attributes(prompt: str) -> dict[str, float]:
    """Mood attributes (valence, energy, darkness, warmth, swing) of a free-text prompt (any language)."""
    table = load_table()
    anchors, _ = _anchor_embeddings()
    sims = anchors @ _prompt_vector(prompt)  # (n_anchors,)
    w = np.exp((sims - sims.max()) / table.temperature)
    w /= w.sum()
    attrs = w @ table.values
    # Rounded so that float noise in the embedding never flips a plan decision.
    return {n: round(float(v), 3) for n, v in zip(table.attribute_names, attrs, strict=True)}


def word_genres(prompt: str, skip: set[str] = frozenset(), min_len: int = 4) -> list[tuple[str, str, float]]:
    """Each word of the prompt alone: (word, its nearest genre, similarity) — how mixed requests show up."""
    import re

    words = [w for w in dict.fromkeys(re.findall(r"[a-z0-9'-]+", read_prompt(prompt).text.lower()))
             if len(w) >= min_len and w not in skip]
    if not words:
        return []
    _, per_style = _anchor_embeddings()
    vecs = embed(words)  # (n_words, 384)
    out = []
    for w, v in zip(words, vecs, strict=True):
        scores = {s: float((e @ v).max()) for s, e in per_style.items()}
        best = max(scores, key=lambda s: (scores[s], s))
        out.append((w, best, round(scores[best], 4)))
    return out


def style_scores(prompt: str) -> dict[str, float]:
    """Cosine similarity of the prompt to each genre's nearest describing phrase."""
    _, per_style = _anchor_embeddings()
    q = _prompt_vector(prompt)
    return {s: round(float((e @ q).max()), 4) for s, e in per_style.items()}
