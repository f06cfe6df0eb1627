"""`generate_melody(plan)`: melody + chords for every planned section, under the plan's hard constraints."""

from __future__ import annotations

import contextlib
import copy
import functools
import math
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from musegen.device import seeded, torch_threads
from musegen.errors import InputError, ModelError
from musegen.music import vocab as V
from musegen.music.harmony import song_chords
from musegen.music.model import MusicTransformer, load_checkpoint
from musegen.music.sampler import BREATH, Cursor, SectionSpec, sample_section
from musegen.music.tokenizer import bar_steps, half_bar, key_shift
from musegen.theory import (
    STRESS_PLACE_COST,
    Chord,
    Key,
    beat_class,
    metric_level,
    strong_beat_ticks,
    ticks_per_bar,
)
from musegen.types import (
    PPQ,
    SECTION_TYPES,
    ChordEvent,
    Lyrics,
    Melody,
    Note,
    SectionMusic,
    SectionPlan,
    Song,
    SongPlan,
)

CANDIDATES = 4  # samples per section; the best by `_score` is kept
TEMPERATURE = 1.0
TOP_P = 0.98


def default_checkpoint() -> Path:
    """Folder of the shipped default music checkpoint."""
    return Path(str(resources.files("musegen.music") / "default"))


def load_music_model(path: str | Path | None = None, device: str | torch.device = "cpu") -> MusicTransformer:
    """Load a music checkpoint folder (None = the shipped default; a style folder's `music/` works too)."""
    p = Path(path) if path is not None else default_checkpoint()
    if (p / "music" / "config.json").exists():
        p = p / "music"
    if not p.is_dir():
        raise ModelError(f"music model {p}: no such folder; pass a checkpoint folder with config.json")
    return _load_cached(str(p.resolve()), str(device))


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, device: str) -> MusicTransformer:
    from musegen.music.tokenizer import check_tokenizer

    tok = Path(path) / "tokenizer.json"
    if tok.exists():
        check_tokenizer(tok)
    return load_checkpoint(path, device)


# ----------------------------------------------------------------------------- plan -> specs
def phrase_windows(
    sec: SectionPlan, meter: tuple[int, int], index: int, lines: list[str] | None = None
) -> list[tuple[int, int, int, int]]:
    """(start step, end step, notes, PBars) per phrase: `phrase_bars` if given, else an even split.

    `lines` (the lyric line of each phrase, when the words are the user's) names the line that cannot fit.
    """
    steps = bar_steps(meter)
    n = len(sec.phrase_notes)
    if n == 0:
        return []
    if sec.phrase_bars:
        if len(sec.phrase_bars) != n:
            raise InputError(
                f"section {index + 1} ({sec.type}): phrase_bars has {len(sec.phrase_bars)} "
                f"entries but phrase_notes has {n}; give one per phrase"
            )
        if sum(sec.phrase_bars) != sec.bars or min(sec.phrase_bars) < 1:
            raise InputError(
                f"section {index + 1} ({sec.type}): phrase_bars {sec.phrase_bars} must be >= 1 "
                f"and sum to the section's {sec.bars} bars"
            )
        edges = np.cumsum([0, *sec.phrase_bars]) * steps
    else:
        unit = (half_bar(meter) or steps) if n > sec.bars else steps  # split on bar (or half-bar) lines
        units = sec.bars * steps // unit
        edges = [round(i * units / n) * unit for i in range(n + 1)]
    out = []
    for i, notes in enumerate(sec.phrase_notes):
        ws, we = int(edges[i]), int(edges[i + 1])
        if notes < 1:
            raise InputError(f"section {index + 1} ({sec.type}): phrase {i + 1} has {notes} notes; need >= 1")
        if notes > V.MAX_PHRASE_NOTES or notes + BREATH > we - ws:
            fit = min(V.MAX_PHRASE_NOTES, we - ws - BREATH)
            if lines is not None and i < len(lines):
                text = lines[i] if len(lines[i]) <= 60 else lines[i][:57] + "..."
                raise InputError(
                    f"lyrics, {sec.type} (section {index + 1}), line {i + 1} \"{text}\": {notes} notes to "
                    f"sing, more than one line holds (at most {fit}); split it into two lines or shorten it"
                )
            raise InputError(
                f"section {index + 1} ({sec.type}): phrase {i + 1} needs {notes} notes in "
                f"{(we - ws) / steps:g} bars, more than fit at 16th-note resolution "
                f"(max {fit}); give it more bars or split the line"
            )
        out.append((ws, we, notes, min(V.MAX_PHRASE_BARS, max(1, round((we - ws) / steps)))))
    return out


