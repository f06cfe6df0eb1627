"""Shared pieces of the bad-input and fault matrix (issue 10)."""

import pytest


class ComposeCalledError(AssertionError):
    """The command started composing although its input was already known to be bad."""


@pytest.fixture
def no_compose(monkeypatch, tmp_path):
    """Fail the test if a command gets as far as composing or loading a model."""
    import musegen.pipeline as pipeline

    def refuse(*a, **k):
        raise ComposeCalledError("compose() ran: the bad input was not caught before the work")

    monkeypatch.setattr(pipeline, "compose", refuse)
    monkeypatch.setenv("MUSEGEN_HOME", str(tmp_path / "home"))
    return refuse
