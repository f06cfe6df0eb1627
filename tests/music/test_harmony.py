"""The chords a song may use: its key's, its genre vocabulary's and the common secondary dominants."""

import pytest

from musegen.errors import InputError
from musegen.music import generate_melody
from musegen.music import vocab as V
from musegen.music.harmony import allowed_chords, chord_mask, parse_numeral, song_chords, vocabulary_mode
from musegen.theory import Chord, Key

from .helpers import small_plan, tiny_model


@pytest.mark.parametrize("numeral,want", [
    ("I", (0, {"major"})), ("ii7", (2, {"minor"})), ("bVII", (10, {"major"})), ("bVImaj7", (8, {"major"})),
    ("V7sus4", (7, {"sus"})), ("I5", (0, {"major", "minor"})), ("iv", (5, {"minor"})),
    ("I/3", (0, {"major"})), ("I64", (0, {"major"})), ("vii°", (11, {"dim"})), ("#iv", (6, {"minor"})),
])
def test_roman_numerals_give_a_root_above_the_tonic_and_a_triad_class(numeral, want):
    assert parse_numeral(numeral) == (want[0], frozenset(want[1]))


def test_a_word_that_is_not_a_numeral_is_refused():
    with pytest.raises(InputError, match="Roman numeral"):
        parse_numeral("Hm7")


def test_a_vocabulary_of_the_other_mode_is_read_in_the_relative_key():
    pop = ["I", "IV", "V", "vi"]
    assert vocabulary_mode(pop) == "major" and vocabulary_mode(["i", "bVII"]) == "minor"
    assert vocabulary_mode(["I", "i", "bVI"]) is None
    # in A minor pop's C F G Am are bIII bVI bVII i
    assert allowed_chords(pop, "minor") == {(3, "major"), (8, "major"), (10, "major"), (0, "minor")}
    assert allowed_chords(pop, "major") == {(0, "major"), (5, "major"), (7, "major"), (9, "minor")}


def _names(mask) -> set[str]:
    return {Chord(*V.chord_of(t)).symbol(False) for k, t in enumerate(V.CHORD[1:]) if mask[k]}


def test_the_key_allows_its_own_chords_and_the_common_dominants_not_chromatic_colours():
    major = _names(chord_mask("major", None))  # C major
    assert {"C", "Dm", "Em", "F", "G7", "Am", "Bdim", "Fmaj7", "Csus4"} <= major
    assert {"A7", "D7", "E", "B7"} <= major  # V/ii, V/V, V/vi, V/iii
    assert not {"Caug", "Cm", "C#m", "Bb", "F#m7b5", "Dmaj7", "Ab"} & major
    minor = _names(chord_mask("minor", None))  # A minor
    assert {"Am", "C", "Dm", "E", "E7", "F", "G", "G#dim", "Bdim"} <= minor
    assert not {"A", "Fm", "C#aug", "D#aug", "Caug"} & minor


def test_a_genre_vocabulary_adds_its_colour_chords():
    rock = _names(chord_mask("major", ["I", "bVII", "IV", "V", "vi", "bIII"]))
    assert {"A#", "D#"} <= rock and "A#" not in _names(chord_mask("major", None))


def test_a_built_in_genre_has_a_mask_and_a_fine_tuned_style_none():
    assert song_chords("shanty", "minor") is not None
    assert song_chords("my-own-catalog", "major") is None


def test_the_sampler_writes_only_the_chords_the_genre_allows():
    """A random tiny model would write any chord; a shanty in E minor only the mask's."""
    plan = small_plan(key="E", mode="minor", style="shanty")
    allowed = _names(chord_mask("minor", ["i", "bVII", "bIII", "iv", "V"]))  # in A minor
    key, norm = Key.parse("E minor"), Key.parse("A minor")
    seen = set()
    for seed in range(3):
        mel = generate_melody(plan, seed=seed, model=tiny_model())
        for sec in mel.sections:
            for c in sec.chords:
                ch = Chord.parse(c.symbol)
                seen.add(Chord((ch.root - key.tonic + norm.tonic) % 12, ch.quality).symbol(False))
    assert seen and seen <= allowed
    free = small_plan(key="E", mode="minor", style="my-own-catalog")
    free_mel = generate_melody(free, seed=0, model=tiny_model())
    others = {Chord.parse(c.symbol).quality for s in free_mel.sections for c in s.chords}
    assert others - {"", "m", "7", "maj7", "m7", "sus2", "sus4", "6", "m6", "dim"}  # unmasked: anything goes
