"""Song form: which sections, how many bars, phrase lengths, syllables per line and rhyme schemes.

Bars are chosen so the song lasts about three minutes at the planned tempo (2½–3½ min), preferring forms
with fewer distinct lyric lines (every distinct line costs language-model time).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from musegen.errors import InputError
from musegen.types import SECTION_TYPES, SectionPlan

FORMS: dict[str, tuple[str, ...]] = {
    "short": ("intro", "verse", "chorus", "verse", "chorus", "outro"),
    "standard": ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"),
    "pre-chorus": ("intro", "verse", "pre-chorus", "chorus", "verse", "pre-chorus", "chorus", "bridge",
                   "chorus", "outro"),
    "double-chorus": ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "chorus", "outro"),
    "no-bridge": ("intro", "verse", "chorus", "verse", "chorus", "chorus", "outro"),
}
SECTION_ALIASES = {"i": "intro", "v": "verse", "p": "pre-chorus", "prechorus": "pre-chorus", "c": "chorus",
                   "b": "bridge", "o": "outro"}
TARGET_SECONDS = (170.0, 190.0)  # a default song aims here ...
LIMIT_SECONDS = (150.0, 210.0)  # ... and stays inside this range whenever the form allows
OUTSIDE_PENALTY = 1000.0
LONG_PHRASE_SECONDS = 9.5  # a chorus/bridge line may last up to this long
# Each distinct lyric line costs the language model a few seconds on a CPU: beyond this many, every extra
# line counts like LINE_PENALTY seconds of distance from the target length.
MAX_DISTINCT_LINES = 12
LINE_PENALTY = 4.0
PHRASE_SECONDS = 6.0  # a sung line (phrase) lasts about this long
RHYMES = {"verse": ("ABAB", "AABB", "ABCB"), "chorus": ("AABB", "ABAB"), "pre-chorus": ("AABB",),
          "bridge": ("AABB", "ABAB")}
SECTION_DENSITY = {"verse": 1.0, "pre-chorus": 0.95, "chorus": 0.85, "bridge": 0.9}
MIN_SYLLABLES, MAX_SYLLABLES = 4, 12
# The most sung syllables per second of line time (a verse at energy 0.5 and REF_TEMPO). A slow line sings
# about one syllable per quarter note; a fast one is capped in seconds, because real melodies sing at nearly
# the same rate whatever the tempo: POP909's melodies (773 songs, EVALUATION.md's notes per second over
# the sung span) 1.89 below 80 bpm, 1.91 at 80-100, 2.10 at 100-120 and 2.08 from 120 bpm, about +10 % for
# 1.8x the tempo (TEMPO_EXPONENT). Syllables per quarter alone put 12 syllables in a 4-bar line at 127 bpm:
# the untuned prompts' fast songs sang 2.6-3.6 notes/s (all 20: 1.91; real pop 1.66).
SYLLABLES_PER_SECOND = 1.4
REF_TEMPO = 90.0
TEMPO_EXPONENT = 0.15
MAX_INSTRUMENTAL_SECONDS = 20.0  # intro + outro longer than this counts against a layout


def parse_form(text: str) -> tuple[str, ...]:
    """A form name from `FORMS` or a comma list of section types ("intro,verse,chorus,...", or "i,v,c")."""
    t = text.strip().lower()
    if t in FORMS:
        return FORMS[t]
    parts = [SECTION_ALIASES.get(p.strip(), p.strip()) for p in t.split(",") if p.strip()]
    bad = [p for p in parts if p not in SECTION_TYPES]
    if not parts or bad:
        raise InputError(
            f"--form {text!r}: use one of {', '.join(FORMS)} or a comma list of {', '.join(SECTION_TYPES)}"
        )
    if all(p in ("intro", "outro") for p in parts):
        raise InputError(f"--form {text!r}: needs at least one sung section (verse, chorus, bridge …)")
    return tuple(parts)


def parse_bars(text: str | int | list[int], n_sections: int | None = None) -> int | list[int]:
    """`--bars`: one number (bars of every sung section) or a comma list, one per section of the form."""
    if isinstance(text, int):
        vals = [text]
    elif isinstance(text, list):
        vals = list(text)
    else:
        try:
            vals = [int(v) for v in str(text).split(",") if v.strip()]
        except ValueError:
            raise InputError(f"--bars {text!r}: expected a number or a comma list of numbers") from None
    if not vals or any(v < 1 or v > 64 for v in vals):
        raise InputError(f"--bars {text!r}: bar counts must be between 1 and 64")
    if len(vals) == 1:
        return vals[0]
    if n_sections is not None and len(vals) != n_sections:
        raise InputError(f"--bars {text!r}: gave {len(vals)} numbers for a form of {n_sections} sections")
    return vals


def phrase_bars_for(meter: tuple[int, int], tempo: float) -> int:
    """Bars per sung line: 2 or 4, whichever puts a line nearest `PHRASE_SECONDS`."""
    quarters = meter[0] * 4 / meter[1]
    return min((2, 4), key=lambda pb: (abs(pb * quarters * 60.0 / tempo - PHRASE_SECONDS), pb))


def section_phrase_bars(kind: str, bars: int, pb: int, meter: tuple[int, int], tempo: float,
                        fixed: bool = False) -> int:
    """Bars per line in one section: `pb`, but a long chorus or bridge sings longer lines when they fit."""
    long_s = 2 * pb * meter[0] * 4 / meter[1] * 60.0 / tempo
    if not fixed and kind in ("chorus", "bridge") and bars >= 16 and bars % (2 * pb) == 0 \
            and long_s <= LONG_PHRASE_SECONDS:
        return 2 * pb
    return pb


def choose_layout(forms: list[tuple[str, ...]], meter: tuple[int, int], tempo: float, pb: int,
                  rng: random.Random, fixed_pb: bool = False) -> tuple[tuple[str, ...], list[int]]:
    """Form (one of `forms`) and bars per section so the song is about three minutes, few distinct lines."""
    bar_s = meter[0] * 4 / meter[1] * 60.0 / tempo
    target = rng.uniform(*TARGET_SECONDS)
    choices = {"intro": (2, 4, 8), "outro": (2, 4, 8), "verse": (8, 16), "chorus": (8, 16),
               "bridge": (8, 16), "pre-chorus": (4, 8)}
    best: tuple[float, tuple[str, ...], list[int]] | None = None
    for form in forms:
        kinds = sorted(set(form))
        for combo in itertools.product(*(choices[k] for k in kinds)):
            per = dict(zip(kinds, combo, strict=True))
            if any(k not in ("intro", "outro") and (per[k] % pb or per[k] < pb) for k in kinds):
                continue
            bars = [per[t] for t in form]
            seconds = sum(bars) * bar_s
            distinct = _distinct_lines(form, bars, pb, meter, tempo, fixed_pb)
            bare = sum(b for t, b in zip(form, bars, strict=True) if t in ("intro", "outro")) * bar_s
            outside = not LIMIT_SECONDS[0] <= seconds <= LIMIT_SECONDS[1]
            score = (abs(seconds - target) + LINE_PENALTY * max(0, distinct - MAX_DISTINCT_LINES)
                     + OUTSIDE_PENALTY * outside
                     + max(0.0, bare - MAX_INSTRUMENTAL_SECONDS))
            if best is None or score < best[0]:
                best = (score, form, bars)
    if best is None:
        raise InputError(f"meter {meter[0]}/{meter[1]}: cannot lay out the form {','.join(forms[0])}")
    return best[1], best[2]


def _distinct_lines(form: tuple[str, ...], bars: list[int], pb: int, meter: tuple[int, int], tempo: float,
                    fixed_pb: bool) -> int:
    seen: set[str] = set()
    n = 0
    for t, b in zip(form, bars, strict=True):
        if t in ("intro", "outro") or (t in ("chorus", "pre-chorus") and t in seen):
            continue
        seen.add(t)
        n += b // section_phrase_bars(t, b, pb, meter, tempo, fixed_pb)
    return n


def rhyme_scheme(pattern: str, n_lines: int) -> str:
    """Repeat a 4-line pattern over `n_lines`, fresh letters for every stanza ("ABAB" → "ABABCDCD")."""
    out, letters = [], 0
    for start in range(0, n_lines, 4):
        chunk = n_lines - start
        pat = pattern if chunk >= 4 else ("AA" if chunk == 2 else "ABA"[:chunk] if chunk == 3 else "A")
        distinct = sorted(set(pat))
        out.extend(chr(ord("A") + letters + distinct.index(c)) for c in pat)
        letters += len(distinct)
    return "".join(out)


def syllables_per_second(kind: str, energy: float, tempo: float) -> float:
    """Planned sung syllables per second of a line: `SYLLABLES_PER_SECOND` by energy, section and tempo."""
    return (SYLLABLES_PER_SECOND * (0.7 + 0.6 * energy) * SECTION_DENSITY.get(kind, 1.0)
            * (tempo / REF_TEMPO) ** TEMPO_EXPONENT)


def sung_section(kind: str, bars: int, pb: int, meter: tuple[int, int], energy: float,
                 melisma_rate: float, rng: random.Random, *, tempo: float) -> SectionPlan:
    """Lines, syllables (from each line's seconds), rhyme and notes per phrase of one sung section."""
    n_lines = max(1, bars // pb)
    rhyme = rhyme_scheme(rng.choice(RHYMES.get(kind, ("AABB",))), n_lines)
    quarters = pb * meter[0] * 4 / meter[1]
    per_quarter = (0.8 + 0.35 * energy) * SECTION_DENSITY.get(kind, 1.0)  # a slow line: ~1 per quarter
    base = round(quarters * min(per_quarter, 60.0 / tempo * syllables_per_second(kind, energy, tempo)))
    deltas = {c: rng.choice((-1, 0, 0, 1)) for c in sorted(set(rhyme))}
    cap = min(MAX_SYLLABLES, int(quarters * 2) - 2)  # leave at least a quarter's breath at the line end
    syllables = [max(MIN_SYLLABLES, min(cap, base + deltas[c])) for c in rhyme]
    rate = melisma_rate * (1.0 if kind in ("chorus", "bridge") else 0.5)
    notes = [s + (1 if rng.random() < rate and s < cap else 0) for s in syllables]
    return SectionPlan(type=kind, bars=bars, syllables=syllables, rhyme=rhyme,
                       phrase_bars=[pb] * n_lines, phrase_notes=notes)


def link_repeats(sections: list[SectionPlan]) -> list[SectionPlan]:
    """Later choruses and pre-choruses repeat the first one of the same length (words and melody)."""
    first: dict[tuple[str, int], int] = {}
    out = []
    for i, s in enumerate(sections):
        if s.type in ("chorus", "pre-chorus") and s.syllables:
            k = (s.type, s.bars)
            if k in first:
                src = sections[first[k]]
                s = replace(src, chords=list(src.chords), syllables=list(src.syllables),
                            phrase_bars=list(src.phrase_bars), phrase_notes=list(src.phrase_notes),
                            repeat_of=first[k])
            else:
                first[k] = i
        out.append(s)
    return out

