import json
import sys

import numpy as np
import pytest
import soundfile as sf

from musegen.errors import InputError
from musegen.render.audio import (
    PEAK_DBFS,
    SAMPLE_RATE,
    TAIL_SECONDS,
    default_soundfont,
    render_audio,
    resolve_soundfont,
    synthesize,
)
from musegen.types import VocalNote


def test_default_soundfont_is_package_data():
    path = default_soundfont()
    assert path.name == "TimGM6mb.sf2" and path.stat().st_size > 1_000_000
    assert resolve_soundfont(None) == path


def test_wav_is_44k1_stereo_normalised_and_not_clipped(tmp_path, song, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyaudio", None)  # rendering must never need pyaudio
    path = render_audio(song, tmp_path / "song.wav")
    data, rate = sf.read(path, dtype="float32")
    info = sf.info(path)
    assert rate == SAMPLE_RATE == 44100 and data.shape[1] == 2 and info.subtype == "PCM_16"
    assert len(data) / rate == pytest.approx(song.duration_seconds + TAIL_SECONDS, abs=0.05)
    peak = np.abs(data).max()
    assert peak == pytest.approx(10 ** (PEAK_DBFS / 20), abs=2e-3) and peak < 1.0
    # music all the way through: every 2-second window of the song (before the tail) has sound
    windows = data[: int(song.duration_seconds) * rate].reshape(-1, 2 * rate, 2)
    assert (np.sqrt((windows ** 2).mean(axis=(1, 2))) > 1e-3).all()


def test_flac(tmp_path, song):
    path = render_audio(song, tmp_path / "song.flac")
    assert sf.info(path).format == "FLAC" and sf.info(path).samplerate == 44100


@pytest.mark.parametrize(("pitch", "hz"), [(69, 440.0), (57, 220.0), (60, 261.63)])
def test_a_sung_note_sounds_at_its_frequency(song, pitch, hz):
    song.tracks = []
    song.plan.instruments["Vocal"] = 80  # square lead: a clean fundamental
    song.vocal = [VocalNote(0, 4 * 480, pitch, 100)]  # 2.5 s at 96 BPM
    audio = synthesize(song).mean(axis=1)
    seg = audio[int(0.3 * SAMPLE_RATE): int(2.3 * SAMPLE_RATE)]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    freqs = np.fft.rfftfreq(len(seg), 1 / SAMPLE_RATE)
    assert freqs[spectrum.argmax()] == pytest.approx(hz, rel=0.005)
    assert np.abs(audio[int((2.5 + 1.5) * SAMPLE_RATE):]).max() < 0.05  # silent after the note's release


def test_drums_sound_on_channel_10(song):
    song.vocal = []
    song.tracks = [t for t in song.tracks if t.name == "Drums"]
    audio = synthesize(song)
    assert np.sqrt((audio ** 2).mean()) > 0.01


def test_bad_soundfonts_fail_with_one_line(tmp_path, song):
    with pytest.raises(InputError, match=r"--soundfont .*missing\.sf2: no such file"):
        resolve_soundfont(tmp_path / "missing.sf2")
    txt = tmp_path / "notes.txt"
    txt.write_text("hi")
    with pytest.raises(InputError, match=r"not a \.sf2 or \.sf3"):
        resolve_soundfont(txt)
    junk = tmp_path / "junk.sf2"
    junk.write_bytes(b"RIFF" + bytes(64))
    with pytest.raises(InputError, match="cannot be loaded as a soundfont") as err:
        render_audio(song, tmp_path / "out.wav", soundfont=junk)
    assert "\n" not in str(err.value) and not (tmp_path / "out.wav").exists()


def test_other_soundfont_path_is_used(tmp_path, song):
    import shutil

    copy = tmp_path / "My Font.SF2"
    shutil.copy(default_soundfont(), copy)
    assert np.array_equal(synthesize(song, copy), synthesize(song))


def test_reverb_tail_pan_and_determinism(song):
    from musegen.render.audio import REVERB_WET, add_reverb, room_impulse

    ir = room_impulse()
    assert ir.shape[1] == 2 and np.isclose((ir ** 2).sum(), 2.0, rtol=1e-3)
    assert np.abs(np.corrcoef(ir[:, 0], ir[:, 1])[0, 1]) < 0.1  # decorrelated: a wide room
    click = np.zeros((3 * SAMPLE_RATE, 2), np.float32)
    click[1000] = 1.0
    out = add_reverb(click)
    assert out[1000, 0] == pytest.approx(1.0 + REVERB_WET * ir[0, 0], abs=1e-4)  # dry click kept
    np.testing.assert_allclose(out[1001:1000 + len(ir)], REVERB_WET * ir[1:], atol=1e-4)  # then the room
    chords = [t for t in song.tracks if t.name == "Chords"]
    song.vocal, song.tracks = [], chords
    wet, dry = synthesize(song), synthesize(song, reverb=0)
    assert np.array_equal(wet, synthesize(song)) and not np.array_equal(wet, dry)  # same song, same samples
    end = int(song.duration_seconds * SAMPLE_RATE)
    left, right = (np.sqrt((dry[:end, c] ** 2).mean()) for c in (0, 1))
    assert left > 1.1 * right  # "Chords" sit left of centre


def test_absurdly_long_audio_is_refused(song):
    song.plan.tempo = 1.0
    with pytest.raises(InputError, match="minutes long at 1 BPM"):
        synthesize(song)


@pytest.fixture(scope="module")
def mixed():
    from songs import make_song

    from musegen.render.audio import mix_song

    s = make_song()
    s.meta["seed"] = 11
    return s, mix_song(s)


def test_vocal_mix_stems_sum_to_the_song_and_the_voice_is_in_front(mixed):
    from musegen.render.common import seconds

    song, mix = mixed
    assert mix.song.shape == mix.vocals.shape == mix.band.shape and mix.song.shape[1] == 2
    np.testing.assert_allclose(mix.vocals + mix.band, mix.song, atol=1e-5)
    assert np.abs(mix.song).max() == pytest.approx(10 ** (PEAK_DBFS / 20), abs=1e-3)
    first = seconds(song, song.vocal[0].onset)
    assert np.abs(mix.vocals[: int((first - 0.5) * SAMPLE_RATE)]).max() < 1e-3  # nothing sung in the intro
    sung = slice(int(first * SAMPLE_RATE), int(seconds(song, song.vocal[-1].onset) * SAMPLE_RATE))
    rms = [np.sqrt(np.mean(x[sung] ** 2)) for x in (mix.vocals, mix.band)]
    assert rms[0] > rms[1]  # the voice in front of the band
    from musegen.render.audio import VOCAL_LEVEL_DB
    from musegen.render.loudness import vocal_over_band_dba

    assert vocal_over_band_dba(mix.vocals, mix.band) >= VOCAL_LEVEL_DB  # A-weighted, as it sings
    assert mix.info["voice"] == "hibari af_heart" and mix.info["transpose"] == 0


def test_band_stem_leaves_out_the_gm_vocal_part(mixed):
    song, mix = mixed
    bare = make_bare(song)
    ref = synthesize(bare, normalise=False)
    gain = np.abs(mix.band).max() / np.abs(ref).max()
    np.testing.assert_allclose(mix.band, ref * gain, atol=1e-4)


def make_bare(song):
    import copy

    bare = copy.deepcopy(song)
    bare.vocal = []
    return bare


def test_compressor_evens_out_loud_and_quiet_passages():
    from musegen.render.audio import compress

    t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    x = np.sin(2 * np.pi * 220 * t).astype(np.float32)
    x[: SAMPLE_RATE] *= 0.05  # a quiet second, then a loud one (26 dB apart)
    y = compress(x)
    quiet, loud = (np.sqrt(np.mean(y[s] ** 2)) for s in (slice(20000, 40000), slice(60000, 80000)))
    assert 20 * np.log10(loud / quiet) == pytest.approx(26 - 8, abs=1)  # 12 dB over threshold, 3:1: -8 dB
    np.testing.assert_allclose(y[20000:40000], x[20000:40000], rtol=1e-3)  # below it: untouched


def test_vocals_off_gives_the_instrumental_render(tmp_path, song):
    from click.testing import CliRunner
    from musegen.cli.main import main

    from musegen.render import write_song_folder
    from musegen.songfile import save_song

    save_song(song, tmp_path / "in.json")
    res = CliRunner().invoke(main, ["render", str(tmp_path / "in.json"), "--out", str(tmp_path / "off"),
                                    "--vocals", "off"])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "off" / "vocals.wav").exists() and not (tmp_path / "off" / "band.wav").exists()
    ref = render_audio(song, tmp_path / "ref.wav")
    assert sf.read(tmp_path / "off" / "song.wav")[0].tolist() == sf.read(ref)[0].tolist()
    write_song_folder(song, tmp_path / "lib", vocals=False)
    assert (tmp_path / "lib" / "song.wav").read_bytes() == ref.read_bytes()
    assert "vocals" not in json.loads((tmp_path / "lib" / "song.json").read_text())["meta"]
