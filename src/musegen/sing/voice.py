"""Render one sung line with the patched hibari voice (see `musegen.sing.model`).

1. **Speech pass**: the line's phonemes spoken a little slower than the voice's own pace
   (`SPEECH_SPEED`) give per-token durations, the energy contour and the voicing (where the predicted F0
   is voiced); over the same 6 songs, 0.85 gave Whisper tiny.en WER 0.198 mean vs 0.214 at 1.0.
2. **Layout** (`musegen.sing.layout`): where each onset, vowel and coda goes on the notes.
3. **Time warp**: energy and voicing are read from the speech pass through a per-token time map; a
   stretched vowel keeps its first and last `EDGE` at speech pace and stretches its middle; a squeezed
   token leaves out its spoken fade (`FADE_DROP`), which at a line's end is most of its spoken length
   (the last consonant of "maps" was sung 27 dB under its vowel, now 13 dB). On 10 dev songs (paired)
   Whisper tiny.en WER went 0.196 -> 0.190 mean (median 0.189 -> 0.173; 5 songs better, 3 worse; lost
   line-final words 32.6 -> 27.3 %, those ending on a consonant 34 -> 28 %), notes hit 0.959 -> 0.965.
4. **F0**: the notes, with a slide between them (`GLIDE` s, at most `GLIDE_SHARE` of either note, so
   that a short note reaches its pitch) and a light vibrato on notes longer than `VIBRATO_AFTER`.
5. **Synthesis**: hibari's DSP (pulse train, STFT, overlap-add at 24 kHz), except that on held vowel
   frames the free-phase branch follows the pulse train's phase: held vowels repeat identical frames,
   and a constant free phase there buzzes at the 80 Hz frame rate. (Locking every sung vowel frame
   raised notes hit by 0.8 points but cost Whisper WER on 8 of 10 songs: median 0.162 -> 0.179.)
   On voiced frames the free-phase branch is also silenced below `FREE_HP` x F0: a voiced sound has no
   harmonics under its fundamental, but the voice, trained on speech (F0 ~200 Hz), puts free-branch
   energy at 200-400 Hz (a nasal's murmur, an unlocked vowel edge), and under a high note (G4-B4) a pitch
   tracker read it as the pitch, 4-7 semitones low. On 12 dev songs (paired) notes hit over the middle
   60 % went 0.927 -> 0.956 mean (9 songs up, 3 down; A4-high songs 0.80 -> 0.93), Whisper tiny.en WER
   0.244 -> 0.241 mean (6 better, 5 worse), the singer's CPU time unchanged.
6. **Gate**: silence outside the sung stretches; a stretch that ends on a sonorant is released over
   `RELEASE_FADE` rather than cut. On the 10 first tuned-prompt songs of `benchmarks/generate.py` (same
   songs, paired), Whisper tiny.en WER 0.257 -> 0.246 mean (median 0.253 -> 0.246; 5 songs better, 3
   worse; line-final words ending on a vowel heard right in 11 -> 12 of 17 lines); pitch and timing
   unchanged.
7. **Phrase-final nasals and liquids** (layout): held and sung at a sung level (`END_SONORANT_PCT`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musegen.sing.layout import NASAL_LIQUID, UNIT, Token, layout, phrase_ends, tokens, vowel_flags
from musegen.sing.model import FRAME_SECONDS, FRAMES_PER_UNIT, VoiceModel
from musegen.sing.score import SungLine

SPEECH_SPEED = 0.85  # pace of the speech pass (1: the voice's own)
LEAD = 0.15  # silence rendered before the line's first consonant (s)
EDGE = 0.35  # share of a stretched vowel's spoken length kept at speech pace at each end
GLIDE = 0.05  # pitch slide between notes (s), centred on the new note's onset
GLIDE_SHARE = 0.2  # ... and at most this share of the shorter of the two notes
VIBRATO_AFTER = 0.35  # notes longer than this get vibrato, starting this long after their onset
VIBRATO_HZ, VIBRATO_CENTS, VIBRATO_RAMP = 5.5, 15.0, 0.25
VOICED_HZ = 40.0  # hibari's voicing threshold
RAMP = 0.01  # fade at the edges of each sung stretch (s)
# A sung stretch that ends on a sonorant (its vowel, or an r, l, nasal or glide after it: "gray", "far",
# "warm") is released over RELEASE_FADE (at most RELEASE_SHARE of the stretch) instead of RAMP: cut in
# 10 ms, a voiced sound at full energy ends in a click that a listener hears as a stop ("far" -> "fart",
# "gray" -> "grape").
SONORANTS = frozenset("ɹlmnŋwj")
RELEASE_FADE = 0.08
RELEASE_SHARE = 0.3
VOWEL_ENERGY_PCT = 75  # sung vowels get at least this percentile of the line's spoken vowel energy
FREE_HP = 0.95  # on voiced frames the free-phase branch is silenced below this share of F0 (0: off)
FADE_DROP = 2.0  # a squeezed token reads its spoken frames only up to where its energy falls this far
# a phrase's last nasal or liquid (see `layout.END_SONORANT`) is sung at no less than this percentile of
# the line's spoken vowel energy: speech lets it fade
END_SONORANT_PCT = 30


def _warp(speech_frames: np.ndarray, sung_frames: np.ndarray, held: set[int],
          energy: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per sung frame: the (fractional) speech frame it reads, and 1.0 where a vowel is held (stretched).

    A token sung shorter than spoken reads its spoken frames squeezed, but (given the spoken `energy`)
    only up to where its energy falls `FADE_DROP` under its peak, as far as its sung length allows: the
    speech pass ends a line by fading its last consonant over a long spoken duration ("maps": s spoken
    0.4 s), and squeezed whole onto the note's end that consonant was sung as its fade.
    """
    total = int(sung_frames[-1])
    pos = np.zeros(total)
    hold = np.zeros(total)
    for k in range(len(sung_frames) - 1):
        a, b = speech_frames[k], speech_frames[k + 1]  # spoken frames of token k
        sa, sb = sung_frames[k], sung_frames[k + 1]  # its sung frames
        if sb <= sa:
            continue
        j = np.arange(sa, sb) - sa
        spoken, sung = b - a, sb - sa
        if k in held and sung > spoken > 0:
            e = EDGE * spoken
            p = np.where(j < e, a + j, np.where(sung - j <= e, b - (sung - j),
                                                a + e + (j - e) * (spoken - 2 * e) / max(sung - 2 * e, 1)))
            hold[sa:sb] = ((j >= e) & (sung - j > e)).astype(float)
        else:
            if energy is not None and FADE_DROP > 0 and sung < spoken:
                spoken_en = energy[a:b]
                loud = int(np.flatnonzero(spoken_en >= spoken_en.max() - FADE_DROP)[-1]) + 1
                spoken = min(spoken, max(loud, sung))
                b = a + spoken
            p = a + (j + 0.5) * spoken / sung - 0.5 if spoken > 0 else np.full(sung, float(a))
        pos[sa:sb] = np.clip(p, a, max(b - 1, a))
    return pos, hold


