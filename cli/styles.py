"""`musegen styles list|show|remove`: manage fine-tuned styles."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from musegen.errors import MusegenError


@click.group()
def styles() -> None:
    """List, show or remove the styles made by `musegen finetune`."""


@styles.command("list")
def list_cmd() -> None:
    """List the installed styles."""
    from musegen.fsutil import clean_orphans
    from musegen.styles.store import clean_partials, list_styles, styles_root

    try:
        clean_orphans(styles_root())
        clean_partials(styles_root())
        found = list_styles()
    except MusegenError as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        click.echo(f"No styles yet in {styles_root()} (make one: musegen finetune --midi DIR --name N).")
        return
    for s in found:
        click.echo(f"{s.card.name}\t{len(s.card.files_used)} songs\tcreated {s.card.created}")


@styles.command("show")
@click.argument("name")
def show_cmd(name: str) -> None:
    """Print a style's card (files used, figures, guard settings) as JSON."""
    from musegen.styles.store import get_style

    try:
        style = get_style(name, what="NAME")
    except MusegenError as exc:
        raise click.BadParameter(str(exc).removeprefix("NAME "), param_hint="NAME") from None
    click.echo(json.dumps({"path": str(style.path), **asdict(style.card)}, indent=2, sort_keys=True))


@styles.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_cmd(name: str, yes: bool) -> None:
    """Delete a style folder."""
    from musegen.styles.store import get_style, remove_style

    try:
        style = get_style(name, what="NAME")
        if not yes:
            click.confirm(f"Remove style {name!r} at {style.path}?", abort=True)
        remove_style(name, what="NAME")
    except MusegenError as exc:
        raise click.BadParameter(str(exc).removeprefix("NAME "), param_hint="NAME") from None
    click.echo(f"Removed {name}")
