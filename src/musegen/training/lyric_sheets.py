"""Lead sheets with lyrics under the notes (MusicXML, ABC) -> `LeadSheet`s whose notes carry syllables.

Read through music21: the first part (top note of any chord), tied notes merged, a pickup bar moved so
beats are counted from the bar line, chord symbols on bar/half-bar lines. Verse 1's lyric under each
note becomes its Syl token (`musegen.music.vocab.syl_token`): stress from the CMU dictionary the lyrics
stage uses (`musegen.lyrics.syllables.stresses`, when its syllable count matches the sung one; else the
first syllable stressed), word start from the lyric's syllabic (single/begin), and a note with no lyric
after the first sung one is a melisma note. The labels travel in ``sheet.meta["syl"]`` (one list per
section, one token per note), which `musegen.music.tokenizer.encode` writes.

ABC hymns (Open Hymnal) interleave four voices and several verses; `abc_melody` keeps the first voice
for music21 and reads verse 1's ``w:`` syllables itself (music21 drops them), one per note slot.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from pathlib import Path

from musegen.music import vocab as V
from musegen.music.tokenizer import LeadSheet, bar_steps, half_bar
from musegen.theory import Key
from musegen.training.music_corpus import Skip, _grid_chords, build_sheet, detect_chord, estimate_key

SUFFIXES = (".musicxml", ".mxl", ".xml", ".abc")
CUT_TIME = {(2, 2): (4, 4)}  # same bar and the same strong beats (EVALUATION.md: beats 1 and 3 of 4/4)


_ABC_SKIP = re.compile(r'"[^"]*"|![^!]*!|\{[^}]*\}|\[[A-Za-z]:[^\]]*\]|\+[^+]*\+')
_ABC_NOTE = re.compile(r"\[[^\]]*\]|[_^=]*[A-Ga-g][,']*")
_ABC_AFTER = re.compile(r"[,'0-9/<>.]*(-?)")


def abc_slots(music: str) -> int:
    """Notes of an ABC music line that take a lyric syllable (a tied continuation takes none)."""
    body = _ABC_SKIP.sub(" ", music)
    slots, tied = 0, False
    for m in _ABC_NOTE.finditer(body):
        if m.group(0).startswith("[") and not re.search(r"[A-Ga-g]", m.group(0)):
            continue
        after = _ABC_AFTER.match(body, m.end())
        slots += not tied
        tied = bool(after and after.group(1))
    return slots


def abc_words(line: str) -> list[tuple[str | None, str | None]]:
    """(syllable or None, syllabic) per note slot of an ABC ``w:`` line (``*`` skips, ``_`` holds)."""
    out: list[tuple[str | None, str | None]] = []
    cont = False  # the previous syllable ended with a hyphen
    text = re.sub(r"^w:\s*(\d+\.\s*~?)?", "", line).replace("\\-", "\x00").replace("~", " ")
    for tok in re.findall(r"[^\s\-_*|]+-?|-|_|\*", text):
        if tok in ("_", "*"):
            out.append((None, None))
            continue
        if tok == "-":
            cont = True
            continue
        hy = tok.endswith("-")
        syl = tok.rstrip("-").replace("\x00", "-")
        kind = ("middle" if hy else "end") if cont else ("begin" if hy else "single")
        out.append((syl, kind))
        cont = hy
    return out


def abc_melody(text: str) -> tuple[str, list[tuple[str | None, str | None]] | None]:
    """An ABC tune reduced to its first voice, and verse 1's syllable per note slot.

    The lyrics are None when a music line and its ``w:`` line disagree (music21 does not read ``w:``).
    """
    out: list[str] = []
    words: list[tuple[str | None, str | None]] = []
    ok, any_words = True, False
    first: str | None = None  # the first voice's name
    in_first = True  # the current music line belongs to the first voice
    due = 0  # note slots of the music line just kept, still waiting for its verse-1 w: line
    in_body = False
    for raw in text.splitlines():
        line = raw.rstrip() if raw.startswith("w:") else raw.split("%", 1)[0].rstrip()
        if not line.strip():
            continue
        if not in_body:
            if not line.startswith(("V:", "w:", "W:")):
                out.append(line)
            in_body = line.startswith("K:")
            continue
        m = re.match(r"\s*\[V:\s*([^\]\s]+)[^\]]*\]\s*(.*)", line) or re.match(r"V:\s*(\S+)()", line)
        if m:
            first = first or m.group(1)
            in_first = m.group(1) == first
            line = m.group(2)
            if not line:
                continue
        if line.startswith("w:"):
            if due:
                got = abc_words(line)[:due]
                ok = ok and len(got) == due
                words += got + [(None, None)] * (due - len(got))
                any_words = True
            due = 0
        elif in_first and not line.startswith(("W:", "T:", "C:")):
            words += [(None, None)] * due  # the previous line had no words
            out.append(line)
            due = abc_slots(line)
    words += [(None, None)] * due
    return "\n".join(out) + "\n", (words if ok and any_words else None)


def _parse(path: Path):
    import music21

    try:
        if path.suffix.lower() == ".abc":
            tune, words = abc_melody(path.read_text(errors="replace"))
            return music21.converter.parse(tune, format="abc"), words
        return music21.converter.parse(str(path)), None
    except Exception as exc:  # music21 raises many types on bad files
        raise Skip(f"unreadable {path.suffix} ({type(exc).__name__})") from exc


def _word_stresses(word: str, n: int) -> list[int]:
    from musegen.lyrics.syllables import stresses

    st = stresses(word) if any(c.isalpha() for c in word) else []
    if len(st) == n:
        return st
    return [1] + [0] * (n - 1)


def syllable_labels(events: list[tuple[int, str | None, str | None]]) -> dict[int, int]:
    """Syl token per onset step from (step, lyric text or None, syllabic) events in order.

    Syllables of one word (syllabic begin/middle/end) are joined to look the word's stresses up.
    Empty when no event has a lyric (an instrumental line: all notes stay ``Syl_X``).
    """
    if not any(t for _, t, _ in events):
        return {}
    out: dict[int, int] = {}
    word: list[tuple[int, str]] = []  # (step, syllable text) of the word being read

    def close() -> None:
        if word:
            st = _word_stresses("".join(t for _, t in word), len(word))
            for k, ((step, _), s) in enumerate(zip(word, st, strict=True)):
                out[step] = V.syl_token(s, word_start=k == 0)
            word.clear()

    seen = False
    for step, text, syllabic in events:
        if not text:
            if seen and step not in out:
                out[step] = V.SYL_M
            continue
        seen = True
        if syllabic in (None, "single", "begin") and word:
            close()
        word.append((step, text.strip(" -_")))
        if syllabic in (None, "single", "end"):
            close()
    close()
    return out


def load_lyric_sheet(path: str | Path, source: str = "user") -> LeadSheet:
    """A MusicXML/ABC lead sheet -> LeadSheet (melody = first part, chords = its chord symbols).

    Notes carry verse 1's syllables in ``meta["syl"]`` when the sheet has lyrics. Raises `Skip` with
    the reason when the file gives no usable lead sheet.
    """
    import music21

    path = Path(path)
    score, abc_words_ = _parse(path)
    with contextlib.suppress(Exception):  # a score music21 cannot untie is read as written
        score = score.stripTies()
    parts = list(score.parts) or [score]
    part = parts[0]
    flat = part.flatten()
    ts = flat.getElementsByClass(music21.meter.TimeSignature)
    meter = (ts[0].numerator, ts[0].denominator) if ts else (4, 4)
    meter = CUT_TIME.get(meter, meter)
    mm = flat.getElementsByClass(music21.tempo.MetronomeMark)
    tempo = float(mm[0].getQuarterBPM() or 120.0) if mm else 120.0
    # a pickup bar: shift so the first full bar starts on a bar line
    shift = 0.0
    measures = list(part.getElementsByClass(music21.stream.Measure))
    if measures:
        m0 = measures[0]
        full = meter[0] * 4 / meter[1]
        if 0 < float(m0.duration.quarterLength) < full:
            shift = full - float(m0.duration.quarterLength)
    to_step = lambda q: round((float(q) + shift) * 4)  # noqa: E731 - quarter lengths -> 16ths
    melody, events = [], []
    notes = [n for n in flat.notes if not isinstance(n, music21.harmony.ChordSymbol)]
    if abc_words_ is not None and len(abc_words_) != len(notes):
        abc_words_ = None  # the w: syllables do not line up with the notes music21 read: no lyrics
    for i, n in enumerate(notes):
        step = to_step(n.offset)
        melody.append((step, max(1, round(float(n.quarterLength) * 4)), max(x.midi for x in n.pitches)))
        if abc_words_ is not None:
            events.append((step, *abc_words_[i]))
            continue
        lyr = next((ly for ly in n.lyrics if ly.number == 1), n.lyrics[0] if n.lyrics else None)
        text = lyr.text if lyr is not None and lyr.text and lyr.text.strip(" _-*") else None
        events.append((step, text, lyr.syllabic if lyr is not None else None))
    syms = sorted(
        ((to_step(c.offset), c) for c in flat.getElementsByClass(music21.harmony.ChordSymbol)),
        key=lambda x: x[0],
    )
    total = max([*(m[0] + m[1] for m in melody), 0])
    steps, half = bar_steps(meter), half_bar(meter)

    def label(step: int):
        best = None
        for st, c in syms:
            if st <= step + 2 and c.root() is not None:
                best = detect_chord(Counter(x.pitchClass for x in c.pitches), c.root().pitchClass)
        if best is None and not syms:  # no chord symbols (hymn tunes): from the melody itself
            span = half or steps
            pcs = Counter(p % 12 for s, d, p in melody if step <= s < step + span for _ in range(d))
            best = detect_chord(pcs, None)
        return best

    grid = _grid_chords(steps, half, total, label)
    key = _key(flat, syms, grid, melody)
    sheet = build_sheet(f"{source}/{path.stem}", source, key, tempo, meter, melody, grid, total)
    labels = syllable_labels(events)
    if labels:
        syl, base = [], 0
        for sec in sheet.sections:
            syl.append([labels.get(base + round(n.onset / V.STEP), V.SYL_X) for n in sec.notes])
            base += sec.bars * steps
        sheet.meta["syl"] = syl
    return sheet


def _key(flat, syms: list, grid: dict, melody: list[tuple[int, int, int]]) -> Key:
    """Key signature (major or its relative minor: the final chord decides), else estimated."""
    import music21

    ks = flat.getElementsByClass(music21.key.KeySignature)
    if not ks:
        return estimate_key([m[2] for m in melody], [m[1] for m in melody])
    k = ks[0].asKey() if not isinstance(ks[0], music21.key.Key) else ks[0]
    key = Key(k.tonic.pitchClass, "minor" if k.mode == "minor" else "major")
    minor = key.mode == "minor"
    rel = Key((key.tonic + (3 if minor else 9)) % 12, "major" if minor else "minor")
    last = [rq for _, rq in sorted(grid.items()) if rq is not None]
    if syms and last and last[-1][0] == rel.tonic:
        return rel
    return key
