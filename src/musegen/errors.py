"""Typed exceptions: every user-facing failure is one of these, with a one-line message."""

from __future__ import annotations


class MusegenError(Exception):
    """Base class for errors a user can fix; the message names the file or argument and the fix."""


class SongFormatError(MusegenError):
    """A song.json (or another song file) is malformed or of an unsupported version."""


class InputError(MusegenError):
    """A user-supplied argument or file is invalid (unknown key, tempo 0, missing file …)."""


class ModelError(MusegenError):
    """A model checkpoint or adapter is missing, corrupt, or incompatible."""


class OutputExistsError(MusegenError):
    """The output path exists and --force was not given."""
