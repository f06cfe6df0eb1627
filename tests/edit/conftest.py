"""Tiny lyrics and music models for the edit tests, built once per session (the token table takes seconds)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def models():
    from edit.tiny import tiny_models

    return tiny_models()


@pytest.fixture(autouse=True, scope="module")
def _edit_one_thread(one_torch_thread):
    """Tiny models, one torch thread (see tests/conftest.py)."""
