"""The exporters on songs the conductor really makes (align + arrange over the conductor's test fixtures)."""

import io

import conductor_songs as h
import mido
import pytest

from musegen.conductor import align, arrange
from musegen.render import write_song_folder
from musegen.render.midi import song_to_midi_bytes
from musegen.songfile import dumps_song, load_song, loads_song


@pytest.mark.parametrize("kw", [{}, {"meter": (6, 8), "melisma": 2}, {"meter": (3, 4), "drums": False}])
def test_aligned_and_arranged_song_exports(tmp_path, kw):
    p = h.plan(**kw)
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    assert loads_song(dumps_song(song)) == song
    out = tmp_path / "out"
    write_song_folder(song, out, audio_format=None)
    assert load_song(out / "song.json") == song
    mid = mido.MidiFile(file=io.BytesIO(song_to_midi_bytes(song)))
    assert [t.name for t in mid.tracks[1:]] == ["Vocal"] + [t.name for t in song.tracks]
    lyrics = [m.text for m in mid.tracks[1] if m.type == "lyrics"]
    assert len(lyrics) == len(song.syllables())
