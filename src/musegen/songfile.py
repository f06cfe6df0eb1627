"""song.json: the versioned, lossless (de)serialisation of a `musegen.types.Song`.

Layout (schema version 1)::

    {"format": "musegen-song", "version": 1, "ppq": 480,
     "plan": {"title", "mood", "key", "mode", "tempo", "meter": "4/4", "form": [...],
              "sections": [SectionPlan …], "style", "groove", "instruments", "drums",
              "attributes", "vocal_range": [lo, hi]},
     "sections": [{"type", "bars", "start", "repeat_of",
                   "lines": [{"text", "syllables": [{"text", "stress", "word_start", "word_end"}]}]}],
     "vocal":  [{"onset", "duration", "pitch", "velocity", "syllable", "melisma"}],
     "chords": [{"onset", "duration", "symbol"}],
     "tracks": [{"name", "program", "channel", "notes": [[onset, duration, pitch, velocity], …]}],
     "metrics": {…}, "meta": {…},
     "history": [{"target", "what", "seed", "time"}]}   (only once `musegen edit` changed the song)

Times are MIDI ticks at `ppq` per quarter note. `plan.form` is derived from `plan.sections` and is
checked, not stored separately. Every load error is a one-line `SongFormatError` naming the file and
the field, e.g. ``song.json: plan.tempo must be > 0``.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from musegen.errors import InputError, SongFormatError
from musegen.fsutil import atomic_write_text
from musegen.theory import Chord, Key
from musegen.types import (
    SCHEMA_VERSION,
    SECTION_TYPES,
    ChordEvent,
    LyricLine,
    Note,
    Section,
    SectionPlan,
    Song,
    SongPlan,
    Syllable,
    Track,
    VocalNote,
)

FORMAT_NAME = "musegen-song"
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32)
_METER_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_MISSING = object()


# ----------------------------------------------------------------------------- shared validators
def parse_meter(value: Any, what: str = "meter") -> tuple[int, int]:
    """Parse "4/4" (or a 2-item sequence) into (numerator, denominator); InputError names `what`."""
    if isinstance(value, str):
        m = _METER_RE.match(value)
        if not m:
            raise InputError(f"{what} {value!r}: expected e.g. 4/4, 3/4 or 6/8")
        num, den = int(m.group(1)), int(m.group(2))
    elif (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        num, den = value
    else:
        raise InputError(f"{what} {value!r}: expected e.g. 4/4, 3/4 or 6/8")
    if not 1 <= num <= 32 or den not in METER_DENOMINATORS:
        raise InputError(
            f"{what} {num}/{den}: numerator must be 1–32 and denominator one of "
            f"{', '.join(map(str, METER_DENOMINATORS))} (e.g. 4/4, 3/4, 6/8)"
        )
    return num, den


def format_meter(meter: tuple[int, int]) -> str:
    """(6, 8) -> "6/8"."""
    return f"{meter[0]}/{meter[1]}"


def check_key(key: str, mode: str, what: str = "key") -> None:
    """Raise InputError unless `key` is a tonic name (A–G with #/b) and `mode` is major/minor."""
    if not isinstance(key, str) or not re.fullmatch(r"[A-G][#b]?", key):
        raise InputError(f"{what} {key!r}: unknown key name; use a tonic A–G with optional # or b, e.g. 'F#'")
    Key.parse(f"{key} {mode}")


# ----------------------------------------------------------------------------- Song -> dict
def _note_row(n: Note) -> list[int]:
    return [n.onset, n.duration, n.pitch, n.velocity]


def _plan_to_dict(p: SongPlan) -> dict[str, Any]:
    return {
        "title": p.title,
        "mood": p.mood,
        "key": p.key,
        "mode": p.mode,
        "tempo": p.tempo,
        "meter": format_meter(p.meter),
        "form": p.form,
        "sections": [
            {
                "type": s.type,
                "bars": s.bars,
                "syllables": list(s.syllables),
                "rhyme": s.rhyme,
                "phrase_bars": list(s.phrase_bars),
                "phrase_notes": list(s.phrase_notes),
                "chords": list(s.chords),
                "repeat_of": s.repeat_of,
            }
            for s in p.sections
        ],
        "style": p.style,
        "groove": p.groove,
        "instruments": dict(p.instruments),
        "drums": p.drums,
        "attributes": dict(p.attributes),
        "vocal_range": list(p.vocal_range),
    }


def song_to_dict(song: Song) -> dict[str, Any]:
    """The JSON-ready dict of `song` (schema `SCHEMA_VERSION`); `song_from_dict` inverts it exactly."""
    return {
        "format": FORMAT_NAME,
        "version": SCHEMA_VERSION,
        "ppq": song.ppq,
        "plan": _plan_to_dict(song.plan),
        "sections": [
            {
                "type": s.type,
                "bars": s.bars,
                "start": s.start,
                "repeat_of": s.repeat_of,
                "lines": [
                    {
                        "text": line.text,
                        "syllables": [
                            {"text": y.text, "stress": y.stress, "word_start": y.word_start,
                             "word_end": y.word_end}
                            for y in line.syllables
                        ],
                    }
                    for line in s.lines
                ],
            }
            for s in song.sections
        ],
        "vocal": [
            {"onset": n.onset, "duration": n.duration, "pitch": n.pitch, "velocity": n.velocity,
             "syllable": n.syllable, "melisma": n.melisma}
            for n in song.vocal
        ],
        "chords": [{"onset": c.onset, "duration": c.duration, "symbol": c.symbol} for c in song.chords],
        "tracks": [
            {"name": t.name, "program": t.program, "channel": t.channel,
             "notes": [_note_row(n) for n in t.notes]}
            for t in song.tracks
        ],
        "metrics": dict(song.metrics),
        "meta": dict(song.meta),
        **({"history": [dict(h) for h in song.history]} if song.history else {}),  # only once edited
    }


def dumps_song(song: Song) -> str:
    """song.json text of `song` (validated: what is written always loads back)."""
    d = song_to_dict(song)
    try:
        text = _pretty(d)
    except (TypeError, ValueError) as exc:
        raise SongFormatError(f"song: cannot be stored as JSON ({exc}); keep meta/metrics to plain values") \
            from exc
    song_from_dict(json.loads(text), source="song")  # refuse to write what would not load
    return text + "\n"


def _pretty(obj: Any, indent: str = "") -> str:
    """JSON with one line per innermost object or list (a note, a syllable), nested ones indented."""
    flat = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    if not isinstance(obj, (dict, list)) or not obj:  # a scalar (however long) stays on its line
        return flat
    leaf = not any(isinstance(v, (dict, list)) for v in (obj.values() if isinstance(obj, dict) else obj))
    if leaf and len(indent) + len(flat) <= 110:
        return flat
    inner = indent + " "
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + _pretty(v, inner) for v in obj) + "\n" + indent + "]"


