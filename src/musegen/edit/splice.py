"""Cut a song into parts (section headers, lyric lines with their notes, chords, tracks) and put it back.

An edit replaces some lines and their notes and keeps every other part as it was: `splice` rebuilds the
song from the old parts and the new ones, and `changed_parts` lists the parts of two songs that differ,
which is how the tests (and `benchmarks/edit.py`) check that nothing outside an edit moved.
"""

from __future__ import annotations

import bisect
import copy
import json
from dataclasses import replace

from musegen.conductor.arrange import balance_vocal
from musegen.conductor.metrics import alignment_metrics
from musegen.songfile import song_to_dict
from musegen.types import LyricLine, Song, VocalNote

Key = tuple[int, int]  # (section index, line index)


def line_notes(song: Song) -> tuple[dict[Key, list[VocalNote]], list[VocalNote]]:
    """Per lyric line its vocal notes (syllable indices made line-local), and the vocalise notes."""
    where = song.syllable_lines()
    out: dict[Key, list[VocalNote]] = {}
    out.update({(k, i): [] for k, s in enumerate(song.sections) for i in range(len(s.lines))})
    free: list[VocalNote] = []
    for n in song.vocal:
        if n.syllable is None:
            free.append(copy.copy(n))
            continue
        k, i, local = where[n.syllable]
        out[(k, i)].append(replace(n, syllable=local))
    return out, free


def splice(song: Song, lines: dict[Key, LyricLine], notes: dict[Key, list[VocalNote]],
           unlink: list[int] = ()) -> Song:
    """`song` with the given lines (and, where given, their notes; line-local syllables) replaced.

    Sections in `unlink` stop repeating another (`repeat_of` = None). Everything else is copied as is;
    the new notes get the arranger's vocal velocities, and the alignment metrics are recomputed.
    """
    new = copy.deepcopy(song)
    for (k, i), line in lines.items():
        new.sections[k].lines[i] = LyricLine(line.text, list(line.syllables))
        new.plan.sections[k].syllables = [len(x.syllables) for x in new.sections[k].lines]
    for k in unlink:
        new.sections[k].repeat_of = None
        new.plan.sections[k].repeat_of = None
    per_line, free = line_notes(song)
    items: list[tuple[VocalNote, bool]] = []  # (note, written by this edit), in singing order
    base = 0
    for k, s in enumerate(new.sections):
        for i, line in enumerate(s.lines):
            is_new = (k, i) in notes
            src = notes[(k, i)] if is_new else per_line[(k, i)]
            assert is_new or len(line.syllables) == len(song.sections[k].lines[i].syllables), \
                "a line with another syllable count needs new notes"
            items += [(replace(n, syllable=n.syllable + base), is_new) for n in src]
            base += len(line.syllables)
    for n in free:  # vocalise notes (no syllable) go back where they sound
        at = bisect.bisect_right([x.onset for x, _ in items], n.onset)
        items.insert(at, (n, False))
    vocal, fresh = [n for n, _ in items], [f for _, f in items]
    _make_room(vocal, fresh)
    new.vocal = vocal
    balanced = balance_vocal(new)
    new.vocal = [b if f else n for n, b, f in zip(vocal, balanced, fresh, strict=True)]
    new.metrics.update(alignment_metrics(new))
    return new


def _make_room(vocal: list[VocalNote], fresh: list[bool]) -> None:
    """Fit each run of new notes between the kept notes around it (squeezed in time if it overlaps them)."""
    j = 0
    while j < len(vocal):
        if not fresh[j]:
            j += 1
            continue
        e = j
        while e < len(vocal) and fresh[e]:
            e += 1
        lo = vocal[j - 1].onset + vocal[j - 1].duration if j > 0 else 0
        hi = vocal[e].onset if e < len(vocal) else None
        _squeeze(vocal[j:e], lo, hi)
        j = e


def _squeeze(run: list[VocalNote], lo: int, hi: int | None) -> None:
    """Map the run's time span linearly into [lo, hi) when it sticks out; onsets stay in order."""
    s, t = run[0].onset, max(n.onset + n.duration for n in run)
    a, b = max(lo, s), t if hi is None else min(hi, t)
    if (a, b) == (s, t):
        return
    f = max(0.0, (b - a) / max(1, t - s))
    prev = a - 1
    for n in run:
        end = a + round((n.onset + n.duration - s) * f)
        n.onset = max(prev + 1, a + round((n.onset - s) * f))
        n.duration = max(1, min(end, b) - n.onset)
        prev = n.onset


def parts(song: Song) -> dict[str, str]:
    """Every part of `song` as canonical JSON, keyed by a readable name.

    Parts: the plan's song-wide fields, each section's plan and header, each lyric line with its notes
    (line-local syllable indices, so a longer line earlier does not count as a change later), the
    vocalise notes, each bar's chords and each track's notes per bar. Metrics and history are not parts.
    """
    d = song_to_dict(song)
    out: dict[str, str] = {}

    def put(name: str, value: object) -> None:
        out[name] = json.dumps(value, sort_keys=True)

    put("plan", {k: v for k, v in d["plan"].items() if k not in ("sections", "form")})
    for k, (sp, sec) in enumerate(zip(d["plan"]["sections"], d["sections"], strict=True)):
        put(f"section {k + 1} plan", {x: v for x, v in sp.items() if x != "syllables"})
        put(f"section {k + 1}", {x: v for x, v in sec.items() if x != "lines"})
    per_line, free = line_notes(song)
    for (k, i), ns in per_line.items():
        line = song.sections[k].lines[i]
        syls, notes = [vars(y) for y in line.syllables], [vars(n) for n in ns]
        put(f"section {k + 1} line {i + 1}", {"text": line.text, "syllables": syls, "notes": notes})
    put("vocalise", [vars(n) for n in free])
    bar = song.plan.bar_ticks
    for c in d["chords"]:
        out.setdefault(f"chords bar {c['onset'] // bar + 1}", "")
        out[f"chords bar {c['onset'] // bar + 1}"] += json.dumps(c, sort_keys=True)
    for t in d["tracks"]:
        put(f"track {t['name']}", {x: v for x, v in t.items() if x != "notes"})
        for row in t["notes"]:
            name = f"track {t['name']} bar {row[0] // bar + 1}"
            out[name] = out.get(name, "") + json.dumps(row)
    return out


def changed_parts(before: Song, after: Song) -> list[str]:
    """Names of the parts that differ between two songs (added or removed parts count)."""
    a, b = parts(before), parts(after)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def inside(target_lines: dict[int, list[int]], unlink: list[int]) -> set[str]:
    """The part names an edit of these lines may change."""
    names = {f"section {k + 1} line {i + 1}" for k, lines in target_lines.items() for i in lines}
    names |= {f"section {k + 1}" for k in unlink} | {f"section {k + 1} plan" for k in unlink}
    return names
