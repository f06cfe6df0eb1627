"""A click group whose subcommands are imported only when used (keeps `musegen --help` fast)."""

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