def _f0(line: SungLine, t0: float, frames: int) -> np.ndarray:
    """Target F0 (Hz) per frame: the notes with glides between them and vibrato on long notes."""
    t = np.arange(frames) * FRAME_SECONDS + t0
    notes = [n for s in line.syllables for n in s.notes]
    pitch = np.full(frames, float(notes[0].pitch))
    cents = np.zeros(frames)
    for prev, n in zip([None, *notes[:-1]], notes, strict=True):
        if prev is None:
            continue
        mid = n.start
        g = max(min(GLIDE, GLIDE_SHARE * (n.end - n.start), GLIDE_SHARE * (prev.end - prev.start)), 1e-3)
        ramp = np.clip((t - (mid - g / 2)) / g, 0, 1)
        pitch = np.where(t >= mid - g / 2, prev.pitch + (n.pitch - prev.pitch) *
                         0.5 * (1 - np.cos(np.pi * ramp)), pitch)
    for n in notes:
        if n.end - n.start > VIBRATO_AFTER:
            rel = t - n.start - VIBRATO_AFTER
            inside = (rel > 0) & (t < n.end)
            depth = VIBRATO_CENTS * np.clip(rel / VIBRATO_RAMP, 0, 1)
            cents = np.where(inside, depth * np.sin(2 * np.pi * VIBRATO_HZ * rel), cents)
    return (440.0 * 2 ** ((pitch - 69) / 12 + cents / 1200)).astype(np.float32)


