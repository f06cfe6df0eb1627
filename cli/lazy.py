"""A click group whose subcommands are imported only when used (keeps `musegen --help` fast).

It is also the last line of defence against tracebacks: a library error that a command did not word
itself becomes one `Error:` line; an internal error too, with its traceback only under `--verbose`.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """Group mapping command names to "module:attribute" import paths."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Eager and lazy command names."""
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Import a lazy command on first use (None when its module is not part of this build)."""
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ModuleNotFoundError as exc:
                if exc.name != module:  # a real missing dependency: let it surface
                    raise
                return None  # command not built into this install
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        """Run the command; uncaught errors become one line (`--verbose` shows internal tracebacks)."""
        from musegen.errors import MusegenError

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                KeyboardInterrupt, SystemExit):
            raise
        except MusegenError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}; check the path and free disk space") \
                from None
        except Exception as exc:
            if (ctx.obj or {}).get("verbose"):
                raise
            raise click.ClickException(f"internal error ({type(exc).__name__}: {exc}); rerun with "
                                       "`musegen --verbose …` for the traceback and report it") from None
