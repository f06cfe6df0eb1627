"""The plan of a song's words alone (`musegen lyrics`): its form, syllables and rhymes per section, checked.

`plan_for_lyrics` builds a minimal `SongPlan` from the CLI's --form / --syllables / --rhyme (one value
for every sung section or one per section); `check_plan` refuses, in one line naming the section and
what to change, any plan the lyrics stage cannot honour.
"""

from __future__ import annotations

from musegen.errors import InputError
from musegen.lyrics.rhyme import parse_scheme
from musegen.types import SECTION_TYPES, SectionPlan, SongPlan

MAX_SYLLABLES = 16


def check_plan(plan: SongPlan) -> None:
    """Raise InputError for a plan the lyrics stage cannot honour."""
    for k, sec in enumerate(plan.sections):
        if sec.type not in SECTION_TYPES:
            raise InputError(f"section {k}: unknown type {sec.type!r}; use one of {', '.join(SECTION_TYPES)}")
        if sec.repeat_of is not None and not 0 <= sec.repeat_of < k:
            raise InputError(f"section {k}: repeat_of={sec.repeat_of} must name an earlier section")
        for n in sec.syllables:
            if not 1 <= n <= MAX_SYLLABLES:
                raise InputError(f"section {k}: {n} syllables per line (--syllables); "
                                 f"use 1 to {MAX_SYLLABLES}")
        parse_scheme(sec.rhyme, len(sec.syllables), what=f"section {k} rhyme")


def plan_for_lyrics(prompt: str, form: list[str], syllables: list[int] | list[list[int]],
                    rhyme: str | list[str], *, bars: int = 8) -> SongPlan:
    """A minimal `SongPlan` for writing words alone.

    `syllables` is one list for every sung section or one list per sung (non-intro/outro) section of
    `form`, in order; `rhyme` likewise one scheme or one per sung section. Intro/outro are instrumental;
    a chorus or pre-chorus after the first repeats the first (`repeat_of`) and must have its settings.
    """
    if not prompt.strip():
        raise InputError("prompt: empty; describe the mood, e.g. \"rainy night, lost love\"")
    if not form:
        raise InputError("--form: empty; give sections like verse,chorus,verse,chorus")
    types = [t.strip().lower() for t in form]
    for t in types:
        if t not in SECTION_TYPES:
            raise InputError(f"--form: unknown section {t!r}; use {', '.join(SECTION_TYPES)}")
    sung = [t for t in types if t not in ("intro", "outro")]
    per_syl = _per_section(syllables, len(sung), "--syllables")
    per_rhyme = [rhyme] * len(sung) if isinstance(rhyme, str) else _per_section(rhyme, len(sung), "--rhyme")
    for k, (syl, rh) in enumerate(zip(per_syl, per_rhyme, strict=True)):
        if not syl:
            raise InputError(f"--syllables: section {k + 1} is empty; give syllables per line like 8,8,8,8")
        if len(rh.strip()) > len(syl):
            raise InputError(f"--rhyme {rh!r}: {len(rh.strip())} letters for a section of {len(syl)} lines "
                             f"(sung section {k + 1}); give at most one letter per line")
        parse_scheme(rh, len(syl))  # names --rhyme in its error
    sections: list[SectionPlan] = []
    first: dict[str, int] = {}
    j = 0
    for k, t in enumerate(types):
        if t in ("intro", "outro"):
            sections.append(SectionPlan(t, bars))
            continue
        syl, rh = list(per_syl[j]), per_rhyme[j]
        j += 1
        rep = first.get(t) if t in ("chorus", "pre-chorus") else None
        if rep is not None and (sections[rep].syllables != syl or sections[rep].rhyme != rh):
            raise InputError(f"--syllables/--rhyme: section {k + 1} ({t}) repeats section {rep + 1}'s words; "
                             "give it the same syllables and rhyme")
        first.setdefault(t, k)
        sections.append(SectionPlan(t, bars, syl, rh, repeat_of=rep))
    plan = SongPlan(title=prompt.strip()[:40], mood=prompt, key="C", mode="major", tempo=100.0, meter=(4, 4),
                    sections=sections)
    check_plan(plan)
    return plan


def _per_section(values: list, n: int, name: str) -> list:
    """`values` as one entry per sung section: a flat list of ints is shared by all."""
    if not values:
        raise InputError(f"{name}: empty; give syllables per line like 8,8,8,8")
    if not isinstance(values[0], list | str):
        return [values] * n
    if len(values) == 1:
        return list(values) * n
    if len(values) != n:
        raise InputError(f"{name}: {len(values)} sections given for {n} sung sections of --form; "
                         "give one per sung section (separated by /) or one for all")
    return list(values)
