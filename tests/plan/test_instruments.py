import pytest

from musegen.errors import InputError
from musegen.plan import make_plan
from musegen.plan.instruments import apply_request, instrument_words, parse_instrument_list, read_instruments

HOUSE = {"Vocal": 54, "Chords": 81, "Bass": 38, "Pad": 90}


def _apply(text, parts=HOUSE, drums=True):
    return apply_request(parts, drums, read_instruments(text), "house")


def test_ukulele_gets_the_nearest_gm_program_and_a_warning_naming_it():
    parts, drums, warnings = _apply("carefree beach party with a ukulele")
    assert parts["Chords"] == 24 and drums
    assert any("ukulele" in w and "(24)" in w for w in warnings)


@pytest.mark.parametrize("text, want, drums", [
    ("piano only ballad", {"Vocal": 54, "Chords": 0}, False),
    ("just acoustic guitar", {"Vocal": 54, "Chords": 25}, False),
    ("sad song with strings", {**HOUSE, "Pad": 48}, True),
    ("trap beat with 808s", {**HOUSE, "Bass": 38}, True),
    ("folk song with no drums", HOUSE, False),
    ("a drumless jam", HOUSE, False),
    ("piano and a cello", {**HOUSE, "Chords": 0, "Pad": 42}, True),
])
def test_named_instruments_override_the_genre(text, want, drums):
    parts, d, _ = _apply(text)
    assert parts == want and d == drums


def test_contradictions_say_what_was_chosen():
    parts, drums, warnings = _apply("acoustic dubstep lullaby with no drums and heavy drums")
    assert not drums
    assert any("no drums" in w and "chose" in w for w in warnings)
    assert parts["Chords"] == 25 and parts["Bass"] == 32  # acoustic: synths swapped
    assert any("acoustic" in w for w in warnings)


def test_removing_an_instrument_drops_its_part():
    parts, _, _ = _apply("rock without guitars", {"Vocal": 54, "Chords": 29, "Bass": 34, "Pad": 18})
    assert parts == {"Vocal": 54, "Chords": 18, "Bass": 34}  # the organ takes over the chords


def test_instrument_list_option():
    given = parse_instrument_list("piano, upright bass, no drums")
    parts, drums, _ = apply_request(HOUSE, True, given, "house")
    assert parts == {"Vocal": 54, "Chords": 0, "Bass": 32} and not drums
    with pytest.raises(InputError, match=r"banjoo.*banjo"):
        parse_instrument_list("banjoo")
    with pytest.raises(InputError, match="--instruments"):
        parse_instrument_list(" , ")
    assert "ukulele" in instrument_words() and "808s" in instrument_words()


def test_plan_takes_prompt_and_option_instruments():
    plan = make_plan("carefree beach party with a ukulele", seed=0)
    assert plan.instruments["Chords"] == 24 and any("ukulele" in w for w in plan.warnings)
    plan = make_plan("carefree beach party with a ukulele", instruments="harp, tuba, drums", seed=0)
    assert {k: v for k, v in plan.instruments.items() if k != "Vocal"} == {"Chords": 46, "Bass": 58}
    assert plan.drums