def _gate(spans: list[tuple[float, float]], frames_samples: int, rate: int,
          open_ends: list[bool] | None = None) -> np.ndarray:
    """Gain per sample: 1 inside the sung stretches, 0 outside, with `RAMP` edges.

    A stretch that `open_ends` marks as ending on a sonorant is released over `RELEASE_FADE` instead.
    """
    g = np.zeros(frames_samples, np.float32)
    r = max(int(RAMP * rate), 1)
    for n, (a, b) in enumerate(spans):
        i, j = max(int(a * rate) - r, 0), min(int(b * rate) + 2 * r, frames_samples)
        if j <= i:
            continue
        seg = np.ones(j - i, np.float32)
        k = min(r, (j - i) // 2)
        if k:
            seg[:k] = np.linspace(0, 1, k, dtype=np.float32)
            seg[-k:] = np.linspace(1, 0, k, dtype=np.float32)
        if open_ends is not None and open_ends[n]:
            f = min(int(RELEASE_FADE * rate), int(RELEASE_SHARE * (j - i)))
            if f > k:
                fade = 0.5 * (1 + np.cos(np.linspace(0, np.pi, f, dtype=np.float32)))
                seg[-f:] = np.minimum(seg[-f:], fade)
        g[i:j] = np.maximum(g[i:j], seg)
    return g


def open_span_ends(lt: LineTiming) -> list[bool]:
    """Per sung stretch of a line: whether the last token sung in it is a sonorant (see `SONORANTS`)."""
    edges = np.concatenate([[0], np.cumsum(lt.dur)]) * UNIT  # token boundaries, s from lt.start
    out = []
    for _, b in lt.spans:
        k = int(np.searchsorted(edges, b - 1e-6)) - 1  # the token sounding just before b
        while k > 0 and lt.tokens[k].role in ("pad", "gap"):
            k -= 1
        t = lt.tokens[k] if k >= 0 else None
        out.append(t is not None and (t.role == "nucleus" or (t.role == "coda" and t.sym in SONORANTS)))
    return out


def _synth(out: list[np.ndarray], f0: np.ndarray, lock: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hibari DSP with phase-locked vowels: S = e^lh·rot(θ)·P + e^ln·Z + e^lr·[(1-m)e^iφ + m·P].

    m is the `lock` mask per frame (1 on held vowels), P the pulse train's spectrum.
    """
    from hibari import dsp

    lh, th, ln, lr, phi = (o[0] for o in out)
    pulse = dsp.stft(dsp.pulses(f0), lh.shape[1])
    rot = np.empty(lh.shape, np.complex64)
    c = np.tanh(th) * np.pi
    np.cos(c, out=rot.real)
    np.sin(c, out=rot.imag)
    spec = pulse * rot * dsp.ex(lh)
    z = rng.standard_normal((lh.shape[0], 2 * lh.shape[1]), dtype=np.float32).view(np.complex64)
    spec += z * dsp.ex(ln)
    m = np.convolve(lock, np.ones(5) / 5, mode="same").astype(np.float32)[None, :]
    free = np.empty(lh.shape, np.complex64)
    np.cos(phi, out=free.real)
    np.sin(phi, out=free.imag)
    gain = dsp.ex(lr)
    if FREE_HP > 0:
        # below the fundamental a voiced sound has no harmonics; the free branch's energy there (the voice
        # was trained on speech, F0 ~200 Hz) reads as a low pitch under a high sung note
        top = min(int(FREE_HP * float(f0.max()) * dsp.N_FFT / dsp.SR) + 1, lh.shape[0])
        hz = np.arange(top, dtype=np.float32)[:, None] * (dsp.SR / dsp.N_FFT)
        gain[:top] *= ~((hz < FREE_HP * f0[None, :]) & (f0[None, :] > 0))
    spec += gain * ((1 - m) * free + m * pulse)
    return dsp.ola(spec)


@dataclass
class LineAudio:
    """A rendered line: mono float32 audio at 24 kHz starting at `start` seconds into the song."""

    start: float
    audio: np.ndarray


@dataclass
class LineTiming:
    """A line's tokens, as spoken (speech pass) and as sung (layout), before synthesis."""

    tokens: list[Token]
    ids: np.ndarray  # [1, tokens] voice ids
    speech_dur: np.ndarray  # spoken duration per token (units of UNIT s)
    energy: np.ndarray  # spoken energy per frame
    f0: np.ndarray  # spoken F0 per frame (Hz)
    start: float  # song time of the first frame (s)
    dur: np.ndarray  # sung duration per token (units)
    held: list[int]  # per syllable: the token that holds its note (-1: none)
    spans: list[tuple[float, float]]  # sung stretches (s from `start`); silence elsewhere


def line_timing(voice: VoiceModel, line: SungLine) -> LineTiming:
    """Speech pass and layout of one line: how long each token is spoken and sung."""
    toks = tokens(line, voice.vocab)
    ids = np.asarray([[voice.vocab.get(t.sym, 0) if t.role != "pad" else 0 for t in toks]], np.int64)
    speed = np.full(1, SPEECH_SPEED, np.float32)
    d_pred, energy, f0_pred = voice.speech.run(None, {"ids": ids, "speed": speed})
    speech_dur = np.maximum(np.rint(d_pred), 0).astype(np.int64)
    energy, f0_pred = energy[0], f0_pred[0]
    # start early enough for the first onset consonants to fit before the first note
    t0 = line.start - LEAD - float(speech_dur[1:4].sum()) * UNIT
    edges, held, spans = layout(line, toks, speech_dur, energy, t0)
    units = np.rint(edges / UNIT).astype(np.int64)
    dur = np.diff(units)
    dur[0] = max(dur[0], 1)
    return LineTiming(toks, ids, speech_dur, energy, f0_pred, t0, dur, held, spans)


def render_line(voice: VoiceModel, line: SungLine, rng: np.random.Generator) -> LineAudio:
    """Sing one line: speech pass, layout, warp, F0, synthesis, silence outside the sung stretches."""
    lt = line_timing(voice, line)
    toks, speech_dur, energy, dur = lt.tokens, lt.speech_dur, lt.energy, lt.dur
    sung_frames = np.concatenate([[0], np.cumsum(dur * FRAMES_PER_UNIT)])
    speech_frames = np.concatenate([[0], np.cumsum(speech_dur * FRAMES_PER_UNIT)])
    pos, hold = _warp(speech_frames, sung_frames, set(lt.held), energy)
    idx = np.arange(len(energy))
    en = np.interp(pos, idx, energy).astype(np.float32)
    voiced = np.interp(pos, idx, (lt.f0 > VOICED_HZ).astype(float)) > 0.5
    # a sung vowel is voiced and carries the line's full vowel energy, wherever speech would have let it
    # fade (unstressed words, the creaky end of a sentence)
    token = np.repeat(np.arange(len(toks)), dur * FRAMES_PER_UNIT)[: len(pos)]
    vowel = np.isin(token, [k for k, t in enumerate(toks) if t.role == "nucleus"])
    spoken_vowel = np.repeat(vowel_flags(toks), speech_dur * FRAMES_PER_UNIT)[: len(energy)]
    floor = float(np.percentile(energy[spoken_vowel], VOWEL_ENERGY_PCT)) if spoken_vowel.any() else -np.inf
    en[vowel] = np.maximum(en[vowel], floor)
    # a phrase's last nasal or liquid keeps a sung level (END_SONORANT_PCT)
    ends = phrase_ends(line)
    last = {max((k for k, t in enumerate(toks) if t.syl == i and t.role == "coda"), default=-1)
            for i in range(len(line.syllables)) if ends[i]}
    sono = np.isin(token, [k for k in last if k >= 0 and toks[k].sym in NASAL_LIQUID])
    if sono.any() and spoken_vowel.any():
        en[sono] = np.maximum(en[sono], float(np.percentile(energy[spoken_vowel], END_SONORANT_PCT)))
    voiced |= vowel | sono | (hold > 0)
    f0 = _f0(line, lt.start, len(pos)) * voiced
    out = voice.sing.run(None, {"ids": lt.ids, "dur_in": dur, "f0_in": f0[None, :].astype(np.float32),
                                "en_in": en[None, :]})
    wav = _synth(out, f0.astype(np.float32), hold, rng)
    from musegen.sing.model import SAMPLE_RATE

    wav *= _gate(lt.spans, len(wav), SAMPLE_RATE, open_span_ends(lt))
    return LineAudio(lt.start, wav)
