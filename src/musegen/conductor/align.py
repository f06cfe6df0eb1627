"""Syllables ↔ notes: put every lyric syllable on the melody so that a singer would accept it.

Per lyric line and its phrase of notes, a small dynamic programme picks for each note one action —
start the next syllable, split the note for two syllables, continue the last syllable as a melisma
(only on a word-final syllable whose vowel is sustained), or merge the note into the one before —
minimising a stress cost: primary stress wants a strong beat, unstressed syllables a weak one.
Then repairs: the line's rhythm is re-fitted on a sixteenth grid (onsets move up to a bar, pitches keep
their order) where that puts primary stress on strong beats and unstressed syllables off them, gaps
inside words are closed, every line ends with a rest, and a repeated chorus reuses its first
appearance's melody note for note.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from musegen.conductor.metrics import alignment_metrics
from musegen.errors import ModelError
from musegen.theory import STRESS_PLACE_COST, beat_class, metric_level, strong_beat_ticks
from musegen.types import (
    PPQ,
    ChordEvent,
    LyricLine,
    Lyrics,
    Melody,
    Note,
    Section,
    Song,
    SongPlan,
    Syllable,
    VocalNote,
)

EIGHTH = PPQ // 2
SIXTEENTH = PPQ // 4
MIN_NOTE = SIXTEENTH  # no repair makes a note shorter than this
LINE_REST = EIGHTH  # the breath at the end of each line
SUSTAINED = 3 * PPQ // 2  # a syllable held this long (with its melisma) counts as a sustained vowel
INF = float("inf")

PLACE_COST = STRESS_PLACE_COST  # by stress (0 unstressed, 1 primary, 2 secondary) and beat class
SPLIT_COST = (0.6, 1.2)  # one note sung as two syllables: (the phrase is short of notes, it is not)
MELISMA_COST = (0.2, 0.6)  # one more note on a sustained word-final vowel: (extra notes planned, not)
SHORT_SPLIT_COST = 0.4  # a split that leaves notes shorter than an eighth
MERGE_COST = 0.8  # a note tied into the previous one (same pitch: cheaper)
MERGE_SAME_PITCH_COST = 0.4
SHORT_STRESSED_COST = 0.3  # primary stress on a note shorter than an eighth
# MOVE_COST trades the model's rhythm against stress placement. Since the music model sees each note's
# syllable (layout v2), the aligner only repairs: on 20 real songs-pd validation melodies sung with their
# own syllables it moved 16.8 % of the notes at 0.06 and pushed every unstressed syllable off the strong
# beats (0.00 vs 0.22 in the songs); at 0.4 (with STRESS_PLACE_COST's unstressed-on-strong 0.3) it moves
# 3.0 % and keeps 0.62 / 0.22 stressed / unstressed on strong beats (the songs: 0.54 / 0.22).
# With the inversion term, 0.5 would move fewer notes: on 10 songs sung from public-domain stanzas (benchmark
# prompts 1-10, the model's melodies re-aligned, 181 words) (MOVE_COST, INVERSION_COST) = (0.4, 1.0) moved
# 13.6 % of the notes with 6.1 % inverted words, (0.5, 1.0) 9.1 % with 7.2 %; but at 0.5 an eighth's move
# onto a strong beat no longer pays for itself (stressed-on-strong 0.40 -> 0.35) and word-blind melodies
# are hardly repaired (tests/conductor/test_align.py), so it stays 0.4.
# Session 10, 20 tuned-prompt songs re-aligned (benchmarks/generate.py --move-cost-ab): 0.4 -> 0.8 moved
# 11.0 -> 5.7 % of the notes, IOI overlap with POP909 0.786 -> 0.794, stressed-on-strong 0.491 -> 0.461
# (floor 0.5) and inversions 3.1 -> 6.1 %: the model's own rhythm is not what the re-timing loses.
# Session 17: once the sampler stopped cramming late lines (music/sampler.py LATE_PACE) its stresses sat on
# the beats more often and the aligner moved more (9.3 -> 11.2 % on 20 untuned songs). 0.8 was chosen on the
# 20 tuned songs (moved 10.4 -> 5.6 %, stressed-on-strong 0.565 -> 0.533, inversions 0.4 -> 3.1 %) and held
# on the untuned ones (moved 11.2 -> 5.1 %, stressed 0.578 -> 0.548, inversions 0.65 -> 2.2 %, overlap
# with POP909 0.825 -> 0.824; benchmarks/results/generate-*-20-s17-move-cost-ab.json).
MOVE_COST = 0.8  # per sixteenth an onset is moved by the re-timing repair (from the reference rhythm)
MAX_STRETCH = 2.0  # a crammed phrase may be sung up to twice as slowly to fill its window
CRAMMED = 0.35  # a phrase filling less than this share of its window counts as crammed
SHORT_NOTE_COST = 0.05  # a note shorter than an eighth (crammed syllables are hard to sing)
# Re-timing cost of two neighbouring syllables of one word whose stress is inverted: the primary-stressed
# one on a weaker metric position than the unstressed one (EVALUATION.md's stress inversion; real songs
# 5.8 % of words). On 14 songs-pd validation songs (16 bars, real syllables, 78 words, sampler inversion
# penalty on, MOVE_COST 0.4) cost 0 / 0.5 / 1.0 gave 15.4 / 3.9 / 1.3 % inverted words and moved 5.2 / 6.9
# / 7.4 % of the notes; on the stanza songs above 23.8 / 7.2 / 6.1 %, moving 11.1 / 13.3 / 13.6 %.
# Session 19: with the chord mask (music/harmony.py) the untuned songs' inversions rose to 6.6 % (target
# <= 6 %). On the 20 tuned songs' melodies re-aligned, cost 1.0 / 1.5 / 2.0 / 3.0 gave 3.4 / 2.9 / 2.0 / 1.7 %
# inverted words, moving 5.0 / 5.2 / 5.3 / 5.5 % of the notes, stresses on strong beats unchanged; 2.0 on the
# 20 untuned songs: 6.6 -> 4.7 %, moving 6.0 -> 6.3 %.
INVERSION_COST = 2.0
# Which primary stresses get the strong beats. CMU gives most one-syllable function words a primary
# stress, so a generated line has about 1.6 primary stresses per strong beat of its sung span and they
# cannot all sit on beats 1 and 3; real songs let the function words fall between the beats. A content
# word's stress (or a polysyllable's) off a strong beat costs CONTENT_STRESS x STRESS_PLACE_COST, a
# function word's FUNCTION_STRESS x; an unstressed syllable on a strong beat costs UNSTRESSED_ON_STRONG.
# CONTENT_STRESS 2 -> 3 (session 6): on the 10 tuning songs (/tmp/s3/12/fresh, melodies cached, paired)
# stressed-on-strong median 0.471 -> 0.503 (4: 0.526), notes moved 7.1 -> 8.7 % (4: 9.1 %), inversions
# 1.3 -> 0.6 %, overlap with POP909 0.833 -> 0.832 (4: 0.830, interval 0.939 -> 0.917); on the 20 untuned
# songs, same run: 0.432 -> 0.477, moved 6.0 -> 9.0 % (cap 10 %), overlap 0.852 -> 0.856.
# 3 -> 3.5 (session 7) with KEEP_UNSTRESSED below, which leaves some strong beats to unstressed words.
CONTENT_STRESS = 3.5
FUNCTION_STRESS = 0.5
UNSTRESSED_ON_STRONG = 0.1
# A one-syllable unstressed word ("the", "a", "and", "in") that the music model put on a strong beat stays
# there: taking that beat from it costs KEEP_UNSTRESSED, whether the syllable-to-note programme would
# give the note to another syllable or the re-timing would move it. The model writes note k of a line for
# its syllable k (it sees each syllable's stress), and real lead sheets sing such words on strong beats:
# unstressed-on-strong is 0.045 (median) over the 184 OpenEWLD lead sheets, "and", "in", "the" and "a"
# the commonest. Without this rule the aligner took every such beat for the next stressed syllable (a
# merge and a split shift the line by one syllable, or the re-timing makes the word a pickup), so 85 of
# the 103 unstressed syllables the model put on strong beats in the 20 untuned songs were lost and the
# median song had none (0.0). On the 10 tuning songs (melodies cached, paired) with CONTENT_STRESS 3:
# unstressed-on-strong median 0.034 -> 0.051, stressed-on-strong 0.503 -> 0.492, moved 8.7 -> 7.8 %,
# inversions 0.6 % both; with CONTENT_STRESS 3.5: 0.050 / 0.505 / 8.7 % (4: 0.043 / 0.521 / 9.2 %).
# Unstressed syllables of longer words are not kept: kept before their word's stress they inverted it
# (inversions 0.6 -> 7.0 %).
KEEP_UNSTRESSED = 3.0
_PUNCT = ".,;:!?\"'()-’‘“”"
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "as", "at", "by", "for", "from",
    "in", "into", "of", "off", "on", "onto", "out", "over", "to", "up", "upon", "with", "than", "that",
    "this", "these", "those", "then", "there", "when", "while", "where", "who", "whom", "whose",
    "which", "what", "how", "why", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he",
    "him", "his", "she", "her", "it", "its", "they", "them", "their", "am", "is", "are", "was", "were",
    "be", "been", "being", "do", "does", "did", "have", "has", "had", "will", "would", "shall",
    "should", "can", "could", "may", "might", "must", "not", "no", "all", "some", "just", "too", "very",
    "oh",
})


@dataclass
class _Grid:
    bar: int
    strong: tuple[int, ...]
    meter: tuple[int, int]

    def cls(self, tick: int) -> str:
        return beat_class(tick, self.meter, self.bar, self.strong, PPQ)

    def level(self, tick: int) -> int:
        return metric_level(tick, self.meter, PPQ)


def align(plan: SongPlan, lyrics: Lyrics, melody: Melody) -> Song:
    """Place the lyrics on the melody; returns a `Song` (no accompaniment yet) with alignment metrics."""
    if len(melody.sections) != len(plan.sections) or len(lyrics.sections) != len(plan.sections):
        raise ModelError(
            f"align: plan has {len(plan.sections)} sections but lyrics {len(lyrics.sections)} and "
            f"melody {len(melody.sections)}; the lyrics and music stages must return one per plan section"
        )
    bar = plan.bar_ticks
    grid = _Grid(bar, strong_beat_ticks(plan.meter, PPQ), plan.meter)
    sections: list[Section] = []
    vocal: list[VocalNote] = []
    chords: list[ChordEvent] = []
    first_note_of: dict[int, int] = {}  # section index -> index of its first vocal note
    stats: dict[str, int] = {}  # repairs made (see align_line)
    syl_base = 0  # index of the section's first syllable in Song.syllables()
    start = 0
    for k, (sp, ls, ms) in enumerate(zip(plan.sections, lyrics.sections, melody.sections, strict=True)):
        end = start + sp.bars * bar
        lines = [LyricLine(line.text, list(line.syllables)) for line in ls.lines]
        repeat_of = sp.repeat_of if sp.repeat_of is not None else ls.repeat_of
        sections.append(Section(sp.type, sp.bars, start, lines, repeat_of))
        n_syl = sum(len(line.syllables) for line in lines)
        src = sections[repeat_of] if repeat_of is not None and repeat_of < k else None
        first_note_of[k] = len(vocal)
        if src is not None and src.bars == sp.bars and _same_shape(src.lines, lines):
            # the chorus returns: its first appearance's melody and chords, shifted
            lo = first_note_of[repeat_of]
            hi = first_note_of[repeat_of + 1] if repeat_of + 1 in first_note_of else len(vocal)
            src_base = sum(len(line.syllables) for s in sections[:repeat_of] for line in s.lines)
            shift = start - src.start
            for n in vocal[lo:hi]:
                syl = None if n.syllable is None else n.syllable - src_base + syl_base
                vocal.append(VocalNote(n.onset + shift, n.duration, n.pitch, n.velocity, syl, n.melisma))
            chords.extend(ChordEvent(c.onset + shift, c.duration, c.symbol)
                          for c in chords if src.start <= c.onset < src.start + src.bars * bar)
        else:
            chords.extend(ChordEvent(start + c.onset, c.duration, c.symbol)
                          for c in ms.chords if c.onset < sp.bars * bar)
            if lines:
                ordered = sorted(ms.notes, key=lambda n: (n.onset, n.pitch))
                notes = [Note(start + n.onset, n.duration, n.pitch, n.velocity)
                         for n in ordered if n.onset < sp.bars * bar]
                phrases = _phrases(notes, ms.phrases, lines, sp.phrase_bars, start, bar, plan)
                idx = syl_base
                ends = _window_ends(sp.phrase_bars, len(lines), start, end, bar)
                for i, (line, phrase) in enumerate(zip(lines, phrases, strict=True)):
                    lower = vocal[-1].onset + vocal[-1].duration + LINE_REST if vocal else 0
                    lower = min(lower, phrase[0].onset) if phrase else lower
                    nxt = phrases[i + 1][0].onset if i + 1 < len(phrases) and phrases[i + 1] else end
                    upper = min(ends[i], nxt) - LINE_REST
                    placed = align_line(phrase, line.syllables, grid, lower, stats, upper)
                    vocal.extend(VocalNote(n.onset, n.duration, n.pitch, n.velocity,
                                           None if n.syllable is None else n.syllable + idx, n.melisma)
                                 for n in placed)
                    idx += len(line.syllables)
        syl_base += n_syl
        start = end
    song = Song(plan=plan, sections=sections, vocal=vocal, chords=chords)
    song.vocal = finish_vocal(song)
    song.metrics = alignment_metrics(song)
    model_notes = sum(stats.get(k, 0) for k in ("start", "split", "melisma", "merge"))
    song.metrics.update({f"notes_{k}": float(stats.get(k, 0))
                         for k in ("split", "merge", "retimed", "stretched")})
    song.metrics["model_notes_aligned"] = float(model_notes)
    return song


def _window_ends(phrase_bars: list[int], n_lines: int, start: int, end: int, bar: int) -> list[int]:
    """Where each line's phrase window ends: the plan's phrase bars, else the section end."""
    if len(phrase_bars) == n_lines and start + sum(phrase_bars) * bar <= end:
        return list(itertools.accumulate(phrase_bars, lambda t, pb: t + pb * bar, initial=start))[1:]
    return [end] * n_lines


def _same_shape(a: list[LyricLine], b: list[LyricLine]) -> bool:
    return [len(x.syllables) for x in a] == [len(x.syllables) for x in b]


def _phrases(notes: list[Note], counts: list[int], lines: list[LyricLine], phrase_bars: list[int],
             start: int, bar: int, plan: SongPlan) -> list[list[Note]]:
    """The section's notes grouped one phrase per lyric line (re-grouped at the widest gaps if needed)."""
    k = len(lines)
    if len(counts) == k and sum(counts) == len(notes) and all(counts):
        out, i = [], 0
        for c in counts:
            out.append(notes[i : i + c])
            i += c
        return out
    if len(notes) >= k:
        gaps = sorted(range(1, len(notes)), key=lambda i: (-(notes[i].onset - notes[i - 1].onset
                                                               - notes[i - 1].duration), i))
        cuts = sorted(gaps[: k - 1])
        bounds = [0, *cuts, len(notes)]
        return [notes[a:b] for a, b in itertools.pairwise(bounds)]
    # too few notes from the model: sing each line on quarter notes at the chord-less middle of the range
    pitch = notes[0].pitch if notes else (plan.vocal_range[0] + plan.vocal_range[1]) // 2
    out, t = [], start
    for line, pb in zip(lines, phrase_bars or [max(1, len(line.syllables) // 4 + 1) for line in lines],
                        strict=False):
        n = len(line.syllables)
        out.append([Note(t + i * PPQ, PPQ, pitch) for i in range(n)])
        t += max(pb * bar, n * PPQ + bar)
    while len(out) < k:
        out.append([])
    return out


def align_line(notes: list[Note], syllables: list[Syllable], grid: _Grid, lower: int = 0,
               stats: dict[str, int] | None = None, upper: int | None = None) -> list[VocalNote]:
    """Sing one line's syllables on one phrase's notes (absolute ticks); syllable indices are line-local.

    `lower` is the earliest tick the line may start at (after the previous line and its breath), `upper`
    the latest it may end at (its phrase window, less a breath; None: where the model's phrase ends);
    `stats` (optional) counts the repairs: split, merge, melisma, retimed notes.
    """
    s = len(syllables)
    if s == 0:
        return []
    notes = [Note(n.onset, max(MIN_NOTE, n.duration), n.pitch, n.velocity) for n in notes]
    if not notes:
        raise ModelError("align: a lyric line has no notes to sing on")
    while True:
        actions = _best_actions(notes, syllables, grid)
        if actions is not None:
            break
        # too few notes even with one split per note: halve the longest note and try again
        i = max(range(len(notes)), key=lambda j: (notes[j].duration, -j))
        notes[i : i + 1] = list(_halves(notes[i]))
    out: list[VocalNote] = []
    j = 0
    if stats is not None:
        for act in actions:
            stats[act] = stats.get(act, 0) + 1
    for n, act in zip(notes, actions, strict=True):
        if act == "start":
            out.append(VocalNote(n.onset, n.duration, n.pitch, n.velocity, j))
            j += 1
        elif act == "split":
            a, b = _halves(n)
            out.append(VocalNote(a.onset, a.duration, a.pitch, a.velocity, j))
            out.append(VocalNote(b.onset, b.duration, b.pitch, b.velocity, j + 1))
            j += 2
        elif act == "melisma":
            out.append(VocalNote(n.onset, n.duration, n.pitch, n.velocity, j - 1, melisma=True))
        else:  # merge: the previous note is held through this one
            out[-1].duration = n.onset + n.duration - out[-1].onset
    before = [n.onset for n in out]
    stretched = _retime(out, syllables, grid, lower, upper)
    if stats is not None:
        moved = sum(a != n.onset for a, n in zip(before, out, strict=True))
        stats["retimed"] = stats.get("retimed", 0) + moved
        if stretched:  # of which in a crammed phrase sung slower
            stats["stretched"] = stats.get("stretched", 0) + moved
    return out


def _halves(n: Note) -> tuple[Note, Note]:
    half = max(MIN_NOTE, (n.duration // 2) // SIXTEENTH * SIXTEENTH) if n.duration >= 2 * MIN_NOTE \
        else n.duration // 2
    half = max(1, half)
    return (Note(n.onset, half, n.pitch, n.velocity),
            Note(n.onset + half, max(1, n.duration - half), n.pitch, n.velocity))


def is_function_word(syl: Syllable) -> bool:
    """Whether a syllable is a whole function word ("the", "of", "we", ...): CMU stresses most of them."""
    return syl.word_start and syl.word_end and syl.text.strip(_PUNCT).lower() in FUNCTION_WORDS


def _place(tick: int, syl: Syllable, grid: _Grid) -> float:
    stress = syl.stress if syl.stress in PLACE_COST else 0
    kind = grid.cls(tick)
    if stress == 0 and kind == "strong":
        return UNSTRESSED_ON_STRONG
    c = PLACE_COST[stress][kind]
    if stress == 1 and c:
        c *= FUNCTION_STRESS if is_function_word(syl) else CONTENT_STRESS
    return c


def _kept(tick: int, syl: Syllable, grid: _Grid) -> bool:
    """Whether `syl` at `tick` is an unstressed one-syllable word on a strong beat (`KEEP_UNSTRESSED`)."""
    return bool(KEEP_UNSTRESSED) and syl.stress == 0 and syl.word_start and syl.word_end and \
        grid.cls(tick) == "strong"


def _best_actions(notes: list[Note], syl: list[Syllable], grid: _Grid) -> list[str] | None:
    """Dynamic programme over (notes used, syllables started) → the cheapest action per note (None: none)."""
    n, s = len(notes), len(syl)
    split_cost = SPLIT_COST[0] if n < s else SPLIT_COST[1]
    melisma_cost = MELISMA_COST[0] if n > s else MELISMA_COST[1]
    cost = [[INF] * (s + 1) for _ in range(n + 1)]
    back: list[list[tuple[str, int] | None]] = [[None] * (s + 1) for _ in range(n + 1)]
    held = [[0] * (s + 1) for _ in range(n + 1)]  # ticks the current syllable has been sung so far
    cost[0][0] = 0.0
    for i, note in enumerate(notes):
        end = note.onset + note.duration
        # the model wrote note i for syllable i: an unstressed one-syllable word on a strong beat stays
        keep = KEEP_UNSTRESSED if n >= s and i < s and _kept(note.onset, syl[i], grid) else 0.0
        for j in range(s + 1):
            c = cost[i][j]
            if c == INF:
                continue
            lost = keep if j != i else 0.0  # note i starts another syllable than the model's
            options: list[tuple[float, int, str, int]] = []  # (cost, next j, action, held)
            if j < s:
                short = SHORT_STRESSED_COST if syl[j].stress == 1 and note.duration < EIGHTH else 0.0
                options.append((c + _place(note.onset, syl[j], grid) + short + lost, j + 1, "start",
                                note.duration))
            if j + 1 < s and note.duration >= 2 * MIN_NOTE:
                a, b = _halves(note)
                both = _place(a.onset, syl[j], grid) + _place(b.onset, syl[j + 1], grid)
                short = SHORT_SPLIT_COST if a.duration < EIGHTH else 0.0
                options.append((c + split_cost + short + both + lost, j + 2, "split", b.duration))
            if j >= 1 and i >= 1:
                if syl[j - 1].word_end and held[i][j] + note.duration >= SUSTAINED:
                    options.append((c + melisma_cost + keep, j, "melisma", held[i][j] + note.duration))
                same = notes[i - 1].pitch == note.pitch
                merged = held[i][j] + end - notes[i - 1].onset - notes[i - 1].duration  # gap + this note
                options.append((c + (MERGE_SAME_PITCH_COST if same else MERGE_COST) + keep, j, "merge",
                                merged))
            for oc, nj, act, h in options:
                if oc < cost[i + 1][nj] - 1e-12:
                    cost[i + 1][nj] = oc
                    back[i + 1][nj] = (act, j)
                    held[i + 1][nj] = h
    if cost[n][s] == INF:
        return None
    actions, j = [], s
    for i in range(n, 0, -1):
        act, pj = back[i][j]  # type: ignore[misc]
        actions.append(act)
        j = pj
    return actions[::-1]


def _retime(out: list[VocalNote], syl: list[Syllable], grid: _Grid, lower: int, upper: int | None) -> bool:
    """Re-fit the line's rhythm on a sixteenth grid so stresses fall on strong beats (pitches kept in order).

    A second dynamic programme: note k gets an onset p_k on the sixteenth grid between `lower` (after the
    previous line's breath) and `upper`, strictly increasing. A note keeps its own (stretched) length,
    cut at the next onset, so the model's articulation survives (`finish_vocal` still joins the notes
    inside a word); the last keeps its length within `upper`. Cost: stress placement of every
    syllable-start note, `MOVE_COST` per sixteenth away from the model's onset (its rhythm is kept
    unless stress gains more), and `SHORT_NOTE_COST` for notes shorter than an eighth. Skipped when
    the line cannot fit the grid. Returns whether the phrase was stretched (it was crammed).
    """
    m = len(out)
    if m == 0:
        return False
    line_end = out[-1].onset + out[-1].duration
    upper = max(line_end, upper if upper is not None else line_end)
    # The model's rhythm is the reference; a phrase crammed into part of its window is first stretched
    # (up to twice as slow) so that its notes can breathe.
    o0 = out[0].onset
    fill = (line_end - o0) / max(1, upper - o0)
    stretch = min(MAX_STRETCH, 1.0 / fill) if fill < CRAMMED else 1.0
    onsets = [o0 + round((n.onset - o0) * stretch / SIXTEENTH) * SIXTEENTH for n in out]
    line_end = min(upper, o0 + round((line_end - o0) * stretch))
    last_len = max(MIN_NOTE, line_end - onsets[-1])
    reach = grid.bar  # no onset moves further than a bar from the reference
    start = min(onsets[0], max(lower, onsets[0] - reach))
    first = -(-start // SIXTEENTH) * SIXTEENTH  # grid positions from the first sixteenth >= start
    grid_pos = list(range(first, upper - MIN_NOTE + 1, SIXTEENTH))

    def last_end(p: int) -> int:
        return min(upper, max(line_end, p + last_len))
    if len(grid_pos) < m or o0 % SIXTEENTH:
        return False

    def own(k: int, p: int) -> float:
        n = out[k]
        c = MOVE_COST * abs(p - onsets[k]) / SIXTEENTH
        if not n.melisma and n.syllable is not None:
            c += _place(p, syl[n.syllable], grid)
            if p != onsets[k] and _kept(onsets[k], syl[n.syllable], grid):
                c += KEEP_UNSTRESSED
        return c

    def held(k: int, dur: int) -> float:
        n = out[k]
        c = SHORT_NOTE_COST if dur < EIGHTH else 0.0
        if not n.melisma and n.syllable is not None and syl[n.syllable].stress == 1 and dur < EIGHTH:
            c += SHORT_STRESSED_COST
        return c

    # (stress of note k-1, stress of note k) when both start neighbouring syllables of one word
    pairs: list[tuple[int, int] | None] = [None] * m
    for k in range(1, m):
        a, b = out[k - 1], out[k]
        if (not a.melisma and not b.melisma and a.syllable is not None and b.syllable == a.syllable + 1
                and not syl[b.syllable].word_start):
            pairs[k] = (syl[a.syllable].stress, syl[b.syllable].stress)
    level = {p: grid.level(p) for p in grid_pos}

    def inverted(k: int, q: int, p: int) -> float:
        pair = pairs[k]
        if (pair == (1, 0) and level[q] > level[p]) or (pair == (0, 1) and level[p] > level[q]):
            return INVERSION_COST
        return 0.0

    cand = [[p for p in grid_pos if abs(p - onsets[k]) <= reach] for k in range(m)]
    cost = [{p: own(0, p) for p in cand[0]}]
    back: list[dict[int, int]] = [{}]
    for k in range(1, m):
        row, brow = {}, {}
        prev = sorted(cost[-1].items())
        for p in cand[k]:
            best, arg = INF, None
            for q, c in prev:
                if q > p - MIN_NOTE:
                    break
                v = c + held(k - 1, p - q) + (inverted(k, q, p) if pairs[k] else 0.0)
                if v < best:
                    best, arg = v, q
            if arg is not None:
                row[p] = best + own(k, p)
                brow[p] = arg
        if not row:
            return False
        cost.append(row)
        back.append(brow)
    final = {p: c + held(m - 1, last_end(p) - p) for p, c in cost[-1].items() if last_end(p) - p >= MIN_NOTE}
    if not final:
        return False
    p = min(final, key=lambda x: (final[x], abs(x - onsets[-1])))
    new_on = [0] * m
    for k in range(m - 1, -1, -1):
        new_on[k] = p
        p = back[k].get(p, 0)
    for k, n in enumerate(out):
        end = new_on[k + 1] if k + 1 < m else last_end(new_on[k])
        room = end - new_on[k]
        own_len = max(MIN_NOTE, round(n.duration * stretch / SIXTEENTH) * SIXTEENTH)
        n.onset, n.duration = new_on[k], min(room, own_len) if k + 1 < m else room
    return stretch != 1.0


def finish_vocal(song: Song) -> list[VocalNote]:
    """Monophony, legato lines and a rest after every line (the line's last note is shortened).

    Inside a line there is no rest inside a word, nor between words unless the melody rests a beat or more.
    """
    syls = song.syllables()
    vocal = sorted(song.vocal, key=lambda n: (n.onset, n.melisma))
    last_of_line: set[int] = set()
    idx = 0
    for sec in song.sections:
        for line in sec.lines:
            idx += len(line.syllables)
            last_of_line.add(idx - 1)
    out: list[VocalNote] = []
    for n in vocal:
        if out and n.onset < out[-1].onset + MIN_NOTE:  # crowded onsets: push this one later
            end = n.onset + n.duration
            n.onset = out[-1].onset + MIN_NOTE
            n.duration = max(MIN_NOTE, end - n.onset)
        if out and out[-1].onset + out[-1].duration > n.onset:
            out[-1].duration = n.onset - out[-1].onset
        out.append(n)
    if out and out[-1].onset + out[-1].duration > song.length_ticks:
        out[-1].duration = max(MIN_NOTE, song.length_ticks - out[-1].onset)
    for i, n in enumerate(out):
        nxt = out[i + 1] if i + 1 < len(out) else None
        if nxt is None or n.syllable is None:
            continue
        continues = nxt.melisma and nxt.syllable == n.syllable
        if n.syllable in last_of_line and not continues:
            room = nxt.onset - n.onset - LINE_REST
            if n.onset + n.duration > nxt.onset - LINE_REST:
                n.duration = max(MIN_NOTE, min(n.duration, room))
        elif not syls[n.syllable].word_end or continues:
            n.duration = nxt.onset - n.onset  # inside a word (or a melisma): legato to the next note
        elif 0 < nxt.onset - n.onset - n.duration < PPQ:
            n.duration = nxt.onset - n.onset  # between words of a line: sung through, no rest per syllable
    return out
