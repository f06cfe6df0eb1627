"""Notes for edited lines: a new melody under the section's own chords, or the old notes re-sung.

Both go through the stages `compose` uses: `generate_melody` on a one-section plan whose chord
progression is the song's (so the harmony and the accompaniment stay), then `align` for the syllables.
Only the edited lines' notes are taken; the section's other lines keep theirs.
"""

from __future__ import annotations

from dataclasses import replace

from musegen.edit.splice import line_notes
from musegen.errors import InputError
from musegen.types import (
    ChordEvent,
    LyricLine,
    Lyrics,
    LyricSection,
    Melody,
    Note,
    SectionMusic,
    Song,
    SongPlan,
    VocalNote,
)


def bar_chords(song: Song, k: int) -> list[str]:
    """The chord sounding at each bar line of section k (the song's progression, given to the model)."""
    sec, bar = song.sections[k], song.plan.bar_ticks
    chords = sorted(song.chords, key=lambda c: c.onset)
    out = []
    for b in range(sec.bars):
        t = sec.start + b * bar
        here = [c for c in chords if c.onset <= t]
        out.append(here[-1].symbol if here else (chords[0].symbol if chords else song.plan.key))
    return out


def section_plan(song: Song, k: int, lines: list[LyricLine], chords: list[str] | None = None) -> SongPlan:
    """A plan of section k alone, for the music and alignment stages, with `lines` as its words."""
    sp = song.plan.sections[k]
    syl = [len(x.syllables) for x in lines]
    notes = list(sp.phrase_notes) if len(sp.phrase_notes) == len(lines) else [s + 1 for s in syl]
    notes = [max(n, s) for n, s in zip(notes, syl, strict=True)]
    pb = list(sp.phrase_bars) if len(sp.phrase_bars) == len(lines) and sum(sp.phrase_bars) == sp.bars else []
    one = replace(sp, syllables=syl, phrase_notes=notes, phrase_bars=pb, repeat_of=None,
                  chords=list(chords if chords is not None else sp.chords))
    return replace(song.plan, sections=[one])


def capacity(song: Song, k: int, i: int) -> int:
    """The most syllables line i of section k can carry in its phrase (16th notes, a breath at the end)."""
    from musegen.lyrics.sections import MAX_SYLLABLES
    from musegen.music import vocab as V
    from musegen.music.generate import phrase_windows
    from musegen.music.sampler import BREATH

    sp = section_plan(song, k, song.sections[k].lines).sections[0]
    ws, we, _, _ = phrase_windows(replace(sp, phrase_notes=[1] * len(sp.phrase_notes)), song.plan.meter, k)[i]
    return max(1, min(MAX_SYLLABLES, V.MAX_PHRASE_NOTES, we - ws - BREATH))


def _aligned_lines(plan: SongPlan, lines: list[LyricLine], melody: Melody, start: int,
                   wanted: list[int]) -> dict[int, list[VocalNote]]:
    from musegen.conductor import align

    sec = plan.sections[0]
    song = align(plan, Lyrics([LyricSection(sec.type, lines)]), melody)
    per_line, _ = line_notes(song)
    return {i: [replace(n, onset=n.onset + start) for n in per_line[(0, i)]] for i in wanted}


def new_melody(song: Song, k: int, lines: list[LyricLine], wanted: list[int], *, seed: int,
               model=None) -> dict[int, list[VocalNote]]:
    """New notes for lines `wanted` of section k (sung to `lines`), over the section's chords.

    A single line is written as a phrase of its own (its bars and their chords), the cheapest call of the
    music model; several lines are written as the whole section, so that they answer each other.
    """
    from musegen.music import generate_melody

    for i in wanted:
        cap = capacity(song, k, i)
        if len(lines[i].syllables) > cap:
            raise InputError(f"line {i + 1} of section {k + 1}: {len(lines[i].syllables)} syllables, but its "
                             f"phrase holds at most {cap}; give it {cap} or fewer")
    plan = section_plan(song, k, lines, bar_chords(song, k))
    sec = plan.sections[0]
    if len(wanted) == 1 and sec.phrase_bars:  # one line: write just its phrase, over its bars' chords
        i = wanted[0]
        b0, nb = sum(sec.phrase_bars[:i]), sec.phrase_bars[i]
        one = replace(sec, bars=nb, syllables=[sec.syllables[i]], phrase_notes=[sec.phrase_notes[i]],
                      phrase_bars=[nb], chords=sec.chords[b0:b0 + nb])
        start = song.sections[k].start + b0 * song.plan.bar_ticks
        plan, lines = replace(plan, sections=[one]), [lines[i]]
        melody = generate_melody(plan, seed=seed, model=model, lyrics=Lyrics([LyricSection(sec.type, lines)]))
        return {i: _aligned_lines(plan, lines, melody, start, [0])[0]}
    melody = generate_melody(plan, seed=seed, model=model, lyrics=Lyrics([LyricSection(sec.type, lines)]))
    return _aligned_lines(plan, lines, melody, song.sections[k].start, wanted)


def resing(song: Song, k: int, lines: list[LyricLine], wanted: list[int]) -> dict[int, list[VocalNote]]:
    """Lines `wanted` of section k sung to new words on their old notes (split or merged as needed)."""
    start = song.sections[k].start
    per_line, _ = line_notes(song)
    notes: list[Note] = []
    counts = []
    for i in range(len(lines)):
        old = per_line[(k, i)]
        notes += [Note(n.onset - start, n.duration, n.pitch, n.velocity) for n in old]
        counts.append(len(old))
    plan = section_plan(song, k, lines)
    sec = plan.sections[0]
    bar = song.plan.bar_ticks
    chords = [ChordEvent(b * bar, bar, sym) for b, sym in enumerate(bar_chords(song, k))]
    melody = Melody([SectionMusic(sec.type, sec.bars, notes, chords, counts)])
    return _aligned_lines(plan, lines, melody, start, wanted)
