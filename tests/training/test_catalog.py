import music21
import pytest

from musegen.errors import InputError
from musegen.training.catalog import melody_notes, read_catalog, read_song_file
from musegen.training.music_corpus import Skip
from musegen.types import PPQ

from .catalog_fixtures import TUNE, write_bad_files, write_song


def test_named_melody_track_is_used_with_its_exact_rhythm(tmp_path):
    ls = read_song_file(write_song(tmp_path / "a.mid", melody_name="Lead Vocal"))
    notes = melody_notes(ls)
    assert [n.pitch for n in notes] == [p + 12 for p in TUNE]
    assert [n.onset for n in notes[:3]] == [0, PPQ, 2 * PPQ]
    assert ls.tempo == pytest.approx(100.0) and ls.meter == (4, 4)
    assert str(ls.key) == "C major"
    chords = [c.symbol for s in ls.sections for c in s.chords]
    assert [c for i, c in enumerate(chords) if i == 0 or c != chords[i - 1]][:4] == ["C", "F", "G", "C"]


def test_unnamed_layout_takes_the_highest_monophonic_line(tmp_path):
    ls = read_song_file(write_song(tmp_path / "b.mid", melody_name="", shift=2))
    assert [n.pitch for n in melody_notes(ls)] == [p + 14 for p in TUNE]
    assert str(ls.key) == "D major"
    assert next(c for s in ls.sections for c in s.chords).symbol == "D"


def test_melody_alone_still_gets_chords(tmp_path):
    ls = read_song_file(write_song(tmp_path / "c.mid", with_chords=False))
    chords = [c for s in ls.sections for c in s.chords]
    assert chords and all(c.duration > 0 for c in chords)


def test_musicxml_files_are_read(tmp_path):
    s = music21.stream.Stream()
    s.append(music21.meter.TimeSignature("3/4"))
    for p in TUNE:
        s.append(music21.note.Note(p + 12, quarterLength=1))
    path = tmp_path / "d.musicxml"
    s.write("musicxml", fp=str(path))
    ls = read_song_file(path)
    assert [n.pitch for n in melody_notes(ls)] == [p + 12 for p in TUNE] and ls.meter == (3, 4)


def test_bad_files_are_skipped_with_reasons_and_counted(tmp_path):
    expected = write_bad_files(tmp_path)
    write_song(tmp_path / "good.mid")
    report = read_catalog(tmp_path)
    assert [s.name for s in report.songs] == ["catalog/good"]
    got = {k.split("/")[-1]: v for k, v in report.skipped.items()}
    assert set(got) == set(expected)
    for name, prefix in expected.items():
        assert got[name].startswith(prefix), (name, got[name])
    assert report.summary().startswith("1 songs used, 5 skipped")


def test_single_bad_file_raises_skip(tmp_path):
    write_bad_files(tmp_path)
    with pytest.raises(Skip, match="drum-only"):
        read_song_file(tmp_path / "drums.mid")


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        read_catalog(tmp_path / "nope")
