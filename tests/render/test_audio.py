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
