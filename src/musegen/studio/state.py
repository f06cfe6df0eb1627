"""The studio's state (its folder, worker and models) and the 4xx error its routes raise."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from musegen.studio.jobs import Worker

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class HTTPError(Exception):
    """A 4xx answer with a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Studio:
    """The studio's state: its folder, its worker, the models and render parts it keeps in memory."""

    def __init__(self, folder: str | Path, *, models: Any = None, audio: bool = True,
                 vocals: bool = True) -> None:
        from musegen.edit import Models

        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.models = models or Models()
        from musegen.render.incremental import RenderCache

        self.cache = RenderCache()  # bands and sung lines of recent renders: an edit re-sings one line
        self.audio = audio
        self.vocals = vocals  # new songs are sung (as `musegen generate --vocals on`)
        self.worker = Worker()
        self.names_lock = threading.Lock()
        self.reserved: set[str] = set()

    def song_dir(self, name: str, *, exists: bool = True) -> Path:
        """The folder of song `name`, which must be a plain name inside the studio's folder."""
        if not NAME_RE.match(name):
            raise HTTPError(400, f"song name {name!r}: use letters, digits, '-' and '_' only (no paths)")
        p = self.folder / name
        if p.resolve().parent != self.folder:
            raise HTTPError(400, f"song name {name!r}: must stay inside the studio folder")
        if exists and not (p / "song.json").is_file():
            raise HTTPError(404, f"no song {name!r} in {self.folder}")
        return p
