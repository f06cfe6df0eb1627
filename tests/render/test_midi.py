import io

import mido
import music21
import pretty_midi
import pytest
from songs import make_song

from musegen.render.common import section_labels
from musegen.render.midi import midi_key_name, song_to_midi_bytes, write_midi
from musegen.songfile import dumps_song, loads_song
from musegen.theory import Key


def _read(song) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(song_to_midi_bytes(song)))


def _abs_events(track):
    t = 0
    for msg in track:
        t += msg.time
        yield t, msg


def _notes(track):
    """(onset, duration, pitch, velocity, channel) of every note in a mido track."""
    open_, out = {}, []
    for t, msg in _abs_events(track):
        if msg.type == "note_on" and msg.velocity > 0:
            open_[(msg.channel, msg.note)] = (t, msg.velocity)
        elif msg.type in ("note_off", "note_on"):
            start, vel = open_.pop((msg.channel, msg.note))
            out.append((start, t - start, msg.note, vel, msg.channel))
    assert not open_
    return sorted(out)


def test_layout_meta_and_tracks(any_song):
    mid = _read(any_song)
    assert mid.type == 1 and mid.ticks_per_beat == 480
    assert [t.name for t in mid.tracks] == [any_song.plan.title, "Vocal"] + [t.name for t in any_song.tracks]
    meta = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(any_song.plan.tempo, abs=1e-3)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == any_song.plan.meter
    assert Key.parse(meta["key_signature"].key) == any_song.plan.key_obj
    markers = [(t, m.text) for t, m in _abs_events(mid.tracks[0]) if m.type == "marker"]
    labels = section_labels(any_song)
    assert markers == [(s.start, label) for s, label in zip(any_song.sections, labels, strict=True)]
    assert markers[1][1] == "Verse 1" and markers[2][1] == "Chorus"


def test_notes_programs_and_drum_channel(any_song):
    mid = _read(any_song)
    vocal = _notes(mid.tracks[1])
    want = sorted((n.onset, n.duration, n.pitch, n.velocity) for n in any_song.vocal)
    assert [v[:4] for v in vocal] == want
    for mtrack, track in zip(mid.tracks[2:], any_song.tracks, strict=True):
        got = _notes(mtrack)
        assert [g[:4] for g in got] == sorted((n.onset, n.duration, n.pitch, n.velocity) for n in track.notes)
        programs = [m.program for m in mtrack if m.type == "program_change"]
        assert programs == [track.program]
        assert {g[4] for g in got} == ({9} if track.name == "Drums" else {track.channel})
    assert any(t.name == "Drums" for t in any_song.tracks) == any_song.plan.drums


def test_one_lyric_event_per_syllable_with_hyphens(any_song):
    mid = _read(any_song)
    lyrics = [(t, m.text) for t, m in _abs_events(mid.tracks[1]) if m.type == "lyrics"]
    syl = any_song.syllables()
    sung = [n for n in any_song.vocal if not n.melisma]
    assert len(lyrics) == len(syl) == len(sung) and any(n.melisma for n in any_song.vocal)
    for (t, text), n in zip(lyrics, sung, strict=True):
        s = syl[n.syllable]
        assert t == n.onset
        assert text == (s.text if s.word_end else s.text + "-")
    # EVALUATION.md: "an event text ending in - continues the word into the next event"
    words, cur = [], ""
    for _, text in lyrics:
        cur += text.removesuffix("-")
        if not text.endswith("-"):
            words.append(cur)
            cur = ""
    expected = " ".join(line.text for sec in any_song.sections for line in sec.lines).split()
    assert words == expected


def test_lyric_event_precedes_its_note_at_the_same_tick(song):
    track = _read(song).tracks[1]
    msgs = [m for m in track if m.type in ("lyrics", "note_on")]
    assert msgs[0].type == "lyrics" and msgs[1].type == "note_on"


def test_music21_and_pretty_midi_read_back(tmp_path, song):
    path = write_midi(song, tmp_path / "song.mid")
    score = music21.converter.parse(path)
    vocal = next(p for p in score.parts if p.partName == "Vocal")
    notes = list(vocal.flatten().stripTies().notes)  # music21 splits notes at barlines: join them again
    assert [n.pitch.midi for n in notes] == [n.pitch for n in song.vocal]
    assert [float(n.offset) for n in notes] == [n.onset / 480 for n in song.vocal]
    assert [float(n.quarterLength) for n in notes] == [n.duration / 480 for n in song.vocal]
    syl = song.syllables()
    assert [n.lyric for n in notes] == [None if v.melisma else syl[v.syllable].text for v in song.vocal]

    pm = pretty_midi.PrettyMIDI(str(path))
    assert [i.name for i in pm.instruments] == ["Vocal", "Chords", "Bass", "Drums"]
    assert [i.is_drum for i in pm.instruments] == [False, False, False, True]
    assert len(pm.lyrics) == len(syl)
    assert pm.get_beats()[1] == pytest.approx(60 / song.plan.tempo)


def test_bytes_are_deterministic_and_survive_song_json(song):
    data = song_to_midi_bytes(song)
    assert data == song_to_midi_bytes(song) == song_to_midi_bytes(loads_song(dumps_song(song)))
    assert data[:4] == b"MThd"


KEYS = [("C", "major", "C"), ("A", "minor", "Am"), ("Bb", "major", "Bb"), ("F#", "minor", "F#m"),
        ("Eb", "minor", "Ebm"), ("Db", "major", "Db"), ("B", "major", "B")]


@pytest.mark.parametrize(("key", "mode", "name"), KEYS)
def test_key_signature_names(key, mode, name):
    assert midi_key_name(key, mode) == name
    s = make_song(key=key, mode=mode)
    meta = [m for m in _read(s).tracks[0] if m.type == "key_signature"]
    assert meta[0].key == name


def test_typographic_lyrics_are_written_as_latin1(song):
    song.sections[1].lines[0].syllables[0].text = "Hel’"
    lyrics = [m.text for m in _read(song).tracks[1] if m.type == "lyrics"]
    assert lyrics[0] == "Hel'-"


def test_a_repeated_syllable_without_melisma_flag_gets_no_second_lyric(song):
    assert song.vocal[6].melisma and song.vocal[6].syllable == song.vocal[5].syllable
    song.vocal[6].melisma = False  # same syllable as note 5, not flagged: still one lyric per syllable
    lyrics = [m.text for m in _read(song).tracks[1] if m.type == "lyrics"]
    assert len(lyrics) == len(song.syllables())


def test_volume_and_pan_controls(song):
    mid = _read(song)
    ctrl = {t.name: {m.control: m.value for m in t if m.type == "control_change"} for t in mid.tracks[1:]}
    assert ctrl["Vocal"][7] > ctrl["Chords"][7] and ctrl["Vocal"][10] == 64 and ctrl["Chords"][10] < 64


def test_titles_latin1_cannot_hold_get_a_readable_track_name(song):
    song.plan.title = "雨夜的忧伤"
    assert _read(song).tracks[0].name == "musegen song"
    song.plan.title = "Canción Triste"
    assert _read(song).tracks[0].name == "Canción Triste"
