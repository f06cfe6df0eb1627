import socket

import numpy as np
import pytest

from musegen.render.common import seconds
from musegen.sing import OUT_RATE, sing
from sing.phrase import PITCHES, phrase_song


def yin_hz(x: np.ndarray, rate: int, lo: float = 70.0, hi: float = 1000.0) -> float:
    """Fundamental of a steady stretch of audio by YIN (de Cheveigné & Kawahara 2002): the
    cumulative-mean-normalised difference over the whole lo–hi range, the first dip under 0.1 followed to
    its minimum and refined by a parabola; the median over 40 ms frames."""
    n, hop = int(0.04 * rate), int(0.01 * rate)
    tmin, tmax = int(rate / hi), int(rate / lo)
    size = 1 << int(np.ceil(np.log2(n + tmax + n)))
    est = []
    for s in range(0, len(x) - n - tmax, hop):
        f = x[s:s + n + tmax].astype(np.float64)
        if np.sqrt(np.mean(f[:n] ** 2)) < 1e-3:
            continue
        cross = np.fft.irfft(np.fft.rfft(f, size) * np.conj(np.fft.rfft(f[:n], size)), size)[:tmax + 1]
        sq = np.concatenate([[0.0], np.cumsum(f ** 2)])
        d = sq[n] + (sq[n:n + tmax + 1] - sq[:tmax + 1]) - 2 * cross  # sum (x_j - x_{j+tau})^2
        cmnd = np.ones(tmax + 1)
        cmnd[1:] = d[1:] * np.arange(1, tmax + 1) / np.maximum(np.cumsum(d[1:]), 1e-12)
        below = np.flatnonzero(cmnd[tmin:tmax] < 0.1) + tmin
        tau = int(below[0]) if len(below) else int(np.argmin(cmnd[tmin:tmax])) + tmin
        while tau + 1 < tmax and cmnd[tau + 1] < cmnd[tau]:
            tau += 1
        a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c > 0 else 0.0
        est.append(rate / (tau + shift))
    return float(np.median(est)) if est else 0.0


def test_phrase_f0_follows_the_notes(phrase):
    vox = sing(phrase)
    assert vox.audio.dtype == np.float32 and vox.transpose == 0 and vox.problems == []
    hit, errs = 0, []
    for n in phrase.vocal:
        a, b = seconds(phrase, n.onset), seconds(phrase, n.onset + n.duration)
        mid = vox.audio[int((a + 0.3 * (b - a)) * OUT_RATE):int((b - 0.3 * (b - a)) * OUT_RATE)]
        hz = yin_hz(mid, OUT_RATE)
        cents = 1200 * np.log2(hz / (440 * 2 ** ((n.pitch - 69) / 12))) if hz else np.inf
        hit += abs(cents) <= 50
        errs.append(abs(cents))
    assert hit >= len(phrase.vocal) - 1, f"{hit}/{len(phrase.vocal)} notes within 50 cents"
    assert np.median(errs) <= 20, errs
    # silent before the first consonant and after the last note; sound while singing
    first = seconds(phrase, phrase.vocal[0].onset)
    assert np.abs(vox.audio[: int((first - 0.4) * OUT_RATE)]).max() < 1e-4
    end = seconds(phrase, phrase.vocal[-1].onset + phrase.vocal[-1].duration)
    assert np.abs(vox.audio[int((end + 0.1) * OUT_RATE):]).max() < 1e-4
    assert np.sqrt(np.mean(vox.audio[int(first * OUT_RATE):int(end * OUT_RATE)] ** 2)) > 0.01


def test_same_seed_same_samples_other_seed_differs():
    a, b, c = (sing(phrase_song(seed=s)).audio for s in (3, 3, 4))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)  # the noise branch follows the seed


def test_low_line_is_moved_up_an_octave():
    low = phrase_song(pitches=[p - 24 for p in PITCHES], melisma_to=None)
    vox = sing(low)
    assert vox.transpose == 24  # D2 … A2 → D4 … A4: every note inside E3–C5
    high = phrase_song(pitches=[p + 12 for p in PITCHES], melisma_to=None)
    assert sing(high).transpose == -12  # D5 … A5 → D4 … A4


