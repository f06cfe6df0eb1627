import json

import pytest
from songs import make_song

from musegen.errors import InputError, SongFormatError
from musegen.songfile import (
    dumps_song,
    load_song,
    loads_song,
    parse_meter,
    save_song,
    song_from_dict,
    song_to_dict,
)
from musegen.types import SCHEMA_VERSION


def test_round_trip_is_lossless(any_song):
    d = song_to_dict(any_song)
    back = song_from_dict(json.loads(json.dumps(d)))
    assert back == any_song
    assert isinstance(back.plan.meter, tuple) and isinstance(back.plan.vocal_range, tuple)
    assert song_to_dict(back) == d


def test_save_load_file(tmp_path, song):
    path = save_song(song, tmp_path / "song.json")
    assert load_song(path) == song
    assert [p.name for p in tmp_path.iterdir()] == ["song.json"]  # no temp file left behind
    text = path.read_text()
    assert json.loads(text)["version"] == SCHEMA_VERSION and json.loads(text)["plan"]["meter"] == "4/4"
    assert dumps_song(load_song(path)) == text  # stable text


def _mutated(song, edit):
    d = json.loads(dumps_song(song))
    edit(d)
    return json.dumps(d)


def _set(path, value):
    def edit(d):
        obj = d
        for k in path[:-1]:
            obj = obj[k]
        if value is KeyError:
            del obj[path[-1]]
        else:
            obj[path[-1]] = value
    return edit


BAD = [
    (_set(["plan", "tempo"], 0), "song.json: plan.tempo must be > 0"),
    (_set(["plan", "tempo"], -3.5), "song.json: plan.tempo must be > 0"),
    (_set(["plan", "tempo"], "fast"), "plan.tempo must be a finite number"),
    (_set(["plan", "key"], "H"), "plan.key 'H' is not a key name"),
    (_set(["plan", "key"], "C major"), "plan.key"),
    (_set(["plan", "mode"], "dorian"), "plan.mode must be 'major' or 'minor'"),
    (_set(["plan", "meter"], "0/4"), "plan.meter"),
    (_set(["plan", "meter"], "4/3"), "plan.meter"),
    (_set(["plan", "meter"], "four"), "plan.meter"),
    (_set(["version"], 2), "version 2 is newer"),
    (_set(["version"], 0), "version 0 is not supported"),
    (_set(["version"], KeyError), "version is missing"),
    (_set(["format"], "other"), "format must be 'musegen-song'"),
    (_set(["plan"], KeyError), "plan is missing"),
    (_set(["plan", "form"], ["verse"]), "plan.form"),
    (_set(["plan", "sections", 1, "type"], "solo"), "plan.sections[1].type 'solo' is not a section type"),
    (_set(["plan", "sections", 4, "repeat_of"], 5), "plan.sections[4].repeat_of must name an earlier"),
    (_set(["sections", 2, "start"], 5), "sections[2].start must be"),
    (_set(["sections"], []), "sections is empty"),
    (_set(["sections", 1, "bars"], 0), "sections[1].bars must be >= 1"),
    (_set(["sections", 1, "lines", 0, "syllables", 0, "stress"], 3), "lines[0].syllables[0].stress must be"),
    (_set(["vocal", 3, "pitch"], 200), "vocal[3].pitch must be <= 127"),
    (_set(["vocal", 3, "duration"], 0), "vocal[3].duration must be >= 1"),
    (_set(["vocal", 3, "onset"], 1.5), "vocal[3].onset must be an integer"),
    (_set(["vocal", 3, "syllable"], 999), "vocal[3].syllable must be <="),
    (_set(["vocal", 0, "melisma"], True), "vocal[0].melisma"),
    (_set(["vocal", 3, "onset"], 10 ** 7), "vocal[3].onset"),
    (_set(["vocal", 3, "colour"], "red"), "vocal[3].colour is not a known field"),
    (_set(["chords", 1, "symbol"], "Xm7"), "chords[1].symbol is not a chord symbol"),
    (_set(["tracks", 0, "notes", 2], [0, 1, 2]), "tracks[0].notes[2] must be [onset, duration, pitch,"),
    (_set(["tracks", 0, "channel"], 16), "tracks[0].channel must be <= 15"),
    (_set(["tracks", 1, "name"], "Vocal"), "tracks[1].name"),
    (_set(["metrics", "x"], "high"), "metrics.x must be a finite number"),
    (_set(["plan", "vocal_range"], [80, 60]), "plan.vocal_range[1] must be >= 80"),
]


@pytest.mark.parametrize(("edit", "message"), BAD, ids=[m for _, m in BAD])
def test_malformed_field_is_named_on_one_line(song, edit, message):
    with pytest.raises(SongFormatError) as err:
        loads_song(_mutated(song, edit))
    text = str(err.value)
    assert message in text and text.startswith("song.json: ") and "\n" not in text


def test_not_json_and_not_an_object():
    with pytest.raises(SongFormatError, match=r"^x\.json: not valid JSON \(.* line 1, column"):
        loads_song("{plan: 1}", source="x.json")
    with pytest.raises(SongFormatError, match="the top level must be an object"):
        loads_song("[1, 2]")


def test_load_song_names_the_file(tmp_path):
    with pytest.raises(InputError, match="no such song file"):
        load_song(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SongFormatError, match=str(bad)):
        load_song(bad)


def test_save_refuses_what_would_not_load(tmp_path, song):
    song.meta["model"] = object()
    with pytest.raises(SongFormatError, match="cannot be stored as JSON"):
        save_song(song, tmp_path / "song.json")
    song.meta.clear()
    song.plan.tempo = 0
    with pytest.raises(SongFormatError, match=r"plan\.tempo must be > 0"):
        save_song(song, tmp_path / "song.json")
    assert not list(tmp_path.iterdir())


def test_parse_meter():
    assert parse_meter("6/8") == (6, 8) and parse_meter(" 3 / 4 ") == (3, 4) and parse_meter([2, 2]) == (2, 2)
    for bad in ("0/4", "4/0", "4/5", "x", [4], [4, "4"]):
        with pytest.raises(InputError, match="meter"):
            parse_meter(bad)


def test_round_trip_keeps_floats_and_meta_exactly():
    s = make_song(tempo=97.123456789)
    s.metrics["score"] = 0.1 + 0.2
    s.meta.update({"seed": None, "models": {"music": "default", "lyrics": ["a", 1]}, "empty": {}})
    s.plan.title = 'Don\'t "stop" — café\n♪'
    text = dumps_song(s)
    assert loads_song(text) == s and json.loads(text) == song_to_dict(s)
    assert max(len(line) for line in text.splitlines()) < 130  # one short line per note
