"""Groove patterns (`grooves.json`): drums, bass and comping per groove, verse and chorus versions, fills.

A pattern string has one character per grid step; the steps divide the bar evenly. See the file's "about"
for the alphabet. A groove written for another meter than the song's is replaced by a generic one for the
song's meter (`fallback_groove`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

DRUM_KEYS = {"K": 36, "D": 35, "S": 38, "s": 37, "C": 39, "h": 42, "p": 44, "o": 46, "r": 51, "c": 49,
             "T": 43, "t": 45, "m": 47, "H": 50, "k": 70, "w": 54, "g": 56, "l": 75}
HIT_VELOCITY = {"X": 112, "x": 92, "g": 46}
CYMBALS = ("h", "o", "r", "k", "w")  # time-keeping lines a verse plays closed and a chorus opens up


@dataclass(frozen=True)
class Hit:
    """A drum hit: grid position as a fraction of the bar, GM drum key, velocity."""

    at: float
    key: int
    velocity: int


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return json.loads(resources.files("musegen.conductor").joinpath("grooves.json").read_text("utf-8"))


def groove_names() -> tuple[str, ...]:
    """Every groove the arranger plays (a name with "@" is a groove's version for another meter)."""
    return tuple(_table()["grooves"])


def groove(name: str) -> dict[str, Any]:
    """A groove's definition (`grooves.json`)."""
    return _table()["grooves"][name]


def fill_names() -> tuple[str, ...]:
    """The fill templates."""
    return tuple(_table()["fills"])


def fallback_groove(name: str, meter: tuple[int, int]) -> str | None:
    """`name` when it is written for `meter`; else a groove that is (None: no pattern for this meter)."""
    names = groove_names()
    for n in (name, f"{name}@{meter[0]}/{meter[1]}"):
        if n in names and tuple(groove(n)["meter"]) == tuple(meter):
            return n
    for alt in {(3, 4): ("waltz",), (2, 4): ("march", "bluegrass"), (6, 8): ("shanty",)}.get(tuple(meter),
                                                                                            ("straight",)):
        if tuple(groove(alt)["meter"]) == tuple(meter):
            return alt
    return None


def drum_lines(name: str, kind: str) -> dict[str, str]:
    """The drum pattern lines (key letter → pattern) a section of `kind` plays in groove `name`."""
    g = groove(name)
    lines = dict(g["drums"])
    big = kind in ("chorus",)
    if big:
        lines.update(g.get("chorus", {}))
        lift = g.get("lift")
        if lift and lift != "c":  # the chorus opens the hats up (or moves to the ride, tambourine …)
            cym = next((k for k in CYMBALS if k in lines and k != lift and "x" in lines[k].lower()), None)
            if cym is not None and lift not in lines:
                lines[lift] = lines.pop(cym)
        return lines
    lines.update(g.get("verse", {}))
    steps = len(next(iter(lines.values())))
    beat = steps // _beats(g["meter"])
    for k in list(lines):
        pat = lines[k]
        if k in ("K", "D"):  # kicks stay on the beats and off-beat eighths only
            half = max(1, beat // 2)
            pat = "".join(c if i % half == 0 else "." for i, c in enumerate(pat))
        pat = pat.replace("g", ".")  # no ghost notes
        if k == "o":  # open hats close
            lines.setdefault("h", "." * steps)
            closed = lines["h"]
            lines["h"] = "".join("x" if a + b != ".." else "." for a, b in zip(closed, pat, strict=True))
            del lines[k]
            continue
        lines[k] = pat
    return lines


def hits(lines: dict[str, str]) -> list[Hit]:
    """Drum lines → hits."""
    out = []
    for k, pat in lines.items():
        for i, c in enumerate(pat):
            if c in HIT_VELOCITY:
                out.append(Hit(i / len(pat), DRUM_KEYS[k], HIT_VELOCITY[c]))
    return out


def fill_hits(name: str, beats: int, steps_per_beat: int = 4) -> list[Hit]:
    """A fill template stretched over the last `beats` beats of a bar (positions from 0 = fill start)."""
    tpl = _table()["fills"][name]
    out = []
    for b in range(beats):
        for k, pat in tpl.items():
            for i, c in enumerate(pat):
                if c in HIT_VELOCITY:
                    at = (b + i / len(pat) * 4 / steps_per_beat) / beats
                    vel = 70 + round(40 * (b * len(pat) + i) / (beats * len(pat)))  # crescendo
                    out.append(Hit(at, DRUM_KEYS[k], vel))
    return out


def line_events(pattern: str) -> list[tuple[int, int, str]]:
    """A bass or comping line → (step, length in steps, symbol); '-' holds, '.' rests."""
    out: list[tuple[int, int, str]] = []
    for i, c in enumerate(pattern):
        if c == "-" and out and out[-1][0] + out[-1][1] == i:
            s, n, sym = out[-1]
            out[-1] = (s, n + 1, sym)
        elif c not in ".-":
            out.append((i, 1, c))
    return out


def _beats(meter: list[int] | tuple[int, int]) -> int:
    num, den = meter
    return num // 3 if den == 8 and num % 3 == 0 else num
