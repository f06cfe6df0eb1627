"""Helpers of the bad-input and fault matrix (issue 10)."""

from click.testing import CliRunner
from musegen.cli.main import main


def cli(*args):
    """Run `musegen ARGS` in-process; exceptions come back in the result, never raised."""
    return CliRunner().invoke(main, [str(a) for a in args])


def one_clear_line(res, needle: str, code: int = 2) -> None:
    """The result failed with exit `code`, one `Error:` line containing `needle`, no traceback."""
    out = res.output
    assert res.exit_code == code, out
    assert not isinstance(res.exception, AssertionError), res.exception
    assert "Traceback" not in out
    errors = [ln for ln in out.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, out
    assert needle in errors[0], out
