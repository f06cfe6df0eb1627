"""Write a song together: change one line, section or bars of a finished song and keep the rest.

    resolve(song, line=…/section=…/bars=…)  →  edit_song(song, target, what)  →  render_folder
    extend_song(song, "bridge after chorus 2")                                    →  render_folder

`edit_folder`, `undo_folder` and `extend_folder` do the whole round trip on a song folder (load,
change, re-render atomically, keep the previous song.json in `versions/` and a history entry in
song.json); the CLI (`musegen edit`, `musegen extend`) and the studio call exactly these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from musegen.edit.extend import extend_song
from musegen.edit.folder import check_unknown, load_folder, locked, render_folder, versions
from musegen.edit.ops import WHATS, EditResult, Models, edit_song
from musegen.edit.splice import changed_parts, inside
from musegen.edit.targets import Target, resolve, section_names
from musegen.errors import InputError
from musegen.types import Song

if TYPE_CHECKING:
    from musegen.render.incremental import RenderCache

__all__ = ["WHATS", "EditResult", "Models", "Target", "UndoResult", "changed_parts", "edit_folder",
           "edit_song", "extend_folder", "extend_song", "inside", "resolve", "section_names", "undo_folder"]


def edit_folder(folder: str | os.PathLike, *, line: str | None = None, section: str | None = None,
                bars: str | None = None, what: str = "both", text: str | None = None, seed: int | None = None,
                only_this: bool = False, force: bool = False, models: Models | None = None,
                audio: bool = True, cache: RenderCache | None = None) -> EditResult:
    """Edit one target of the song in `folder` and re-render it (see `edit_song` for `what`/`text`).

    `cache` (`musegen.render.incremental.RenderCache`): re-sing only the changed lines (see `render_folder`).
    """
    with locked(folder):
        song, data = load_folder(folder)
        check_unknown(folder, force)
        target = resolve(song, line=line, section=section, bars=bars, only_this=only_this)
        result = edit_song(song, target, what, text=text, seed=seed, models=models, only_this=only_this)
        render_folder(result.song, folder, push=data, audio=audio, cache=cache)
    return result


@dataclass
class UndoResult:
    """The song put back and the history entry it undid."""

    song: Song
    undone: dict


def undo_folder(folder: str | os.PathLike, *, steps: int = 1, force: bool = False,
                audio: bool = True, cache: RenderCache | None = None) -> UndoResult:
    """Put back the song.json from before the last `steps` edits, byte for byte, and re-render the folder."""
    from musegen.songfile import loads_song

    with locked(folder):
        song, _ = load_folder(folder)
        check_unknown(folder, force)
        saved = versions(folder)
        if not saved:
            raise InputError(f"--undo: {folder} has no earlier version to go back to (no edits recorded)")
        if not 1 <= steps <= len(saved):
            raise InputError(f"--undo {steps}: {folder} has {len(saved)} earlier version(s); go back 1 to "
                             f"{len(saved)}")
        data = saved[-steps].read_bytes()
        previous = loads_song(data.decode("utf-8"), source=str(saved[-steps]))
        render_folder(previous, folder, pop=steps, exact=data, audio=audio, cache=cache)
    first = len(song.history) - steps
    undone = song.history[first] if 0 <= first < len(song.history) else \
        {"target": "?", "what": "?", "seed": None, "time": "?"}
    return UndoResult(previous, undone)


def extend_folder(folder: str | os.PathLike, add: str, *, seed: int | None = None, force: bool = False,
                  models: Models | None = None, audio: bool = True,
                  cache: RenderCache | None = None) -> EditResult:
    """Add a section ("bridge after chorus 2") to the song in `folder` and re-render it."""
    with locked(folder):
        song, data = load_folder(folder)
        check_unknown(folder, force)
        result = extend_song(song, add, seed=seed, models=models)
        render_folder(result.song, folder, push=data, audio=audio, cache=cache)
    return result
