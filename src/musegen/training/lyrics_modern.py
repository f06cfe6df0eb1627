"""Song-register corpus sources for the format-2 and format-3 adapters (per-line syllables and end word).

- `songs-pd`: the LilyPond songbook's lyrics (public domain), one sung line per text line;
- `openewld`: the OpenEWLD lead sheets' lyrics (Tin Pan Alley and standards, 1855-1930, public domain),
  read from the words under the notes and cut into sung lines at punctuation, rests and capitals;
- the least archaic Gutenberg verse: windows whose every word is common today (wordfreq Zipf >= 3).
Every line must be clean song register: every word in CMU, 4-12 syllables, no archaic or task words, no
dangling end or orphan sentence break (`musegen.lyrics.register`).
Not used: lines written by the base model. Measured on 16 requests, the shipped Q4_1 SmolLM2-135M wrote
prose or instructions ("Write your story 15 times without commas"), none of it a lyric line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from musegen.lyrics.register import line_problems
from musegen.training.lyrics_corpus import STANZA, Stanza, clean_line, finish

HEAD_RE = re.compile(r"^\s*(verse|chorus|bridge|intro|outro|pre-chorus|hook|title|song)\b[^a-z]*",
                     re.IGNORECASE)


def clean_song_line(raw: str, prompt: str = "") -> str | None:
    """A generated or sung line tidied and kept only when it is clean song register, else None."""
    t = raw.strip().strip("*#-•").strip()
    t = re.sub(r"^\d+[.)]\s*", "", t)
    if not t or HEAD_RE.match(t) or ":" in t or t[0] in "([{":
        return None
    t = clean_line(t.rstrip(",;").strip())
    if t is None or line_problems(t, prompt):
        return None
    return t


def stanzas_from_lines(lines: list[str | None], source: str, book: str, section: str) -> Iterator[Stanza]:
    """Non-overlapping windows of STANZA consecutive clean lines."""
    i = 0
    while i + STANZA <= len(lines):
        win = lines[i:i + STANZA]
        if any(x is None for x in win) or len({x.lower() for x in win}) < STANZA:  # type: ignore[union-attr]
            i += 1
            continue
        st = finish(Stanza(source, book, section, list(win)))  # type: ignore[arg-type]
        yield st
        i += STANZA


LY_WORDS_RE = re.compile(r"\\lyricmode\s*\{(.*?)\n\}", re.S)


def _ly_lines(block: str) -> list[str | None]:
    r"""Sung lines of one LilyPond \lyricmode block (hyphens joined, commands dropped)."""
    out: list[str | None] = []
    for raw in block.splitlines():
        x = raw.split("%", 1)[0]
        if "\\" in x or "#" in x or "{" in x or "}" in x:
            x = re.sub(r"\\[A-Za-z]+(\s*=?\s*#?\"[^\"]*\")?|#'?\S+|[{}]", " ", x)
        x = re.sub(r"\s*--\s*", "", x).replace("_", " ").replace("~", " ").replace("’", "'")
        x = re.sub(r"\s+", " ", x).strip().strip('"')
        if x:
            out.append(clean_song_line(x))
    return out


def songs_pd_stanzas(root: str | Path) -> Iterator[Stanza]:
    """Stanzas of the LilyPond songbook in `songs-pd`, each song file a book.

    Only the top-level `ly/` folder is read (the Hymns and Christmas anthem folders are not).
    """
    root = Path(root) / "lilypond-songs" / "ly"
    for f in sorted(root.glob("*.ly")):
        text = f.read_text("utf-8", "replace")
        for block in LY_WORDS_RE.findall(text):
            yield from stanzas_from_lines(_ly_lines(block), "songs-pd", f.stem, "verse")


def _common(token: str) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(re.sub(r"[^a-z']", "", token.lower()), "en") >= 4.5


def sung_lines(path: str | Path, max_syllables: int = 12) -> list[str]:
    """Verse 1's words under the first part's notes, cut into sung lines.

    A line ends after punctuation, at a rest of an eighth or more, or before a capitalised common word
    (lead sheets capitalise line starts) once it has 4 syllables; it is cut at `max_syllables`.
    """
    import music21

    score = music21.converter.parse(str(path))
    part = (list(score.parts) or [score])[0]
    lines: list[str] = []
    cur: list[str] = []
    word, nsyl = "", 0

    def flush() -> None:
        nonlocal cur, nsyl
        if cur:
            lines.append(" ".join(cur))
        cur, nsyl = [], 0

    for el in part.flatten().notesAndRests:
        if el.isRest:
            if el.quarterLength >= 0.5 and nsyl >= 4 and not word:
                flush()
            continue
        lyr = next((ly for ly in el.lyrics if ly.number == 1), None)
        if lyr is None or not lyr.text or not lyr.text.strip(" _-*"):
            continue
        t = lyr.text.strip()
        if not word and nsyl >= 4 and t[:1].isupper() and not re.match(r"I\b|I'", t) and _common(t):
            flush()
        word += t.replace("-", "")
        nsyl += 1
        if lyr.syllabic in (None, "single", "end"):
            cur.append(word)
            word = ""
            if (re.search(r"[,.;!?:]$", cur[-1]) and nsyl >= 4) or nsyl >= max_syllables:
                flush()
    if word:
        cur.append(word)
    flush()
    return lines


def openewld_stanzas(root: str | Path) -> Iterator[Stanza]:
    """Stanzas of the OpenEWLD lead sheets' lyrics in `songs-pd/openewld`, each sheet a book."""
    for f in sorted((Path(root) / "openewld").glob("*.mxl")):
        try:
            lines = sung_lines(f)
        except Exception:  # a sheet music21 cannot read is skipped, as in the catalog reader
            continue
        yield from stanzas_from_lines([clean_song_line(x) for x in lines], "openewld", f.stem, "verse")


