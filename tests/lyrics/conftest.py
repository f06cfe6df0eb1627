import pytest


@pytest.fixture(autouse=True, scope="module")
def _lyrics_one_thread(one_torch_thread):
    """Every lyrics test module runs on one torch thread (see tests/conftest.py); its helper process stops."""
    yield
    from musegen.lyrics.parallel import close_helpers

    close_helpers()
