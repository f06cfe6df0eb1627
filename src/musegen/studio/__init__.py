"""`musegen studio`: a local web app to write a song, listen, read along, and edit it line by line.

`make_server(folder)` gives a server bound to 127.0.0.1 that serves the page, its assets and a JSON API
over the same functions as the CLI (`compose`, `musegen.edit`). See `musegen.studio.server`.
"""

from __future__ import annotations

from musegen.studio.server import StudioServer, make_server

__all__ = ["StudioServer", "make_server"]
