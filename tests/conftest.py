"""Shared fixtures: a small finished song (see tests/songs.py) in a few keys and meters."""

from __future__ import annotations

import pytest
import torch
from songs import make_song

from musegen.types import Song


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest on one thread, and CI's two cores are shared (module-wide)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def private_model_cache(tmp_path_factory):
    """A module's merged tiny models go to a temporary cache: they never evict the user's real ones."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MUSEGEN_CACHE", str(tmp_path_factory.mktemp("musegen-cache")))
    yield
    mp.undo()


@pytest.fixture
def song() -> Song:
    """The test song in C major, 4/4, 96 BPM, with Chords, Bass and Drums."""
    return make_song()


@pytest.fixture(params=[{}, {"key": "Bb", "mode": "minor", "meter": (3, 4), "tempo": 120.0},
                        {"key": "F#", "meter": (6, 8), "drums": False, "tempo": 72.5},
                        {"key": "Eb", "mode": "minor", "meter": (12, 8), "tempo": 108.0}],
                ids=["C-4/4", "Bbm-3/4", "F#-6/8-nodrums", "Ebm-12/8"])
def any_song(request) -> Song:
    """The test song in several keys, meters and tempos."""
    return make_song(**request.param)
