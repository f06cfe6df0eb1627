"""A song folder as an edit sees it: load song.json, re-render everything atomically, keep versions.

Before an edit replaces the folder, the old song.json bytes go to `versions/NNNN.json`; `undo_folder`
puts the newest one back byte for byte (and re-renders from it). The folder is rebuilt in a temp
sibling and swapped in whole (`musegen.fsutil.replace_path`), so a reader never sees half an edit.
Edits of one folder are serialised with a lock on its parent folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from musegen.errors import InputError
from musegen.fsutil import atomic_write_bytes, replace_path, tmp_prefix
from musegen.types import Song

if TYPE_CHECKING:
    from musegen.render.incremental import RenderCache

VERSIONS = "versions"
SONG_JSON = "song.json"
# what `write_song_folder` writes (and the stems a renderer may add): anything else would be lost
KNOWN = frozenset({SONG_JSON, "song.mid", "song.musicxml", "song.wav", "song.flac", "lyrics.txt", "song.lrc",
                   "vocals.wav", "band.wav", "vocals.flac", "band.flac", VERSIONS})


def load_folder(folder: str | os.PathLike, what: str = "SONG_DIR") -> tuple[Song, bytes]:
    """The song of a song folder and its song.json bytes; a one-line InputError when it is not one.

    A song.json of an older layout (before the edit history) loads with an empty history; a newer or
    unknown format version is refused by `musegen.songfile` with a line naming the version.
    """
    from musegen.songfile import loads_song

    p = Path(folder)
    if not p.is_dir():
        raise InputError(f"{what} {folder}: no such folder; pass a folder written by `musegen generate`")
    f = p / SONG_JSON
    if not f.is_file():
        raise InputError(f"{what} {folder}: has no song.json; pass a folder written by `musegen generate`")
    data = f.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} {f}: is not UTF-8 text; restore it with `musegen edit {folder} --undo`") \
            from None
    return loads_song(text, source=str(f)), data


def versions(folder: str | os.PathLike) -> list[Path]:
    """The saved earlier song.json versions, oldest first."""
    d = Path(folder) / VERSIONS
    return sorted(d.glob("[0-9][0-9][0-9][0-9].json")) if d.is_dir() else []


def audio_format(folder: str | os.PathLike) -> str | None:
    """The audio format the folder was rendered with (None: it has no audio)."""
    for fmt in ("wav", "flac"):
        if (Path(folder) / f"song.{fmt}").exists():
            return fmt
    return None


def check_unknown(folder: str | os.PathLike, force: bool, what: str = "SONG_DIR") -> None:
    """Refuse (without `force`) a folder holding files that re-rendering it would drop."""
    other = sorted(p.name for p in Path(folder).iterdir() if p.name not in KNOWN)
    if other and not force:
        raise InputError(f"{what} {folder}: holds files musegen did not write ({', '.join(other[:5])}); "
                         "they would be lost when the folder is re-rendered: move them out, or pass --force")


@contextlib.contextmanager
def locked(folder: str | os.PathLike) -> Iterator[None]:
    """Serialise edits of songs in the same parent folder (a second editor waits)."""
    parent = Path(folder).resolve().parent
    fd = os.open(parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def render_folder(song: Song, folder: str | os.PathLike, *, push: bytes | None = None, pop: int = 0,
                  exact: bytes | None = None, audio: bool = True,
                  cache: RenderCache | None = None) -> list[Path]:
    """Re-render `folder` from `song` in one swap; returns the written paths.

    `push`: bytes to save as the next version (the song.json being replaced); `pop`: drop the newest
    `pop` versions (an undo); `exact`: write these bytes as song.json instead of serialising `song` again.
    `audio` False skips the audio file (an existing one is removed with the rest of the old folder).
    A folder with vocal stems is rendered with the singing voice again (`write_song_folder(vocals=True)`);
    with a `cache` (`musegen.render.incremental`) only the lines it does not hold are sung and the band is
    reused when unchanged: the same bytes, faster (the studio keeps one).
    """
    from musegen.render import write_song_folder
    from musegen.render.incremental import write_sung_folder

    folder = Path(folder)
    fmt = audio_format(folder) if audio else None
    stage = Path(tempfile.mkdtemp(prefix=tmp_prefix(folder.name), suffix=".tmp", dir=folder.parent))
    try:
        out = stage / folder.name
        sung = fmt is not None and (folder / f"vocals.{fmt}").exists()  # a voice sang it: sing it again
        if sung and cache is not None:
            written = write_sung_folder(song, out, cache, audio_format=fmt)
        else:
            written = write_song_folder(song, out, audio_format=fmt, vocals=sung)
        if exact is not None:
            atomic_write_bytes(out / SONG_JSON, exact)
        old = versions(folder)
        if old or push is not None:
            (out / VERSIONS).mkdir()
        for v in old[:len(old) - pop]:
            shutil.copy2(v, out / VERSIONS / v.name)
        if push is not None:
            number = int(old[-1].stem) + 1 if old else 1
            atomic_write_bytes(out / VERSIONS / f"{number:04d}.json", push)
        replace_path(out, folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [folder / p.name for p in written]
