"""User lyrics files: plain text with `[Verse]`, `[Chorus]`, `[Bridge]` … headers, one line per sung line."""

from __future__ import annotations

import re

from musegen.errors import InputError
from musegen.lyrics.syllables import syllabify_line
from musegen.types import SECTION_TYPES, LyricLine, Lyrics, LyricSection

HEADER_RE = re.compile(r"^\s*\[\s*([A-Za-z][A-Za-z \-]*?)\s*(\d+)?\s*\]\s*$")
ALIASES = {"prechorus": "pre-chorus", "pre chorus": "pre-chorus", "refrain": "chorus", "hook": "chorus",
           "middle eight": "bridge", "middle 8": "bridge"}


def _section_type(name: str, source: str, lineno: int) -> str:
    t = re.sub(r"\s+", " ", name.strip().lower())
    t = ALIASES.get(t, t)
    if t not in SECTION_TYPES:
        raise InputError(f"{source}:{lineno}: unknown section header [{name}]; use one of "
                         + ", ".join(f"[{s.title()}]" for s in SECTION_TYPES))
    return t


def parse_lyrics_text(text: str, source: str = "<text>") -> Lyrics:
    """Parse lyrics text into `Lyrics`; an identical later section of the same type gets `repeat_of`.

    Lines before the first header form a verse. Blank lines separate stanzas; a stanza without its own
    header continues as a new section of the previous header's type.
    """
    sections: list[LyricSection] = []
    cur_type: str | None = None
    cur: list[str] = []
    explicit = False

    def close() -> None:
        nonlocal cur
        if cur_type is not None and (cur or explicit):
            lines = [LyricLine(x, syllabify_line(x)) for x in cur]
            sec = LyricSection(cur_type, lines)
            for k, prev in enumerate(sections):
                if prev.repeat_of is None and prev.type == sec.type and lines and \
                        [x.text for x in prev.lines] == cur:
                    sec.repeat_of = k
                    break
            sections.append(sec)
        cur = []

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        m = HEADER_RE.match(line)
        if m:
            close()
            cur_type, explicit = _section_type(m.group(1), source, lineno), True
            continue
        if line.startswith("[") or line.endswith("]"):
            raise InputError(f"{source}:{lineno}: malformed section header {line!r}; write it like [Verse]")
        if not line:
            if cur:
                close()
                explicit = False
            continue
        if not any(c.isalpha() for c in line):
            raise InputError(f"{source}:{lineno}: a lyric line needs words, got {line!r}")
        if cur_type is None:
            cur_type = "verse"
        cur.append(line)
    close()
    if not any(s.lines for s in sections):
        raise InputError(f"{source}: no lyric lines found; write lines under headers like [Verse]")
    return Lyrics(sections)


def lyrics_to_text(lyrics: Lyrics) -> str:
    """The plain-text format: `[Verse]` headers, one line per lyric line, blank lines between stanzas."""
    blocks = []
    for sec in lyrics.sections:
        if not sec.lines:
            continue
        blocks.append("\n".join([f"[{sec.type.title()}]", *(x.text for x in sec.lines)]))
    return "\n\n".join(blocks) + "\n"
