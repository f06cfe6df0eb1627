"""`extend_song(song, "bridge after chorus 2")`: a new section with words and music that fit the song.

A chorus or pre-chorus the song already has comes back as a repeat (its words and melody). Any other
section is written anew by the same stages as `compose`: its lines take the shape (bars, syllables, rhyme
scheme, phrases) of a section of the same type, or the planner's for that type; its words are prompted
with the song's theme and the chorus hook; its melody follows the progression of a section of the same
type when there is one (else the model's chords in the song's key). The band is re-arranged around it.
"""

from __future__ import annotations

import copy
import random
import re
from dataclasses import replace

from musegen.edit.notes import bar_chords
from musegen.edit.ops import EditResult, Models, history_entry
from musegen.edit.targets import Target, describe, find_section, section_names
from musegen.errors import InputError
from musegen.types import (
    INSTRUMENTAL_SECTIONS,
    SECTION_TYPES,
    ChordEvent,
    LyricLine,
    Lyrics,
    LyricSection,
    Section,
    SectionPlan,
    Song,
    VocalNote,
)

_ADD_RE = re.compile(r"^\s*(?P<type>[a-z-]+?)\s*(?:(?P<where>after|before)\s+(?P<ref>.+?)|at\s+(?:the\s+)?"
                     r"(?P<edge>end|start))?\s*$")
INSTRUMENTAL_BARS = 4


def where_to_add(song: Song, spec: str) -> tuple[str, int]:
    """(section type, insertion index) of "bridge after chorus 2", "verse before 4", "outro at end"."""
    m = _ADD_RE.match(spec.lower())
    if m is None or m.group("type") not in SECTION_TYPES:
        raise InputError(f"--add {spec!r}: write TYPE [after|before SECTION], e.g. \"bridge after chorus 2\" "
                         f"(types: {', '.join(SECTION_TYPES)}); the song has {describe(song)}")
    kind = m.group("type")
    if m.group("ref"):
        k = find_section(song, m.group("ref"), "--add")
        return kind, k + 1 if m.group("where") == "after" else k
    if m.group("edge") == "start":
        return kind, 0
    if m.group("edge") == "end" or song.sections[-1].type != "outro" or kind == "outro":
        return kind, len(song.sections)
    return kind, len(song.sections) - 1  # before the outro


def _new_plan(song: Song, kind: str, rng: random.Random) -> tuple[SectionPlan, int | None]:
    """The new section's plan, and the section it repeats (None: written anew)."""
    from musegen.plan.form import phrase_bars_for, sung_section

    same = [i for i, s in enumerate(song.plan.sections) if s.type == kind]
    if kind in INSTRUMENTAL_SECTIONS:
        bars = song.plan.sections[same[0]].bars if same else INSTRUMENTAL_BARS
        return SectionPlan(kind, bars), None
    if same and kind in ("chorus", "pre-chorus"):
        first = same[0]
        while song.plan.sections[first].repeat_of is not None:
            first = song.plan.sections[first].repeat_of
        return copy.deepcopy(replace(song.plan.sections[first], repeat_of=None)), first
    if same:
        src = song.plan.sections[same[0]]
        return replace(copy.deepcopy(src), repeat_of=None, chords=bar_chords(song, same[0])), None
    verses = [s for s in song.plan.sections if s.syllables]
    bars = verses[0].bars if verses else 8
    pb = verses[0].phrase_bars[0] if verses and verses[0].phrase_bars else phrase_bars_for(song.plan.meter,
                                                                                            song.plan.tempo)
    a = song.plan.attributes
    return sung_section(kind, bars - bars % pb or pb, pb, song.plan.meter, float(a.get("energy", 0.5)),
                        float(a.get("melisma_rate", 0.3)), rng, tempo=song.plan.tempo), None


def _hook_theme(song: Song) -> list[str]:
    """The song's theme words and the chorus hook's, for the new section's prompt."""
    from musegen.lyrics.prompt import theme_words

    theme = theme_words(song.plan.mood)
    chorus = next((s for s in song.sections if s.type == "chorus" and s.lines), None)
    if chorus is not None:
        theme += [w for w in theme_words(chorus.lines[0].text, 2) if w not in theme]
    return theme


def _write_new(song: Song, sp: SectionPlan, seed: int, models: Models) -> Song:
    """The new section alone (ticks from 0), sung and aligned: words, melody, chords."""
    from musegen.conductor import align
    from musegen.lyrics.section import write_section
    from musegen.lyrics.syllables import syllabify_line
    from musegen.music import generate_melody

    lines: list[LyricLine] = []
    if sp.syllables:
        import torch

        from musegen.edit.words import _norm, word_tables

        words, banned = word_tables()
        used = {_norm(x.text) for s in song.sections for x in s.lines}
        texts = write_section(models.get(song, "lyrics"), sp, _hook_theme(song), used,
                              gen=torch.Generator().manual_seed(seed), words=words, banned=banned)
        lines = [LyricLine(t, syllabify_line(t)) for t in texts]
        sp = replace(sp, syllables=[len(x.syllables) for x in lines])
    plan = replace(song.plan, sections=[sp])
    lyrics = Lyrics([LyricSection(sp.type, lines)])
    melody = generate_melody(plan, seed=seed, model=models.get(song, "music"), lyrics=lyrics)
    return align(plan, lyrics, melody)


