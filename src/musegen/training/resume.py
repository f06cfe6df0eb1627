"""Random-number state that must survive an interrupted training run for its resume to be exact.

A training loop draws from torch (dropout), CUDA, and its own data-order generators (numpy or
`random`). `save_rng` writes all of them, with the step they belong to, as JSON next to the optimizer
state; `load_rng` puts them back, so the resumed run draws exactly what the uninterrupted one would.
"""

from __future__ import annotations

import base64
import json
import logging
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from musegen.fsutil import atomic_write_text

log = logging.getLogger(__name__)


def _bytes(t: torch.Tensor) -> str:
    return base64.b64encode(t.cpu().numpy().tobytes()).decode("ascii")


def _tensor(s: str) -> torch.Tensor:
    return torch.frombuffer(bytearray(base64.b64decode(s)), dtype=torch.uint8)


def save_rng(path: Path, step: int, extra: dict[str, Any] | None = None,
             **gens: np.random.Generator | random.Random) -> None:
    """Write torch/CUDA RNG state and each named generator's state (numpy or `random`) for `step`.

    `extra` holds JSON values drawn from those generators that the loop keeps (e.g. an epoch's order).
    """
    state: dict[str, Any] = {"step": step, "torch": _bytes(torch.get_rng_state()), "gens": {},
                             "extra": extra or {}}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = [_bytes(s) for s in torch.cuda.get_rng_state_all()]
    for name, g in gens.items():
        if isinstance(g, random.Random):
            version, internal, gauss = g.getstate()
            state["gens"][name] = {"random": [version, list(internal), gauss]}
        else:
            state["gens"][name] = {"numpy": g.bit_generator.state}
    atomic_write_text(path, json.dumps(state) + "\n")


def load_rng(path: Path, step: int, **gens: np.random.Generator | random.Random) -> dict[str, Any] | None:
    """Restore what `save_rng` wrote for `step` and return its `extra`.

    None (nothing restored, a warning logged) when the file is missing or belongs to another step.
    """
    try:
        state = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        log.warning("%s: no random state saved; the resumed run will differ slightly from an "
                    "uninterrupted one", path)
        return None
    if state.get("step") != step:
        log.warning("%s: random state of step %s, training state of step %s; the resumed run will differ "
                    "slightly from an uninterrupted one", path, state.get("step"), step)
        return None
    torch.set_rng_state(_tensor(state["torch"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([_tensor(s) for s in state["cuda"]])
    for name, g in gens.items():
        saved = state["gens"][name]
        if isinstance(g, random.Random):
            version, internal, gauss = saved["random"]
            g.setstate((version, tuple(internal), gauss))
        else:
            g.bit_generator.state = saved["numpy"]
    return state.get("extra", {})
