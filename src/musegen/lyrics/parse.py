"""User lyrics files: plain text with `[Verse]`, `[Chorus]`, `[Bridge]` … headers, one line per sung line.

Every word the user wrote is sung or refused with a line naming the file and line: numbers are spelled
out ("99" -> "ninety-nine", see `musegen.lyrics.numbers`), words in scripts the English syllabifier
cannot sing (Chinese, Cyrillic …) and lines too long for one sung phrase are refused.
"""

from __future__ import annotations

import re
import unicodedata

from musegen.errors import InputError
from musegen.lyrics.numbers import spell_numbers
from musegen.lyrics.syllables import syllabify_word
from musegen.types import SECTION_TYPES, LyricLine, Lyrics, LyricSection, Syllable

HEADER_RE = re.compile(r"^\s*\[\s*([A-Za-z][A-Za-z \-]*?)\s*(\d+)?\s*\]\s*$")
ALIASES = {"prechorus": "pre-chorus", "pre chorus": "pre-chorus", "refrain": "chorus", "hook": "chorus",
           "middle eight": "bridge", "middle 8": "bridge"}
# Most syllables one line may carry: a long line gets a phrase of 2 x 2 bars, which at 2/4 is 32 sixteenth
# steps; minus the breath (2 steps) and one melisma note the melody sampler may add, 29 still fit.
MAX_LINE_SYLLABLES = 29


def _section_type(name: str, source: str, lineno: int) -> str:
    t = re.sub(r"\s+", " ", name.strip().lower())
    t = ALIASES.get(t, t)
    if t not in SECTION_TYPES:
        raise InputError(f"{source}:{lineno}: unknown section header [{name}]; use one of "
                         + ", ".join(f"[{s.title()}]" for s in SECTION_TYPES))
    return t


def _unsingable_word(line: str) -> str | None:
    """The first word holding letters outside the Latin script (the syllabifier sings English), or None."""
    for word in line.split():
        for c in word:
            if c.isalpha() and not unicodedata.name(c, "").startswith("LATIN"):
                return word
    return None


def line_syllables(line: str) -> list[Syllable]:
    """Sung syllables of a line; a hyphenated word ("forty-five") is split at its hyphens first."""
    out: list[Syllable] = []
    for token in line.split():
        parts = re.split(r"(?<=[A-Za-z])-(?=[A-Za-z])", token)
        syls = []
        for k, part in enumerate(parts):
            piece = syllabify_word(part + ("-" if k < len(parts) - 1 else ""))
            syls += [Syllable(y.text, y.stress, False, False) for y in piece]
        if syls:
            syls[0].word_start = syls[-1].word_end = True
        out += syls
    return out


def sung_line(raw: str, source: str = "<text>", lineno: int = 0) -> str:
    """A lyric line as it will be sung: numbers spelled out; InputError if a word cannot be sung."""
    where = f"{source}:{lineno}" if lineno else source
    word = _unsingable_word(raw)
    if word is not None:
        raise InputError(f"{where}: cannot sing {word!r}: musegen sings English lyrics in Latin letters; "
                         "write the line in English (or transliterate it)")
    line = spell_numbers(raw)
    n = len(line_syllables(line))
    if n > MAX_LINE_SYLLABLES:
        raise InputError(f"{where}: the line has {n} syllables, more than one sung line holds "
                         f"({MAX_LINE_SYLLABLES}); split it into two or more lines")
    return line


def parse_lyrics_text(text: str, source: str = "<text>") -> Lyrics:
    """Parse lyrics text into `Lyrics`; an identical later section of the same type gets `repeat_of`.

    Lines before the first header form a verse. Blank lines separate stanzas; a stanza without its own
    header continues as a new section of the previous header's type. Lines are stored as sung
    (`sung_line`: numbers spelled out); an unsingable word or an over-long line raises InputError.
    """
    sections: list[LyricSection] = []
    cur_type: str | None = None
    cur: list[str] = []
    explicit = False

    def close() -> None:
        nonlocal cur
        if cur_type is not None and (cur or explicit):
            lines = [LyricLine(x, line_syllables(x)) for x in cur]
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
        line = sung_line(line, source, lineno)
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
