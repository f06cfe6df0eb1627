"""What an edit touches: `--line "verse 2:3"`, `--section chorus` / `--section 4`, `--bars 9-12`.

A target resolves to lyric lines, section by section (`Target.lines`). A repeated chorus is one group:
its first appearance and every section that repeats it change together, unless `only_this`. A target
that does not exist raises InputError listing what the song has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from musegen.errors import InputError
from musegen.render.common import section_ordinals
from musegen.types import SECTION_TYPES, Song

_REF_RE = re.compile(r"^\s*(?P<type>[a-z][a-z-]*?)\s*(?P<n>\d+)?\s*$")
_BARS_RE = re.compile(r"^\s*(?P<a>\d+)\s*(?:-\s*(?P<b>\d+)\s*)?$")


@dataclass
class Target:
    """A resolved edit target: which lines of which sections change."""

    kind: str  # "line" | "section" | "bars"
    spec: str  # as given, e.g. "verse 2:3"
    lines: dict[int, list[int]] = field(default_factory=dict)  # section index -> its line indices
    primary: list[int] = field(default_factory=list)  # sections written anew; the others copy them
    copies: dict[int, int] = field(default_factory=dict)  # repeating section -> the primary it copies
    detached: list[int] = field(default_factory=list)  # sections whose repeat link (`repeat_of`) is cut

    @property
    def label(self) -> str:
        """How the history records it, e.g. "line verse 2:3"."""
        return f"{self.kind} {self.spec}"

    @property
    def sections(self) -> list[int]:
        """Indices of every section this edit changes."""
        return sorted(self.lines)


def section_names(song: Song) -> list[str]:
    """Target names of the sections: the type, numbered when it occurs more than once ("verse 2")."""
    return [f"{kind} {nth}" if count > 1 else kind for kind, nth, count in section_ordinals(song)]


def describe(song: Song) -> str:
    """What exists, for error messages: "1 intro, 2 verse 1 (4 lines, bars 3-10), …"."""
    bar = song.plan.bar_ticks
    names = section_names(song)
    parts = []
    for i, (name, s) in enumerate(zip(names, song.sections, strict=True)):
        first = s.start // bar + 1
        bars = f"bars {first}-{first + s.bars - 1}"
        lines = f"{len(s.lines)} lines, " if s.lines else "instrumental, "
        rep = f", repeats {names[s.repeat_of]}" if s.repeat_of is not None else ""
        parts.append(f"{i + 1} {name} ({lines}{bars}{rep})")
    return ", ".join(parts)


def find_section(song: Song, ref: str, what: str = "--section", shown: str | None = None) -> int:
    """Index of the section `ref` names: a number (1 = first section), "chorus", "verse 2".

    Errors quote `shown` (the whole argument, e.g. "verse 9:1") after `what`.
    """
    text = ref.strip().lower()
    arg = f"{what} {ref if shown is None else shown!r}"
    if text.isdigit():
        k = int(text) - 1
        if 0 <= k < len(song.sections):
            return k
        raise InputError(f"{arg}: no section {text}; the song has {describe(song)}")
    m = _REF_RE.match(text)
    if m is None or m.group("type") not in SECTION_TYPES:
        raise InputError(f"{arg}: name a section like \"chorus\", \"verse 2\" or its number; "
                         f"the song has {describe(song)}")
    kind, n = m.group("type"), int(m.group("n") or 1)
    of_kind = [i for i, s in enumerate(song.sections) if s.type == kind]
    if not 1 <= n <= len(of_kind):
        raise InputError(f"{arg}: the song has {len(of_kind)} {kind} section(s): {describe(song)}")
    return of_kind[n - 1]


def _root(song: Song, k: int) -> int:
    while song.sections[k].repeat_of is not None:
        k = song.sections[k].repeat_of
    return k


def _group(song: Song, k: int) -> list[int]:
    """The sections sharing section k's words and music (k's repeat group), in order."""
    r = _root(song, k)
    shape = [len(x.syllables) for x in song.sections[k].lines]
    return [j for j in range(len(song.sections))
            if _root(song, j) == r and [len(x.syllables) for x in song.sections[j].lines] == shape]


def _expand(song: Song, target: Target, picked: dict[int, list[int]], only_this: bool) -> Target:
    """Spread picked lines over their repeat groups (or, with `only_this`, cut them out of the group)."""
    merged: dict[int, set[int]] = {}
    for k, lines in picked.items():
        lead = k if only_this else _group(song, k)[0]
        merged.setdefault(lead, set()).update(lines)
    for lead, lines in sorted(merged.items()):
        group = [lead] if only_this else _group(song, lead)
        target.primary.append(lead)
        for j in group:
            target.lines[j] = sorted(lines)
            if j != lead:
                target.copies[j] = lead
        if only_this:  # it no longer repeats, and nothing repeats it
            full = _group(song, lead)
            if song.sections[lead].repeat_of is not None:
                target.detached.append(lead)
            elif len(full) > 1:
                target.detached += [j for j in full if j != lead and j not in merged]
    target.detached = sorted(set(target.detached))
    return target


def _sung(song: Song, k: int, what: str, spec: str) -> None:
    if not song.sections[k].lines:
        names = section_names(song)
        sung = [f"{i + 1} {n}" for i, (n, s) in enumerate(zip(names, song.sections, strict=True)) if s.lines]
        raise InputError(f"{what} {spec!r}: section {k + 1} ({section_names(song)[k]}) has no lyrics; "
                         f"sections with lines: {', '.join(sung) or 'none'}")


def line_target(song: Song, spec: str, only_this: bool = False) -> Target:
    """`--line "verse 2:3"` (section reference, colon, 1-based line number)."""
    ref, sep, num = spec.rpartition(":")
    if not sep or not num.strip().isdigit() or not ref.strip():
        raise InputError(f"--line {spec!r}: write SECTION:LINE, e.g. \"verse 2:3\" or \"chorus:1\"; "
                         f"the song has {describe(song)}")
    k = find_section(song, ref, "--line", spec)
    _sung(song, k, "--line", spec)
    i = int(num) - 1
    n = len(song.sections[k].lines)
    if not 0 <= i < n:
        raise InputError(f"--line {spec!r}: {section_names(song)[k]} has lines 1-{n}")
    return _expand(song, Target("line", spec.strip()), {k: [i]}, only_this)


def section_target(song: Song, spec: str, only_this: bool = False) -> Target:
    """`--section chorus` / `--section 4`: every line of one section."""
    k = find_section(song, spec)
    _sung(song, k, "--section", spec)
    return _expand(song, Target("section", spec.strip()), {k: list(range(len(song.sections[k].lines)))},
                   only_this)


def bars_target(song: Song, spec: str, only_this: bool = False) -> Target:
    """`--bars 9-12` (1-based, inclusive): every lyric line with a note starting in those bars."""
    m = _BARS_RE.match(spec)
    total = sum(s.bars for s in song.sections)
    if m is None:
        raise InputError(f"--bars {spec!r}: write FIRST-LAST, e.g. 9-12 (the song has bars 1-{total})")
    a, b = int(m.group("a")), int(m.group("b") or m.group("a"))
    if not 1 <= a <= b <= total:
        raise InputError(f"--bars {spec!r}: the song has bars 1-{total}; sections: {describe(song)}")
    bar = song.plan.bar_ticks
    lo, hi = (a - 1) * bar, b * bar
    where = song.syllable_lines()
    picked: dict[int, list[int]] = {}
    for n in song.vocal:
        if n.syllable is not None and lo <= n.onset < hi:
            k, i, _ = where[n.syllable]
            picked.setdefault(k, []).append(i)
    if not picked:
        raise InputError(f"--bars {spec!r}: no lyric line is sung there; sections: {describe(song)}")
    return _expand(song, Target("bars", f"{a}-{b}"), picked, only_this)


def resolve(song: Song, *, line: str | None = None, section: str | None = None, bars: str | None = None,
            only_this: bool = False) -> Target:
    """The one target given (exactly one of `line`, `section`, `bars`)."""
    given = [(n, v) for n, v in (("--line", line), ("--section", section), ("--bars", bars)) if v is not None]
    if len(given) != 1:
        raise InputError("give exactly one target: --line \"verse 2:3\", --section chorus or --bars 9-12"
                         + (f" (got {', '.join(n for n, _ in given)})" if given else ""))
    if line is not None:
        return line_target(song, line, only_this)
    if section is not None:
        return section_target(song, section, only_this)
    return bars_target(song, bars or "", only_this)