def _insert(song: Song, at: int, sp: SectionPlan, part: Song) -> Song:
    """`song` with section `part` (ticks from 0) inserted before section index `at`."""
    bar = song.plan.bar_ticks
    t0 = song.sections[at].start if at < len(song.sections) else song.length_ticks
    dt = sp.bars * bar
    syl0 = sum(len(x.syllables) for s in song.sections[:at] for x in s.lines)
    n_syl = sum(len(x.syllables) for x in part.sections[0].lines)

    def relink(i: int | None) -> int | None:
        return None if i is None else i + (i >= at)

    new = copy.deepcopy(song)
    new.plan.sections = [replace(s, repeat_of=relink(s.repeat_of)) for s in new.plan.sections]
    new.plan.sections.insert(at, sp)
    sections = [replace(s, repeat_of=relink(s.repeat_of), start=s.start + (dt if s.start >= t0 else 0))
                for s in new.sections]
    sections.insert(at, Section(sp.type, sp.bars, t0, [LyricLine(x.text, list(x.syllables))
                                                       for x in part.sections[0].lines], sp.repeat_of))
    new.sections = sections

    def moved(n: VocalNote) -> VocalNote:
        late = n.onset >= t0
        syl = n.syllable if n.syllable is None or n.syllable < syl0 else n.syllable + n_syl
        return replace(n, onset=n.onset + (dt if late else 0), syllable=syl)

    added = [replace(n, onset=n.onset + t0, syllable=None if n.syllable is None else n.syllable + syl0)
             for n in part.vocal]
    new.vocal = sorted([moved(n) for n in song.vocal] + added, key=lambda n: n.onset)
    new.chords = sorted([replace(c, onset=c.onset + (dt if c.onset >= t0 else 0)) for c in song.chords]
                        + [ChordEvent(c.onset + t0, c.duration, c.symbol) for c in part.chords],
                        key=lambda c: c.onset)
    return new


def _keep_band(old: Song, merged: Song, arranged: Song, at: int) -> Song:
    """`merged` with the old band and vocal kept (shifted after the new section).

    Only the new section's accompaniment and vocal velocities come from the arranger.
    """
    sec = merged.sections[at]
    t0, t1 = sec.start, sec.start + sec.bars * merged.plan.bar_ticks
    dt = t1 - t0
    tracks = []
    by_name = {t.name: t for t in arranged.tracks}
    for t in old.tracks:
        new = by_name.pop(t.name, None)
        notes = [n if n.onset < t0 else replace(n, onset=n.onset + dt) for n in t.notes]
        notes += [n for n in (new.notes if new else []) if t0 <= n.onset < t1]
        tracks.append(replace(t, notes=sorted(notes, key=lambda n: (n.onset, n.pitch))))
    for t in by_name.values():  # a part the old arrangement did not have: only in the new section
        tracks.append(replace(t, notes=[n for n in t.notes if t0 <= n.onset < t1]))
    vocal = [a if t0 <= m.onset < t1 else m for m, a in zip(merged.vocal, arranged.vocal, strict=True)]
    return replace(merged, tracks=tracks, vocal=vocal, chords=arranged.chords)


def _repeat_part(song: Song, src: int) -> Song:
    """Section `src` (words, notes, chords) cut out of the song as a one-section song from tick 0."""
    sec, bar = song.sections[src], song.plan.bar_ticks
    a, b = sec.start, sec.start + sec.bars * bar
    syl0 = sum(len(x.syllables) for s in song.sections[:src] for x in s.lines)
    vocal = [replace(n, onset=n.onset - a, syllable=None if n.syllable is None else n.syllable - syl0)
             for n in song.vocal if a <= n.onset < b]
    chords = [ChordEvent(c.onset - a, min(c.duration, b - c.onset), c.symbol) for c in song.chords
              if a <= c.onset < b]
    return Song(song.plan, [replace(sec, start=0, repeat_of=None)], vocal, chords)


def extend_song(song: Song, add: str, *, seed: int | None = None, models: Models | None = None) -> EditResult:
    """Add the section `add` names ("bridge after chorus 2"); the same song and seed give the same result."""
    from musegen.conductor import alignment_metrics, arrange

    seed = random.SystemRandom().randrange(2**31) if seed is None else int(seed)
    kind, at = where_to_add(song, add)
    sp, repeats = _new_plan(song, kind, random.Random(seed))
    if repeats is not None:
        part = _repeat_part(song, repeats)
        sp = replace(sp, repeat_of=repeats if repeats < at else None)
    else:
        part = _write_new(song, sp, seed, models or Models())
    merged = _insert(song, at, sp, part)
    new = _keep_band(song, merged, arrange(merged), at)
    new.metrics = {**song.metrics, **alignment_metrics(new)}
    new.history = [*song.history, history_entry(f"add {add.strip()}", "extend", seed)]
    names = section_names(new)
    how = f"a repeat of {section_names(song)[repeats]}" if repeats is not None else "new words and music"
    msg = [f"added {names[at]} as section {at + 1} of {len(new.sections)} ({how}, {sp.bars} bars)"]
    return EditResult(new, Target("add", add.strip(), {at: list(range(len(new.sections[at].lines)))}),
                      "extend", seed, msg)