def test_nothing_reaches_the_network(monkeypatch, tmp_path):
    """Patch the model into an empty cache and sing with every socket refused."""
    from musegen.sing import model

    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    model.load_voice.cache_clear()

    def refuse(*_a, **_k):
        raise AssertionError("musegen.sing tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    try:
        vox = sing(phrase_song("Zorblax engines whisper under frozen maps"))  # G2P fallback too
        assert list((tmp_path / "voices").glob("hibari-0.2.1-*/sing.onnx"))
        assert np.abs(vox.audio).max() > 0.05
    finally:
        model.load_voice.cache_clear()


def test_unsingable_script_is_a_clear_error():
    from musegen.sing import UnsingableError

    song = phrase_song("Purple engines whisper under frozen maps")
    song.sections[0].lines[0].syllables[-1].text = "карт"
    with pytest.raises(UnsingableError, match=r"line 1 .*'карт'.*Latin script"):
        sing(song)


def test_free_branch_is_silent_below_the_fundamental():
    """On voiced frames the free-phase branch has no energy below FREE_HP x F0 (under a high sung note it
    read as a pitch 4-7 semitones low); on unvoiced frames it is left whole."""
    from musegen.sing import voice

    frames, bins = 160, 601
    rng = np.random.default_rng(0)
    silent = np.full((1, bins, frames), -30.0, np.float32)
    out = [silent, np.zeros_like(silent), silent, np.zeros_like(silent),  # only the free branch sounds
           rng.uniform(-np.pi, np.pi, silent.shape).astype(np.float32)]
    f0 = np.where(np.arange(frames) < frames // 2, 440.0, 0.0).astype(np.float32)  # voiced, then unvoiced
    wav = voice._synth(out, f0, np.zeros(frames, np.float32), np.random.default_rng(1))
    rate, half = 24000, len(wav) // 2

    def low_share(x: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
        hz = np.fft.rfftfreq(len(x), 1 / rate)
        return float(power[(hz > 50) & (hz < 0.8 * 440)].sum() / power.sum())

    edge = int(0.1 * rate)
    voiced, unvoiced = wav[edge:half - edge], wav[half + edge:-edge]
    assert low_share(voiced) < 1e-3
    assert low_share(unvoiced) > 0.01  # a flat spectrum: about 2.5 % of it lies in 50-352 Hz


def test_a_line_final_consonant_is_sung_not_its_spoken_fade():
    """The speech pass ends a line by fading its last consonant out over a long spoken duration ("maps":
    s spoken 0.4 s); squeezed onto the note's end, the sung s read that fade and came out 27 dB under the
    held vowel, and Whisper heard "map". A squeezed token reads its spoken frames up to where its energy
    falls FADE_DROP under its peak."""
    from musegen.sing import voice
    from musegen.sing.model import SAMPLE_RATE, load_voice
    from musegen.sing.score import sung_lines

    line = sung_lines(phrase_song())[0][0]
    v = load_voice()
    lt = voice.line_timing(v, line)
    audio = voice.render_line(v, line, np.random.default_rng(0)).audio
    edges = np.concatenate([[0], np.cumsum(lt.dur)]) * voice.UNIT

    def level(k: int) -> float:
        x = audio[int(edges[k] * SAMPLE_RATE):int(edges[k + 1] * SAMPLE_RATE)]
        return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-18))

    last = len(line.syllables) - 1
    s = [k for k, t in enumerate(lt.tokens) if t.syl == last and t.role == "coda"][-1]
    held = lt.held[last]
    assert lt.tokens[s].sym == "s" and lt.speech_dur[s] > 2 * lt.dur[s]  # spoken long, sung short
    assert level(s) > level(held) - 20, (level(s), level(held))  # was 27 dB under: 'map'


def _timing(syms_roles: list[tuple[str, str]], unit_each: int = 4):
    """A LineTiming whose tokens (pads around `syms_roles`) last `unit_each` units, one span over them."""
    from musegen.sing import layout, voice

    toks = [layout.Token("", -1, "pad")] + [layout.Token(s, 0, r) for s, r in syms_roles]
    toks.append(layout.Token("", -1, "pad"))
    dur = np.full(len(toks), unit_each)
    end = (len(toks) - 1) * unit_each * voice.UNIT  # where the last sung token ends
    return voice.LineTiming(toks, np.zeros((1, len(toks)), np.int64), dur, np.zeros(4), np.zeros(4), 0.0,
                            dur, [2], [(unit_each * voice.UNIT, end)])


def test_a_stretch_ending_on_a_sonorant_is_released_not_cut():
    """Cut in RAMP, a voiced end at full energy clicks like a stop ("far" -> "fart"): it fades out instead."""
    from musegen.sing import voice

    assert voice.open_span_ends(_timing([("f", "onset"), ("ɑ", "nucleus"), ("ɹ", "coda")])) == [True]
    assert voice.open_span_ends(_timing([("ɡ", "onset"), ("A", "nucleus")])) == [True]
    assert voice.open_span_ends(_timing([("ɑ", "nucleus"), ("t", "coda")])) == [False]
    rate, b = 24_000, 0.5
    cut, released = (voice._gate([(0.1, b)], rate, rate, ends) for ends in ([False], [True]))
    at = int((b - 0.03) * rate)
    assert cut[at] == 1.0 and 0.0 < released[at] < 0.9
    assert released[int((b - voice.RELEASE_FADE - 0.03) * rate)] == 1.0  # the vowel before it is whole
    assert not released[int((b + 0.05) * rate):].any() and not cut[int((b + 0.05) * rate):].any()


def test_a_phrase_final_nasal_is_held_and_sung():
    """Speech lets a phrase's last consonant fade; sung that way, Whisper heard "warm" as "war" and "tomb"
    as "two". A nasal or liquid before a rest or at the line's end lasts at least END_SONORANT, voiced, at
    no less than END_SONORANT_PCT of the line's spoken vowel energy."""
    from musegen.sing import layout, voice
    from musegen.sing.model import SAMPLE_RATE, load_voice
    from musegen.sing.score import sung_lines

    text = "Purple engines whisper under the warm"
    line = sung_lines(phrase_song(text, PITCHES[:10]))[0][0]
    assert layout.phrase_ends(line) == [False] * 9 + [True]
    v = load_voice()
    lt = voice.line_timing(v, line)
    last = len(line.syllables) - 1
    m = [k for k, t in enumerate(lt.tokens) if t.syl == last and t.role == "coda"][-1]
    assert lt.tokens[m].sym == "m"
    assert lt.dur[m] * voice.UNIT >= layout.END_SONORANT - voice.UNIT / 2, lt.dur[m]
    audio = voice.render_line(v, line, np.random.default_rng(0)).audio
    edges = np.concatenate([[0], np.cumsum(lt.dur)]) * voice.UNIT

    def level(k: int) -> float:
        x = audio[int(edges[k] * SAMPLE_RATE):int(edges[k + 1] * SAMPLE_RATE)]
        return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-18))

    # a nasal sounds 10-15 dB under its vowel; read from speech's fade it was 30 dB under (-53 vs -22.5 dB)
    assert level(m) > level(lt.held[last]) - 16, (level(m), level(lt.held[last]))
