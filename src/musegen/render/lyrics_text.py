"""lyrics.txt (the printed lyric sheet) and song.lrc (line-timed lyrics for karaoke players).

lyrics.txt is the same plain format `musegen lyrics` prints (`musegen.lyrics.parse.lyrics_to_text`) and
EVALUATION.md reads: a section header in square brackets ("[Verse]", "[Chorus]", "[Pre-Chorus]"), one lyric
line per text line, a blank line between stanzas. Instrumental sections (no lines) are left out.
"""

from __future__ import annotations

import os
from pathlib import Path

from musegen.fsutil import atomic_write_text
from musegen.render.common import line_first_notes, seconds
from musegen.types import Song


def lyrics_text(song: Song) -> str:
    """The lyric sheet of `song` as text."""
    stanzas = []
    for sec in song.sections:
        if sec.lines:
            stanzas.append("\n".join([f"[{sec.type.title()}]"] + [line.text for line in sec.lines]))
    return "\n\n".join(stanzas) + "\n" if stanzas else ""


def _stamp(t: float) -> str:
    """LRC time tag [mm:ss.xx]."""
    cs = round(t * 100)
    return f"[{cs // 6000:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}]"


def lrc_text(song: Song) -> str:
    """song.lrc text: header tags, then each lyric line at the onset of its first sung note."""
    out = [f"[ti:{song.plan.title}]", "[by:musegen]", f"[length:{_stamp(song.duration_seconds)[1:6]}]"]
    firsts = line_first_notes(song)
    for sec, row in zip(song.sections, firsts, strict=True):
        for line, note_index in zip(sec.lines, row, strict=True):
            if note_index is None:  # a line with no sung note cannot be timed
                continue
            out.append(_stamp(seconds(song, song.vocal[note_index].onset)) + line.text)
    # a blank timed line when the last vocal note ends clears the karaoke display
    if song.vocal:
        last = song.vocal[-1]
        out.append(_stamp(seconds(song, last.onset + last.duration)))
    return "\n".join(out) + "\n"


def write_lyrics_txt(song: Song, path: str | os.PathLike) -> Path:
    """Write lyrics.txt atomically."""
    return atomic_write_text(path, lyrics_text(song))


def write_lrc(song: Song, path: str | os.PathLike) -> Path:
    """Write song.lrc atomically."""
    return atomic_write_text(path, lrc_text(song))
