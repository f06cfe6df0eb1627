import importlib.util
from pathlib import Path

from musegen.render.midi import song_to_midi_bytes
from musegen.songfile import load_song

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_song_json_is_what_make_example_builds():
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLES / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    shipped = load_song(EXAMPLES / "song.json")
    assert shipped == built
    assert song_to_midi_bytes(shipped) == song_to_midi_bytes(built)
    assert 60 < shipped.duration_seconds < 240 and len(shipped.syllables()) > 80
