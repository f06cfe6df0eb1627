"""Instruments named in a prompt (or `--instruments`) → the parts and General MIDI programs of a song.

Words are looked up in `instruments.json` (longest phrase first, so "acoustic guitar" beats "guitar").
"no drums", "without strings", "drumless" remove a part; "piano only", "just guitar" keep only what is
named; "acoustic"/"unplugged" swap electric and synth sounds for acoustic ones. An instrument GM lacks gets
its nearest program and a warning naming it; a request and its negation ("no drums … heavy drums") get a
warning naming what was chosen (the negation wins).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from musegen.errors import InputError

ROLES = ("Chords", "Bass", "Pad", "Drums")
MAX_PHRASE = 3  # words in the longest lexicon phrase
# GM programs that are electric or synthetic, and their acoustic stand-ins per part
ELECTRIC = set(range(2, 6)) | set(range(16, 19)) | set(range(26, 32)) | set(range(33, 40)) | \
    set(range(50, 52)) | {54, 55} | set(range(62, 64)) | set(range(80, 104))
ACOUSTIC = {"Chords": 25, "Bass": 32, "Pad": 48}
_TOKEN = re.compile(r"[a-z0-9áéíóúñç]+(?:[-'][a-z0-9áéíóúñç]+)*")


@dataclass
class Named:
    """One instrument the text asks for."""

    word: str
    program: int | None  # None for the drum kit
    role: str
    substitute: str | None = None


@dataclass
class Request:
    """What a text says about instruments."""

    named: list[Named] = field(default_factory=list)
    removed: list[Named] = field(default_factory=list)  # "no drums", "without strings"
    only: bool = False
    acoustic: bool = False
    warnings: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """The parsed `instruments.json`."""
    return json.loads(resources.files("musegen.plan").joinpath("instruments.json").read_text("utf-8"))


def instrument_words() -> list[str]:
    """Every instrument word and phrase understood, sorted."""
    return sorted(lexicon()["instruments"])


def read_instruments(text: str) -> Request:
    """Instruments named, removed, "only" and "acoustic" in free text."""
    lex = lexicon()
    table, mods = lex["instruments"], lex["modifiers"]
    tokens = _TOKEN.findall(text.lower())
    req = Request()
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in table:
                hit = (phrase, n)
                break
        word = tokens[i]
        negated_word = None
        if hit is None:  # "drumless", "drum-free", "guitar-less"
            stem = re.sub(r"-?(less|free)$", "", word)
            if stem != word and (stem in table or stem + "s" in table):
                negated_word = stem if stem in table else stem + "s"
        if hit is None and negated_word is None:
            if word in mods["acoustic"] and (i + 1 >= len(tokens) or
                                              not any(" ".join(tokens[i:i + n]) in table
                                                      for n in range(2, MAX_PHRASE + 1))):
                req.acoustic = True
            i += 1
            continue
        phrase, n = hit if hit is not None else (negated_word, 1)
        e = table[phrase]
        item = Named(phrase, e["program"], e["role"], e.get("substitute"))
        before = tokens[max(0, i - 2):i]
        after = tokens[i + n:i + n + 1]
        negated = negated_word is not None or any(t in mods["negate"] for t in before)
        if negated:
            req.removed.append(item)
        else:
            req.named.append(item)
            window = before + after + tokens[i + n:i + n + 2]
            if any(t in mods["only"] for t in window) or " ".join(before) == "nothing but":
                req.only = True
        i += n
    return req


def parse_instrument_list(text: str) -> Request:
    """`--instruments "piano, upright bass, no drums"`: every item must be an instrument word."""
    items = [t.strip() for t in re.split(r"[,;+/]|\band\b", text) if t.strip()]
    if not items:
        raise InputError("--instruments: give a comma list, e.g. 'piano, upright bass, strings, no drums'")
    req = Request(only=True)
    for item in items:
        r = read_instruments(item)
        if not r.named and not r.removed:
            near = [w for w in instrument_words() if w[:3] == item.lower()[:3]][:5]
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise InputError(f"--instruments {item!r}: not an instrument musegen knows{hint}; "
                             "see `musegen generate --help` for the words")
        req.named += r.named
        req.removed += r.removed
        req.acoustic = req.acoustic or r.acoustic
    return req


def apply_request(parts: dict[str, int], drums: bool, req: Request,
                  genre: str) -> tuple[dict[str, int], bool, list[str]]:
    """The genre's parts (role → program) and drums, with the request applied; plus warnings."""
    out = dict(parts)
    warnings: list[str] = []
    removed_programs = {r.program for r in req.removed if r.program is not None}
    for r in req.named:
        clash = next((x for x in req.removed if _same(x, r)), None)
        if clash is not None:
            warnings.append(f"the prompt asks for both '{r.word}' and 'no {clash.word}': "
                            f"chose no {clash.word}")
    named = [r for r in req.named if not any(_same(x, r) for x in req.removed)]
    if req.only:
        out = {k: v for k, v in out.items() if k == "Vocal"}
        drums = False
    taken: set[str] = set()
    for r in named:
        if r.substitute:
            warnings.append(f"{r.substitute}.")
        if r.role == "Drums":
            drums = True
            continue
        role = r.role
        if role in taken:  # a second comping or pad instrument takes the other harmony part
            other = "Pad" if role == "Chords" else "Chords"
            if other in taken:
                warnings.append(f"'{r.word}': no part left for it (chords, bass and pad are taken); left out")
                continue
            role = other
        out[role] = int(r.program)
        taken.add(role)
    for r in req.removed:
        if r.role == "Drums":
            drums = False
            continue
        for role in ("Chords", "Bass", "Pad"):
            family = r.program is not None and role in out and out[role] // 8 == r.program // 8
            if role in out and role not in taken and (out[role] in removed_programs or family):
                del out[role]
    if "Chords" not in out and "Pad" in out and not req.only:
        out["Chords"] = out.pop("Pad")  # the pad instrument comps when the comping one was removed
    if req.acoustic:
        swapped = [role for role, p in out.items()
                   if role in ACOUSTIC and role not in taken and p in ELECTRIC]
        for role in swapped:
            out[role] = ACOUSTIC[role]
        if swapped:
            warnings.append(f"acoustic {genre}: acoustic sounds replace the electric/synth "
                            f"{', '.join(s.lower() for s in swapped)}; the {genre} groove is kept")
    return out, drums, warnings


def _same(a: Named, b: Named) -> bool:
    """Whether two mentions are the same instrument (any two drum words are)."""
    return a.role == b.role and (a.program == b.program or a.role == "Drums")
