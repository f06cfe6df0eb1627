"""The only module that picks a torch device and autocast settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from musegen.errors import InputError


def pick_device(device: str | None = None) -> torch.device:
    """Return the torch device for `device` ("auto"/None, "cpu", "cuda", "cuda:N")."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {device}: no CUDA GPU is available here; use --device cpu or auto")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise InputError(f"--device {device}: not a device name; use auto, cpu or cuda") from exc


def model_device(model: torch.nn.Module) -> torch.device:
    """The device a model lives on, read from its parameters."""
    return next(model.parameters()).device


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA, a no-op on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def set_cpu_threads(n: int | None = None) -> None:
    """Pin torch's intra-op threads (default: all cores, at most 2 on the CI machine shape)."""
    import os

    torch.set_num_threads(n or max(1, min(os.cpu_count() or 1, 8)))


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Seed torch's global RNG for a block (for reproducible generation)."""
    if seed is not None:
        torch.manual_seed(seed)
    yield


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Torch's intra-op threads pinned to `n` for a block, then restored (None: left as they are)."""
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
