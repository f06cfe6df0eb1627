"""Fixtures of the singing tests."""

from __future__ import annotations

import pytest

from musegen.types import Song
from sing.phrase import phrase_song


@pytest.fixture
def phrase() -> Song:
    """The test phrase (see sing/phrase.py)."""
    return phrase_song()
