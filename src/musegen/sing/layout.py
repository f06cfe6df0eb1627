"""Where each phoneme of a sung line goes in time: the layout of `voice.render_line`'s step 2.

Onset consonants keep their spoken length but end on the note's onset (taking at most
`ONSET_SHARE` of the previous note); coda consonants end the syllable's last note (each at most
`CODA_MAX` s, together at most `CODA_SHARE` of the syllable); the loudest nucleus token (often the
stress mark, Kokoro-style) holds the note; a word ends `GAP_MIN` (at most `GAP_SHARE` of its note)
before the next word starts, so that legato (no rest between the notes) does not run the words
together. Scaled to the note, the consonants and gaps leave a short note's middle to its vowel,
where its pitch is heard: on 12 dev songs (paired) notes hit over the middle 60 % went 0.904 -> 0.927
mean and Whisper tiny.en WER 0.247 -> 0.244 (onset share 0.45, no gap or coda share before);
a word on a short note before a rest (or at the line's end)
is released into the rest: its vowel lasts `RELEASE_VOWEL` and its end consonants follow, instead
of being squeezed out of the note; rests are otherwise silent.

Phrase-final nasals and liquids: before a rest or at the line's end a word's last m, n, ng, l or r
lasts at least `END_SONORANT` and is sung voiced at no less than `END_SONORANT_PCT` of the line's
spoken vowel energy: read from speech's phrase-final fade, "warm"'s m came out 30 dB under its vowel
(inaudible), now 13 dB (a nasal's natural level). On 10 other tuned-prompt songs (session 11, paired)
Whisper tiny.en WER 0.243 -> 0.239 mean (median 0.276 -> 0.252; 5 songs better, 5 worse); the
line-final words ending on a nasal that Whisper got right stayed 20 of 35, on r or l 5 -> 6 of 9:
kept for the listener, not for a measured intelligibility gain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musegen.sing.model import FRAME_SECONDS, FRAMES_PER_UNIT
from musegen.sing.score import SungLine

UNIT = FRAME_SECONDS * FRAMES_PER_UNIT  # seconds per duration unit (25 ms)
TAIL = 0.25  # silence after the line's last sung sound (s)
ONSET_SHARE = 0.3  # onset consonants may take this share of the previous note
ONSET_STRETCH = 1.4  # onset consonants sung this much longer than spoken, room permitting (clearer words)
CODA_MAX = 0.10  # longest coda consonant (s)
MIN_VOWEL = 0.05  # shortest sung vowel (s)
GAP_MIN = 0.05  # a word gap in legato gets at least this long (s), taken from the previous syllable's vowel
GAP_SHARE = 0.15  # ... but at most this share of the previous note
CODA_SHARE = 0.25  # a syllable's coda consonants take at most this share of its sung length (from its vowel)
RELEASE_VOWEL = 0.15  # before a rest, a word's vowel lasts at least this long (s), into the rest if need be
END_SONORANT = 0.14  # a phrase's last nasal or liquid lasts at least this long (s)
NASAL_LIQUID = frozenset("mnŋlɹ")
REST_MIN = 0.15  # a silence this long (s) between two notes ends a phrase


@dataclass
class Token:
    """One voice token of a line: a phoneme (or stress mark), a word gap or an edge pad."""

    sym: str
    syl: int  # index of its syllable in the line (-1: pad or word gap)
    role: str  # "pad", "gap", "onset", "nucleus", "coda"


def tokens(line: SungLine, vocab: dict[str, int]) -> list[Token]:
    """The voice tokens of a line: per syllable its onset, nucleus and coda phonemes the voice knows."""
    toks = [Token("", -1, "pad")]
    for i, s in enumerate(line.syllables):
        for role, syms in (("onset", s.phones.onset), ("nucleus", s.phones.nucleus), ("coda", s.phones.coda)):
            toks += [Token(c, i, role) for c in syms if c in vocab]
        if s.word_end and i + 1 < len(line.syllables):
            toks.append(Token(" ", -1, "gap"))
    toks.append(Token("", -1, "pad"))
    return toks


def vowel_flags(toks: list[Token]) -> np.ndarray:
    """Per token: whether it is part of a syllable nucleus (vowel or its stress mark)."""
    return np.array([t.role == "nucleus" for t in toks])


def phrase_ends(line: SungLine) -> list[bool]:
    """Per syllable: whether a rest of at least `REST_MIN` (or the line's end) follows it."""
    syls = line.syllables
    return [i + 1 == len(syls) or syls[i + 1].notes[0].start - s.notes[-1].end >= REST_MIN
            for i, s in enumerate(syls)]


def layout(line: SungLine, toks: list[Token], speech_dur: np.ndarray, energy: np.ndarray,
            t0: float) -> tuple[np.ndarray, list[int], list[tuple[float, float]]]:
    """Sung token boundaries (seconds from `t0`), the held token of each syllable, and the sung spans."""
    spoken = speech_dur * UNIT
    bounds_f = np.concatenate([[0], np.cumsum(speech_dur * FRAMES_PER_UNIT)]).astype(int)
    n = len(toks)
    start = np.zeros(n)
    dur = np.zeros(n)
    held: list[int] = []
    syls = line.syllables
    by_syl: dict[int, dict[str, list[int]]] = {}
    for k, t in enumerate(toks):
        if t.syl >= 0:
            by_syl.setdefault(t.syl, {"onset": [], "nucleus": [], "coda": []})[t.role].append(k)
    onset_start: list[float] = []
    for i, s in enumerate(syls):
        idx = by_syl.get(i, {"onset": [], "nucleus": [], "coda": []})
        note0 = s.notes[0].start - t0
        limit = 0.0
        if i > 0:
            prev = syls[i - 1].notes[-1]
            limit = prev.start - t0 + (1 - ONSET_SHARE) * (prev.end - prev.start)
        want = float(spoken[idx["onset"]].sum())
        have = min(want * ONSET_STRETCH, max(note0 - limit, 0.0))
        scale = have / want if want > 0 else 0.0
        t = note0 - have
        onset_start.append(t)
        for k in idx["onset"]:
            start[k], dur[k] = t, spoken[k] * scale
            t += dur[k]
    syl_end: list[float] = []
    ends = phrase_ends(line)
    for i, s in enumerate(syls):
        idx = by_syl.get(i, {"onset": [], "nucleus": [], "coda": []})
        v0 = s.notes[0].start - t0
        end = s.notes[-1].end - t0
        coda = np.minimum(spoken[idx["coda"]], CODA_MAX)
        if ends[i] and idx["coda"] and toks[idx["coda"][-1]].sym in NASAL_LIQUID:
            coda[-1] = max(coda[-1], END_SONORANT)
        gap = min(GAP_MIN, GAP_SHARE * (s.notes[-1].end - s.notes[-1].start))
        # before a rest (or at the line's end) a short note's word runs on into the silence, as far as its
        # vowel (RELEASE_VOWEL) and end consonants need: they are not squeezed into the note
        free = onset_start[i + 1] - gap if i + 1 < len(syls) else end + RELEASE_VOWEL + CODA_MAX
        if s.word_end and free > end:
            end = min(free, max(end, v0 + RELEASE_VOWEL + float(coda.sum())))
        if i + 1 < len(syls):
            end = min(end, onset_start[i + 1])
            if s.word_end and onset_start[i + 1] - end < gap:
                end = max(min(end, onset_start[i + 1] - gap), min(end, v0 + 2 * MIN_VOWEL))
        room = max(end - v0 - MIN_VOWEL, 0.0)
        cap = min(room / 2, CODA_SHARE * (end - v0))
        if coda.sum() > cap:
            coda *= cap / coda.sum()
        nuc = idx["nucleus"]
        if nuc:
            loud = [float(energy[bounds_f[k]:max(bounds_f[k + 1], bounds_f[k] + 1)].mean()) for k in nuc]
            h = nuc[int(np.argmax(loud))]
        else:
            h = -1
        held.append(h)
        vowel_len = max(end - v0 - float(coda.sum()), 0.0)
        others = [k for k in nuc if k != h]
        other_len = float(spoken[others].sum()) if others else 0.0
        shrink = min(1.0, 0.5 * vowel_len / other_len) if other_len > 0 else 1.0
        t = v0
        for k in nuc:
            d = spoken[k] * shrink if k != h else vowel_len - other_len * shrink
            start[k], dur[k] = t, max(d, 0.0)
            t += dur[k]
        for k, c in zip(idx["coda"], coda, strict=True):
            start[k], dur[k] = t, float(c)
            t += dur[k]
        syl_end.append(max(t, s.notes[-1].end - t0))
    # boundaries: a sung token starts at its place; a word gap starts where the previous token ends; any
    # rest inside a word is absorbed by the token before it (the gate silences rests anyway)
    line_end = syls[-1].notes[-1].end - t0
    edges = np.zeros(n + 1)
    for k in range(1, n):
        edges[k] = start[k] if toks[k].role not in ("gap", "pad") else start[k - 1] + dur[k - 1]
    edges[n] = max(edges[n - 1], line_end) + TAIL
    edges = np.maximum.accumulate(edges)
    sung = [(onset_start[i], syl_end[i]) for i in range(len(syls))]
    return edges, held, _merge(sung)


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Spans sorted, those less than 30 ms apart joined."""
    spans = sorted(spans)
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 0.03:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