# The fastest a phrase's syllables come, in seconds: two onsets of a phrase are at least this far apart,
# in whole grid steps (`SectionSpec.gap`), as far as the plan's windows allow. Above 125 bpm a 16th lasts
# under 0.12 s, and the sampler sang runs of them at fast tempi (session 5's untuned 112 and 127 bpm
# songs: 3.25 and 2.94 notes/s; real pop 1.66): 8 syllables a second in a run, faster than fast speech.
# POP909's melodies sing 0.9 % of their inter-onset intervals as 16ths from 105 bpm (32 % under 85 bpm).
# On the 10 tuning songs (/tmp/s3/12/fresh, same run, paired) notes per second went 1.877 -> 1.816 at
# 0.12 s and -> 1.837 at 0.15 s (which also bans 16ths at 100-125 bpm); mean overlap with POP909 0.847 ->
# 0.833 and -> 0.814 (duration 0.749 -> 0.731 and -> 0.674: POP909's performed durations are mostly 16ths);
# one 16th allowed after a wider interval, at 0.15 s: 1.815 and 0.822. Inversions 3.8 % -> 1.3 % at 0.12 s.
SYLLABLE_FLOOR_S = 0.12


def onset_gap(windows: list[tuple[int, int, int, int]], tempo: float) -> int:
    """Fewest grid steps between a phrase's onsets: `SYLLABLE_FLOOR_S` at `tempo`, if every window fits it."""
    step_s = V.STEP / PPQ * 60.0 / tempo
    gap = max(1, math.ceil(SYLLABLE_FLOOR_S / step_s - 1e-9)) if SYLLABLE_FLOOR_S > 0 else 1
    for ws, we, n, _ in windows:
        if n > 1:
            gap = min(gap, (we - ws - BREATH - 1) // (n - 1))
    return max(1, gap)


def _pitch_mask(vocal_range: tuple[int, int], shift: int) -> np.ndarray:
    lo, hi = vocal_range
    if hi - lo < 5:
        raise InputError(f"vocal_range {lo}-{hi}: needs at least a perfect fourth (5 semitones)")
    p = np.arange(V.PITCH_LO, V.PITCH_HI + 1) - shift  # real pitch of each normalised pitch token
    m = (p >= lo) & (p <= hi)
    if not m.any():
        raise InputError(f"vocal_range {lo}-{hi}: outside the model's pitch range")
    return m


def _given_chords(sec: SectionPlan, shift: int, index: int) -> list[int] | None:
    if not sec.chords:
        return None
    toks = []
    for b in range(sec.bars):
        sym = sec.chords[b % len(sec.chords)]
        try:
            c = Chord.parse(sym)
        except InputError as exc:
            raise InputError(f"section {index + 1} ({sec.type}) chords: {exc}") from None
        toks.append(V.chord_token(c.root + shift, c.quality))
    return toks


def _check_plan(plan: SongPlan) -> None:
    num, den = plan.meter
    if num < 1 or den not in (1, 2, 4, 8, 16):
        raise InputError(f"meter {num}/{den}: give e.g. 4/4, 3/4 or 6/8")
    bt = ticks_per_bar(plan.meter, PPQ)
    if bt % V.STEP or bt // V.STEP > V.MAX_POSITIONS:
        raise InputError(f"meter {num}/{den}: bars longer than {V.MAX_POSITIONS} 16ths are not supported")
    if plan.tempo <= 0:
        raise InputError(f"tempo {plan.tempo}: must be > 0")
    for i, s in enumerate(plan.sections):
        if s.type not in SECTION_TYPES:
            raise InputError(
                f"section {i + 1}: unknown type {s.type!r}; use one of {', '.join(SECTION_TYPES)}"
            )
        if s.bars < 1:
            raise InputError(f"section {i + 1} ({s.type}): bars must be >= 1")
        if s.repeat_of is not None and not 0 <= s.repeat_of < i:
            raise InputError(f"section {i + 1}: repeat_of {s.repeat_of} must name an earlier section")


# ----------------------------------------------------------------------------- scoring and decoding
def chord_tone_ratio(c: Cursor, meter: tuple[int, int]) -> float:
    """Share of notes on strong beats that are chord tones (normalised space)."""
    strong = {t // V.STEP for t in strong_beat_ticks(meter, PPQ)}
    steps = c.spec.steps
    hits = total = 0
    for step, _, pitch in c.notes:
        if step % steps not in strong:
            continue
        chord = None
        for cs, tok in c.chords:
            if cs <= step:
                chord = V.chord_of(tok)
        if chord is None:
            continue
        total += 1
        root, q = chord
        hits += (pitch - root) % 12 in {i % 12 for i in Chord(0, q).pitch_classes()}
    return hits / total if total else 1.0


# Logits per unit of STRESS_PLACE_COST in the sampler's stress prior (with lyrics). On 28 generated songs
# the song.mid vocal line's overlap with real pop melodies went 0.862 (no prior) -> 0.882 (1.5) -> 0.901 (3)
# -> 0.899 (5): the aligner moves fewer notes (39.7% -> 37.1%), so the model's rhythm survives; stressed
# syllables on strong beats 0.653 -> 0.622.
STRESS_WEIGHT = 3.0
# Extra logit penalty for a primary stress PULL_STEPS or fewer grid steps off a strong beat (a pickup
# just before it, or just after it): there the aligner finds moving the note onto the beat cheaper
# (MOVE_COST 0.4 per sixteenth) than leaving the stress off it (1.0), so a sample that puts it there is
# re-timed; most of the aligner's moves on the 20 untuned prompts were such pickups. STRESSED_SCALE and
# UNSTRESSED_SCALE scale the prior's stressed-off-strong (STRESS_PLACE_COST 1.0) and unstressed-on-strong
# (0.3) penalties. On 8 of the untuned prompts (the plans of form.py's seconds cap, the songs' own words
# re-cut to them; /tmp proxy, tuning data) the aligner moved 11.3 % of the notes without these, 7.8 % with
# the pull alone, 7.3 % with the pull and stressed x1.7, 6.3 % adding unstressed x0.4 (stressed-on-strong
# median 0.43 / 0.43 / 0.47 / 0.45, unstressed 0.026 / 0.065 / 0.020 / 0.027; overlap with POP909
# 0.828 / 0.825 / 0.819 / 0.853).
STRESS_PULL = 2.0
PULL_STEPS = 2
STRESSED_SCALE = 1.7
UNSTRESSED_SCALE = 0.4


def stress_costs(meter: tuple[int, int]) -> np.ndarray:
    """Stress-prior logit penalty of starting a syllable of stress s at bar position q: cost[s, q]."""
    bar = ticks_per_bar(meter, PPQ)
    strong = strong_beat_ticks(meter, PPQ)
    steps = bar_steps(meter)
    kinds = [beat_class(q * V.STEP, meter, bar, strong, PPQ) for q in range(steps)]
    cost = np.array([[STRESS_WEIGHT * STRESS_PLACE_COST[st][k] for k in kinds] for st in range(3)],
                    dtype=np.float32)
    cost[0] *= UNSTRESSED_SCALE
    cost[1] *= STRESSED_SCALE
    beats = [t // V.STEP for t in strong]
    for q in range(steps):
        near = min(min(abs(q - b), steps - abs(q - b)) for b in beats)
        if 0 < near <= PULL_STEPS:
            cost[1, q] += STRESS_PULL
    return cost


def metric_levels(meter: tuple[int, int]) -> np.ndarray:
    """Metric level of each grid step of a bar (`musegen.theory.metric_level`: 0 downbeat … 5)."""
    return np.array([metric_level(q * V.STEP, meter, PPQ) for q in range(bar_steps(meter))], dtype=np.int8)


def section_stresses(sec: SectionPlan, lyrics: Lyrics | None, index: int) -> list[list[int]] | None:
    """Per phrase, the CMU stress of the syllable each note will carry (-1: none), for the stress prior.

    Note k of phrase i will carry syllable k of lyric line i (a planned melisma note, past the line's
    syllables, carries none), so the sampler nudges primary stresses onto strong beats and unstressed
    syllables off them, and the aligner has fewer notes to move. None when the lines do not match.
    """
    if lyrics is None or index >= len(lyrics.sections):
        return None
    lines = lyrics.sections[index].lines
    if len(lines) != len(sec.phrase_notes):
        return None
    return [
        [line.syllables[k].stress if k < len(line.syllables) else -1 for k in range(n)]
        for line, n in zip(lines, sec.phrase_notes, strict=True)
    ]


def section_syllables(sec: SectionPlan, lyrics: Lyrics | None, index: int) -> list[list[int]] | None:
    """Per phrase, the Syl token of each note (the model's syllable conditioning; None: no lyrics).

    Note k of phrase i carries syllable k of lyric line i (stress and word start); planned notes past
    the line's syllables are melisma notes. None when the lines do not match the phrases.
    """
    if lyrics is None or index >= len(lyrics.sections):
        return None
    lines = lyrics.sections[index].lines
    if len(lines) != len(sec.phrase_notes):
        return None
    out = []
    for line, n in zip(lines, sec.phrase_notes, strict=True):
        sy = line.syllables
        out.append([V.syl_token(sy[k].stress, sy[k].word_start) if k < len(sy) else V.SYL_M
                    for k in range(n)])
    return out


def _syl_stresses(syl: list[list[int]] | None) -> list[list[int]] | None:
    """Stress-prior stresses of Syl tokens (1 stressed, 0 unstressed, -1 melisma/unknown)."""
    if syl is None:
        return None
    return [[V.SYL_STRESS.get(t, -1) for t in phrase] for phrase in syl]


PRIOR_WEIGHT = 8.0  # weight of the style-prior overlap against the mean log-probability in the rerank
KEY_WEIGHT = 8.0  # weight of the key-profile overlap (tonic-relative pitch classes) in the rerank


def _score(prior: dict[str, list[float]] | None, key_profile: list[float] | None = None, tonic: int = 0):
    """Rerank score: mean log-probability + PRIOR_WEIGHT x prior overlap + KEY_WEIGHT x key-profile overlap.

    The prior overlap is that of the candidate's four EVALUATION.md histograms with the checkpoint's prior
    (the training melodies' histograms, stored in its config.json). The key profile (config.json's
    ``key_profile`` for the plan's mode, `musegen.training.music_prior`) is the training melodies'
    pitch-class histogram relative to the tonic, here `tonic` of the normalised key (0 major, 9 minor):
    the prior's pitch classes are rotated to their most frequent, so only this term sees whether a line
    centres on its own tonic or on the relative major's.

    Sampling drifts (a small model copies its own last bars, and phrase deadlines can cram notes); the
    prior term picks the candidate whose rhythm and contour stay closest to real melodies.
    """
    from musegen.evaluation.melody import FEATURES, histograms
    from musegen.evaluation.melody import key_profile as tonal

    ref = {k: np.asarray(v) for k, v in (prior or {}).items()}
    kp = np.asarray(key_profile) if key_profile is not None and KEY_WEIGHT else None

    def score(c: Cursor) -> float:
        lp = c.logp / max(1, c.sampled)
        if len(c.notes) < 2:
            return lp
        mel = [(s / 4, d / 4, p) for s, d, p in c.notes]
        if ref:
            h = histograms(mel)
            lp += PRIOR_WEIGHT * float(np.mean([np.minimum(h[k], ref[k]).sum() for k in FEATURES]))
        if kp is not None:
            lp += KEY_WEIGHT * float(np.minimum(tonal(mel, tonic), kp).sum())
        return lp

    return score


def to_section_music(c: Cursor, sec: SectionPlan, key: Key, given: list[str] | None) -> SectionMusic:
    """The sampled candidate as SectionMusic in the real key (ticks from the section start)."""
    shift = key_shift(key)
    steps = c.spec.steps
    end = sec.bars * steps
    notes = [Note(s * V.STEP, d * V.STEP, p - shift) for s, d, p in c.notes]
    chords: list[ChordEvent] = []
    for i, (s, tok) in enumerate(c.chords):
        nxt = c.chords[i + 1][0] if i + 1 < len(c.chords) else end
        rq = V.chord_of(tok)
        if rq is None:
            continue
        sym = (
            given[(s // steps) % len(given)]
            if given
            else Chord((rq[0] - shift) % 12, rq[1]).symbol(key.prefer_flats)
        )
        if chords and chords[-1].symbol == sym and chords[-1].onset + chords[-1].duration == s * V.STEP:
            chords[-1].duration += (nxt - s) * V.STEP
        else:
            chords.append(ChordEvent(s * V.STEP, (nxt - s) * V.STEP, sym))
    return SectionMusic(sec.type, sec.bars, notes, chords, list(sec.phrase_notes))


# ----------------------------------------------------------------------------- the stage
@contextlib.contextmanager
def _decode_threads(model: MusicTransformer):
    """One torch thread while decoding on CPU.

    Batch-1..3 steps of a 5 M model are too small to split, and two threads on a busy 2-core machine
    measured 8x slower (11 s vs 1.3 s for 16 bars).
    """
    with torch_threads(1 if next(model.parameters()).device.type == "cpu" else None):
        yield


def generate_melody(
    plan: SongPlan,
    *,
    seed: int | None = None,
    model: MusicTransformer | None = None,
    progress: bool = False,
    candidates: int = CANDIDATES,
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    phrase_rerank: bool = False,
    lyrics: Lyrics | None = None,
    syllables: list[list[list[int]] | None] | None = None,
) -> Melody:
    """Melody and chords for every section of `plan`, honouring its hard constraints exactly.

    One `SectionMusic` per plan section: `bars` bars; phrase i has exactly `phrase_notes[i]` notes inside
    its `phrase_bars[i]` bars (default: the section split evenly), ending with a rest; pitches within
    `vocal_range`; chords on bar/half-bar lines (the given progression, one symbol per bar, when set);
    `repeat_of` sections reuse the earlier music. Same seed, same output. `candidates` samples are
    drawn per section and the best by `_score` kept (`phrase_rerank`: branch again after every phrase;
    measured no better on the benchmark, 0.852 vs 0.873 overlap, so off by default). With `lyrics` (one
    line per phrase), each note is conditioned on its syllable's Syl token (stress, word start, melisma)
    and a stress prior nudges its onset toward where that stress belongs. `syllables` (per section and
    phrase, each note's Syl token) conditions directly instead, for measuring on real songs' words.
    """
    from tqdm import tqdm

    _check_plan(plan)
    model = model if model is not None else load_music_model()
    key = plan.key_obj
    shift = key_shift(key)
    meter = plan.meter
    steps, half = bar_steps(meter), half_bar(meter)
    pitch_ok = _pitch_mask(plan.vocal_range, shift)
    chord_ok = song_chords(plan.style, key.mode)
    place_cost = stress_costs(meter) if lyrics is not None or syllables is not None else None
    levels = metric_levels(meter)
    style = "folk" if plan.style == "folk" else "pop"  # the model's corpus styles; pop unless asked
    header = [
        V.BOS,
        V.mode_token(key.mode),
        V.tempo_token(plan.tempo),
        V.meter_token(meter),
        V.style_token(style),
    ]
    gen = torch.Generator().manual_seed(seed if seed is not None else int(torch.seed() % 2**31))
    ctx = list(header)
    past = None
    out: list[SectionMusic] = []
    out_tokens: dict[int, list[int]] = {}  # each section's tokens (Section token first)
    secs = plan.sections
    extra = getattr(model, "config_extra", {})
    profiles = extra.get("key_profile") or {}
    tonic = 0 if key.mode == "major" else 9  # of the normalised key (C major / A minor)
    score = _score(extra.get("prior"), profiles.get(key.mode), tonic)
    trained = set(extra.get("sections_trained", SECTION_TYPES))

    def cond(kind: str) -> str:  # a section type the model never saw is conditioned as a verse
        return kind if kind in trained else "verse"

    with seeded(seed), _decode_threads(model):
        for i, sec in enumerate(tqdm(secs, desc="melody", disable=not progress)):
            src = secs[sec.repeat_of] if sec.repeat_of is not None else None
            if src is not None and src.bars == sec.bars and list(src.phrase_notes) == list(sec.phrase_notes):
                m = copy.deepcopy(out[sec.repeat_of])
                m.type = sec.type
                out.append(m)
                out_tokens[i] = [V.section_token(cond(sec.type)), *out_tokens[sec.repeat_of][1:]]
                ctx += out_tokens[i]
                past = None
                continue
            words = lyrics.sections[i].lines if lyrics is not None and i < len(lyrics.sections) else None
            windows = phrase_windows(sec, meter, i, [ln.text for ln in words] if words else None)
            given = _given_chords(sec, shift, i)
            syl = syllables[i] if syllables is not None else section_syllables(sec, lyrics, i)
            stress = section_stresses(sec, lyrics, i) if syllables is None else _syl_stresses(syl)
            spec = SectionSpec(
                V.section_token(cond(sec.type)),
                sec.bars,
                steps,
                half,
                windows,
                pitch_ok,
                given,
                V.section_token(cond(secs[i + 1].type)) if i + 1 < len(secs) else V.EOS,
                stress,
                place_cost if stress is not None else None,
                syl=syl,
                levels=levels if syl is not None else None,
                gap=onset_gap(windows, plan.tempo),
                chord_ok=chord_ok,
            )
            ctx.append(spec.section_token)
            c = None
            # the best of `candidates` per section (or, with phrase_rerank, after every phrase)
            for seg in [*range(len(windows)), None] if phrase_rerank else [None]:
                cands, best, past = sample_section(
                    model,
                    ctx + (c.tokens if c else []),
                    spec,
                    n=candidates,
                    temperature=temperature,
                    top_p=top_p,
                    generator=gen,
                    past=past,
                    score=score,
                    start=c,
                    stop_after_phrase=seg,
                )
                c = cands[best]
            ctx += c.tokens[:-1]  # the last token opens the next section: appended there
            out.append(to_section_music(c, sec, key, sec.chords or None))
            out_tokens[i] = [spec.section_token, *c.tokens[:-1]]
    return Melody(out)


def melody_song(plan: SongPlan, melody: Melody, meta: dict | None = None) -> Song:
    """A lead-sheet `Song` (vocalise line, chords, no accompaniment) for the exporters of `musegen.render`."""
    from musegen.types import Section, Song, VocalNote

    sections, vocal, chords = [], [], []
    start = 0
    for sp, sm in zip(plan.sections, melody.sections, strict=True):
        sections.append(Section(sp.type, sp.bars, start, repeat_of=sp.repeat_of))
        vocal += [VocalNote(n.onset + start, n.duration, n.pitch, n.velocity) for n in sm.notes]
        chords += [ChordEvent(c.onset + start, c.duration, c.symbol) for c in sm.chords]
        start += sp.bars * plan.bar_ticks
    return Song(plan, sections, vocal, chords, meta=dict(meta or {}))