def save_song(song: Song, path: str | os.PathLike) -> Path:
    """Write `song` as song.json to `path` atomically; returns the path."""
    return atomic_write_text(path, dumps_song(song))


# ----------------------------------------------------------------------------- dict -> Song
class _Reader:
    """Typed field access that raises one-line SongFormatErrors naming `source` and the field path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> SongFormatError:
        return SongFormatError(f"{self.source}: {path} {problem}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"must be an object, got {_kind(value)}")
        return value

    def arr(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list, got {_kind(value)}")
        return value

    def get(self, d: dict[str, Any], key: str, path: str, default: Any = _MISSING) -> Any:
        full = f"{path}.{key}" if path else key
        if key not in d:
            if default is _MISSING:
                raise self.fail(full, "is missing")
            return default
        return d[key]

    def int_(self, d: dict, key: str, path: str, lo: int | None = None, hi: int | None = None,
             default: Any = _MISSING, optional: bool = False) -> int | None:
        v = self.get(d, key, path, default)
        full = f"{path}.{key}" if path else key
        if v is None and optional:
            return None
        return self._check_int(v, full, lo, hi)

    def _check_int(self, v: Any, full: str, lo: int | None, hi: int | None) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(full, f"must be an integer, got {_kind(v)}")
        if lo is not None and v < lo:
            raise self.fail(full, f"must be >= {lo}, got {v}")
        if hi is not None and v > hi:
            raise self.fail(full, f"must be <= {hi}, got {v}")
        return v

    def num(self, d: dict, key: str, path: str, default: Any = _MISSING) -> float:
        v = self.get(d, key, path, default)
        full = f"{path}.{key}" if path else key
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.fail(full, f"must be a finite number, got {_kind(v)}")
        return v

    def str_(self, d: dict, key: str, path: str, default: Any = _MISSING) -> str:
        v = self.get(d, key, path, default)
        if not isinstance(v, str):
            raise self.fail(f"{path}.{key}" if path else key, f"must be a string, got {_kind(v)}")
        return v

    def bool_(self, d: dict, key: str, path: str, default: Any = _MISSING) -> bool:
        v = self.get(d, key, path, default)
        if not isinstance(v, bool):
            raise self.fail(f"{path}.{key}" if path else key, f"must be true or false, got {_kind(v)}")
        return v

    def int_list(self, d: dict, key: str, path: str, lo: int | None = None) -> list[int]:
        full = f"{path}.{key}"
        return [self._check_int(v, f"{full}[{i}]", lo, None)
                for i, v in enumerate(self.arr(self.get(d, key, path, []), full))]

    def known(self, d: dict, path: str, fields: tuple[str, ...]) -> None:
        for k in d:
            if k not in fields:
                raise self.fail(f"{path}.{k}" if path else k,
                                f"is not a known field (expected: {', '.join(fields)})")


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return repr(v) if len(v) <= 20 else "a string"
    return {dict: "an object", list: "a list"}.get(type(v), type(v).__name__)


_PLAN_FIELDS = ("title", "mood", "key", "mode", "tempo", "meter", "form", "sections", "style", "groove",
                "instruments", "drums", "attributes", "vocal_range")
_SECPLAN_FIELDS = ("type", "bars", "syllables", "rhyme", "phrase_bars", "phrase_notes", "chords", "repeat_of")
_TOP_FIELDS = ("format", "version", "ppq", "plan", "sections", "vocal", "chords", "tracks", "metrics", "meta",
               "history")
_HISTORY_FIELDS = ("target", "what", "seed", "time")


def _history(r: _Reader, value: Any) -> list[dict[str, Any]]:
    """The edit history (`musegen edit`); absent in songs never edited, which load with an empty one."""
    out = []
    for i, h in enumerate(r.arr(value, "history")):
        path = f"history[{i}]"
        h = r.obj(h, path)
        r.known(h, path, _HISTORY_FIELDS)
        out.append({"target": r.str_(h, "target", path), "what": r.str_(h, "what", path),
                    "seed": r.int_(h, "seed", path, default=None, optional=True),
                    "time": r.str_(h, "time", path)})
    return out


def _section_type(r: _Reader, d: dict, path: str) -> str:
    t = r.str_(d, "type", path)
    if t not in SECTION_TYPES:
        raise r.fail(f"{path}.type", f"{t!r} is not a section type (one of {', '.join(SECTION_TYPES)})")
    return t


def _repeat_of(r: _Reader, d: dict, path: str, index: int, sections: list) -> int | None:
    rep = r.int_(d, "repeat_of", path, lo=0, default=None, optional=True)
    if rep is not None and rep >= index:
        raise r.fail(f"{path}.repeat_of", f"must name an earlier section (< {index}), got {rep}")
    if rep is not None and sections[rep].type != sections[index].type:
        raise r.fail(f"{path}.repeat_of", f"points at a {sections[rep].type}, not a {sections[index].type}")
    return rep


def _chord_symbol(r: _Reader, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise r.fail(path, f"must be a chord symbol string, got {_kind(value)}")
    try:
        Chord.parse(value)
    except InputError as exc:
        raise r.fail(path, f"is not a chord symbol: {exc}") from None
    return value


def _plan_from_dict(r: _Reader, value: Any) -> SongPlan:
    d = r.obj(value, "plan")
    r.known(d, "plan", _PLAN_FIELDS)
    key, mode = r.str_(d, "key", "plan"), r.str_(d, "mode", "plan")
    if mode not in ("major", "minor"):
        raise r.fail("plan.mode", f"must be 'major' or 'minor', got {mode!r}")
    try:
        check_key(key, mode, "")
    except InputError:
        raise r.fail("plan.key", f"{key!r} is not a key name (a tonic A–G with optional # or b, e.g. 'F#')") \
            from None
    tempo = r.num(d, "tempo", "plan")
    if not tempo > 0:
        raise r.fail("plan.tempo", "must be > 0")
    if tempo > 1000:
        raise r.fail("plan.tempo", f"must be <= 1000 BPM, got {tempo}")
    try:
        meter = parse_meter(r.get(d, "meter", "plan"), "")
    except InputError as exc:
        raise r.fail("plan.meter", str(exc).strip()) from None
    sections: list[SectionPlan] = []
    for i, s in enumerate(r.arr(r.get(d, "sections", "plan"), "plan.sections")):
        path = f"plan.sections[{i}]"
        s = r.obj(s, path)
        r.known(s, path, _SECPLAN_FIELDS)
        sp = SectionPlan(
            type=_section_type(r, s, path),
            bars=r.int_(s, "bars", path, lo=1),
            syllables=r.int_list(s, "syllables", path, lo=1),
            rhyme=r.str_(s, "rhyme", path, ""),
            phrase_bars=r.int_list(s, "phrase_bars", path, lo=1),
            phrase_notes=r.int_list(s, "phrase_notes", path, lo=1),
            chords=[_chord_symbol(r, c, f"{path}.chords[{j}]")
                    for j, c in enumerate(r.arr(r.get(s, "chords", path, []), f"{path}.chords"))],
        )
        sections.append(sp)
        sp.repeat_of = _repeat_of(r, s, path, i, sections)
    form = r.get(d, "form", "plan", None)
    if form is not None and form != [s.type for s in sections]:
        raise r.fail("plan.form", f"{form} disagrees with plan.sections types {[s.type for s in sections]}")
    instruments = r.obj(r.get(d, "instruments", "plan", {}), "plan.instruments")
    for name, prog in instruments.items():
        r._check_int(prog, f"plan.instruments.{name}", 0, 127)
    attributes = r.obj(r.get(d, "attributes", "plan", {}), "plan.attributes")
    for name in attributes:
        r.num(attributes, name, "plan.attributes")
    vr = r.arr(r.get(d, "vocal_range", "plan", [57, 76]), "plan.vocal_range")
    if len(vr) != 2:
        raise r.fail("plan.vocal_range", f"must be [lowest, highest], got {len(vr)} items")
    lo = r._check_int(vr[0], "plan.vocal_range[0]", 0, 127)
    hi = r._check_int(vr[1], "plan.vocal_range[1]", lo, 127)
    return SongPlan(
        title=r.str_(d, "title", "plan"),
        mood=r.str_(d, "mood", "plan", ""),
        key=key,
        mode=mode,
        tempo=tempo,
        meter=meter,
        sections=sections,
        style=r.str_(d, "style", "plan", "pop"),
        groove=r.str_(d, "groove", "plan", "straight"),
        instruments=dict(instruments),
        drums=r.bool_(d, "drums", "plan", True),
        attributes=dict(attributes),
        vocal_range=(lo, hi),
    )


def _syllable(r: _Reader, value: Any, path: str) -> Syllable:
    d = r.obj(value, path)
    r.known(d, path, ("text", "stress", "word_start", "word_end"))
    return Syllable(
        text=r.str_(d, "text", path),
        stress=r.int_(d, "stress", path, lo=0, hi=2),
        word_start=r.bool_(d, "word_start", path),
        word_end=r.bool_(d, "word_end", path),
    )


def _sections(r: _Reader, value: Any, ticks_per_bar: int) -> list[Section]:
    out: list[Section] = []
    expected_start = 0
    for i, s in enumerate(r.arr(value, "sections")):
        path = f"sections[{i}]"
        s = r.obj(s, path)
        r.known(s, path, ("type", "bars", "start", "repeat_of", "lines"))
        lines = []
        for j, ln in enumerate(r.arr(r.get(s, "lines", path, []), f"{path}.lines")):
            lp = f"{path}.lines[{j}]"
            ln = r.obj(ln, lp)
            r.known(ln, lp, ("text", "syllables"))
            syls = [_syllable(r, y, f"{lp}.syllables[{k}]")
                    for k, y in enumerate(r.arr(r.get(ln, "syllables", lp), f"{lp}.syllables"))]
            lines.append(LyricLine(text=r.str_(ln, "text", lp), syllables=syls))
        sec = Section(type=_section_type(r, s, path), bars=r.int_(s, "bars", path, lo=1),
                      start=r.int_(s, "start", path, lo=0), lines=lines)
        if sec.start != expected_start:
            raise r.fail(f"{path}.start", f"must be {expected_start} (the end of the previous section), "
                                          f"got {sec.start}")
        expected_start += sec.bars * ticks_per_bar
        out.append(sec)
        sec.repeat_of = _repeat_of(r, s, path, i, out)
    if not out:
        raise r.fail("sections", "is empty; a song needs at least one section")
    return out


def _note_fields(r: _Reader, d: dict, path: str, length: int) -> tuple[int, int, int, int]:
    onset = r.int_(d, "onset", path, lo=0)
    duration = r.int_(d, "duration", path, lo=1)
    if onset + duration > length:
        raise r.fail(f"{path}.onset", f"+ duration ends at tick {onset + duration}, "
                                      f"after the song end {length}")
    return onset, duration, r.int_(d, "pitch", path, 0, 127), r.int_(d, "velocity", path, 1, 127)


def song_from_dict(d: Any, *, source: str = "song.json") -> Song:
    """Rebuild a Song from `song_to_dict` output, checking every field.

    Raises SongFormatError (one line: "<source>: <field> <problem>") on a malformed or wrong-version dict.
    """
    r = _Reader(source)
    d = r.obj(d, "the top level")
    fmt = d.get("format", FORMAT_NAME)
    if fmt != FORMAT_NAME:
        raise r.fail("format", f"must be {FORMAT_NAME!r}, got {_kind(fmt)}; is this a musegen song.json?")
    version = r.get(d, "version", "")
    if isinstance(version, bool) or not isinstance(version, int):
        raise r.fail("version", f"must be an integer, got {_kind(version)}")
    if version > SCHEMA_VERSION:
        raise r.fail("version", f"{version} is newer than this musegen reads ({SCHEMA_VERSION}); "
                                "upgrade musegen")
    if version != SCHEMA_VERSION:
        raise r.fail("version", f"{version} is not supported (this musegen reads version {SCHEMA_VERSION})")
    r.known(d, "", _TOP_FIELDS)
    ppq = r.int_(d, "ppq", "", lo=24, hi=9600)
    plan = _plan_from_dict(r, r.get(d, "plan", ""))
    bar = ppq * 4 * plan.meter[0] // plan.meter[1]
    sections = _sections(r, r.get(d, "sections", ""), bar)
    length = sum(s.bars for s in sections) * bar
    n_syl = sum(len(line.syllables) for s in sections for line in s.lines)

    vocal: list[VocalNote] = []
    prev_end = 0
    for i, v in enumerate(r.arr(r.get(d, "vocal", "", []), "vocal")):
        path = f"vocal[{i}]"
        v = r.obj(v, path)
        r.known(v, path, ("onset", "duration", "pitch", "velocity", "syllable", "melisma"))
        onset, duration, pitch, velocity = _note_fields(r, v, path, length)
        if onset < prev_end:
            raise r.fail(f"{path}.onset", f"{onset} overlaps the previous vocal note (ends at {prev_end}); "
                                          "the vocal line is monophonic and in time order")
        prev_end = onset + duration
        syl = r.int_(v, "syllable", path, lo=0, hi=n_syl - 1 if n_syl else -1, default=None, optional=True)
        melisma = r.bool_(v, "melisma", path, False)
        if melisma and (not vocal or syl is None or vocal[-1].syllable != syl):
            raise r.fail(f"{path}.melisma", "is true but the previous note does not carry the same syllable")
        vocal.append(VocalNote(onset, duration, pitch, velocity, syllable=syl, melisma=melisma))

    chords: list[ChordEvent] = []
    for i, c in enumerate(r.arr(r.get(d, "chords", "", []), "chords")):
        path = f"chords[{i}]"
        c = r.obj(c, path)
        r.known(c, path, ("onset", "duration", "symbol"))
        onset, duration = r.int_(c, "onset", path, lo=0), r.int_(c, "duration", path, lo=1)
        symbol = _chord_symbol(r, r.get(c, "symbol", path), f"{path}.symbol")
        chords.append(ChordEvent(onset, duration, symbol))

    tracks: list[Track] = []
    for i, t in enumerate(r.arr(r.get(d, "tracks", "", []), "tracks")):
        path = f"tracks[{i}]"
        t = r.obj(t, path)
        r.known(t, path, ("name", "program", "channel", "notes"))
        notes = []
        for j, row in enumerate(r.arr(r.get(t, "notes", path), f"{path}.notes")):
            npath = f"{path}.notes[{j}]"
            if not isinstance(row, list) or len(row) != 4:
                raise r.fail(npath, "must be [onset, duration, pitch, velocity]")
            notes.append(Note(*_note_fields(r, dict(zip(("onset", "duration", "pitch", "velocity"), row,
                                                        strict=True)), npath, length)))
        name = r.str_(t, "name", path)
        if not name.strip() or name == "Vocal":
            raise r.fail(f"{path}.name", f"{name!r} is not allowed (empty, or the reserved vocal track name)")
        tracks.append(Track(name=name, program=r.int_(t, "program", path, 0, 127),
                            channel=r.int_(t, "channel", path, 0, 15), notes=notes))

    metrics = r.obj(r.get(d, "metrics", "", {}), "metrics")
    for k in metrics:
        r.num(metrics, k, "metrics")
    meta = r.obj(r.get(d, "meta", "", {}), "meta")
    return Song(plan=plan, sections=sections, vocal=vocal, chords=chords, tracks=tracks,
                metrics=dict(metrics), meta=dict(meta), ppq=ppq, version=version,
                history=_history(r, r.get(d, "history", "", [])))


def loads_song(text: str, *, source: str = "song.json") -> Song:
    """Parse song.json text; malformed JSON is a one-line SongFormatError naming `source`."""
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SongFormatError(f"{source}: not valid JSON ({exc.msg} at {where})") from None
    return song_from_dict(d, source=source)


def load_song(path: str | os.PathLike) -> Song:
    """Read a song.json; a missing, unreadable or malformed file raises a one-line MusegenError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such song file; pass the path of a song.json")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SongFormatError(f"{path}: cannot be read as UTF-8 text ({exc.__class__.__name__})") from None
    return loads_song(text, source=str(path))