def modern_enough(line: str, min_zipf: float = 3.0) -> bool:
    """Whether every word of a line is common in today's English (wordfreq Zipf ≥ `min_zipf`)."""
    from wordfreq import zipf_frequency

    from musegen.lyrics.register import words

    return all(zipf_frequency(w, "en") >= min_zipf for w in words(line))


def gutenberg_modern(limit: int | None = None, max_stanzas: int = 30000,
                     progress: bool = False) -> Iterator[Stanza]:
    """The least archaic Gutenberg verse: 4-line windows of clean song-register lines.

    Every word must be common today; blocks of BLOCK_LINES lines stand in for books.
    """
    from tqdm import tqdm

    from musegen.training.lyrics_corpus import BLOCK_LINES, gutenberg_lines

    texts = gutenberg_lines()[:limit]
    n = 0
    for b in tqdm(range(0, len(texts), BLOCK_LINES), desc="gutenberg (modern)", disable=not progress,
                  unit="block"):
        block = [clean_song_line(t) for t in texts[b:b + BLOCK_LINES]]
        block = [x if x is not None and modern_enough(x) else None for x in block]
        for st in stanzas_from_lines(block, "gutenberg-modern", f"gp-{b // BLOCK_LINES:05d}", "verse"):
            yield st
            n += 1
            if n >= max_stanzas:
                return


# period diction the register filter lets through but a contemporary lyric avoids ("oh", "ah", "o'er")
OLD_STYLE = re.compile(
    r"\b(o|oh|ah|lo|'tis|'twas|e'er|ne'er|o'er|thou|thee|thy|ye|hath|doth|nay|aye|ere|whilst)\b",
    re.IGNORECASE)
SONG_REPEAT = 4  # song stanzas (songs-pd, OpenEWLD) are repeated so they weigh as much as the verse
STRICT_ZIPF = 3.5  # a Gutenberg stanza is kept only when every word is this common today


def contemporary(st: Stanza, min_zipf: float | None = None) -> bool:
    """No period diction in any line (and, with `min_zipf`, every word that common today)."""
    if any(OLD_STYLE.search(x) for x in st.lines):
        return False
    return min_zipf is None or all(modern_enough(x, min_zipf) for x in st.lines)


def _sampled(stanzas: Iterator[Stanza], n: int, seed: int = 0) -> list[Stanza]:
    """`n` stanzas drawn at random (seeded) from the strictly contemporary ones."""
    import random

    keep = [st for st in stanzas if contemporary(st, STRICT_ZIPF)]
    random.Random(seed).shuffle(keep)
    return keep[:n]


def build_song_corpus(out: str | Path, songs_pd: str | Path, *, gutenberg_limit: int | None = None,
                      max_gutenberg: int = 2500, progress: bool = False, force: bool = False,
                      phrases: str | Path | None = None) -> dict:
    """The song-register corpus (format-2 and format-3 training data); see `build_corpus` for the files.

    Sources: songs-pd and OpenEWLD stanzas without period diction, each repeated `SONG_REPEAT` times, and
    `max_gutenberg` stanzas drawn from the first 40,000 windows of the least archaic Gutenberg verse whose
    words are all common today (Zipf >= `STRICT_ZIPF`) and free of period diction; with `phrases` (a file
    from `lyrics_phrases.write_texts`) also the base model's modern phrases (`lyrics_phrases.phrase_stanzas`).
    """
    from musegen.training.lyrics_corpus import build_corpus

    if not (Path(songs_pd) / "lilypond-songs" / "ly").is_dir():
        from musegen.errors import InputError

        raise InputError(f"--songs-pd {songs_pd}: no lilypond-songs/ly folder; "
                         "pass the songs-pd dataset folder")

    def songs(make) -> list[Stanza]:
        return [st for st in make() if contemporary(st)] * SONG_REPEAT

    sources = {"songs-pd": lambda: songs(lambda: songs_pd_stanzas(songs_pd)),
               "openewld": lambda: songs(lambda: openewld_stanzas(songs_pd)),
               "gutenberg-modern": lambda: _sampled(gutenberg_modern(gutenberg_limit, 40000, progress),
                                                    max_gutenberg)}
    if phrases is not None:
        from musegen.training.lyrics_phrases import phrase_stanzas

        if not Path(phrases).is_file():
            from musegen.errors import InputError

            raise InputError(f"--phrases {phrases}: no such file; write it with `musegen corpus phrases`")
        sources["base-model-phrases"] = lambda: [st for st in phrase_stanzas(phrases) if contemporary(st)]
    return build_corpus(out, progress=progress, force=force, sources=sources)
