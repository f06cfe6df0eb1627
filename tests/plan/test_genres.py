import json
from importlib import resources

import pytest

from musegen.conductor.grooves import fallback_groove, groove_names
from musegen.plan import make_plan
from musegen.plan.mood import load_table, style_scores


def test_every_genre_is_complete_and_sourced():
    table = load_table()
    assert len(table.styles) >= 26
    for name, g in table.styles.items():
        assert len(g["phrases"]) >= 4, name
        lo, hi = g["tempo"]
        assert 40 <= lo < hi <= 200, name
        assert g["feel"] in ("straight", "swing", "shuffle", "half-time"), name
        assert g["groove"] in groove_names(), name
        fitted = fallback_groove(g["groove"], tuple(g["meter"]))  # the patterns fit the genre's meter
        assert fitted is not None and fitted.split("@")[0] == g["groove"], name
        assert g["sources"] and all(s in table.sources for s in g["sources"]), name
        assert {"Vocal", "Chords", "Bass"} <= set(g["instruments"]), name
        assert all(0 <= p <= 127 for p in g["instruments"].values()), name
        assert g["harmony"]["progressions"] and g["harmony"]["vocabulary"], name
        vlo, vhi = g["vocal_range"]
        assert vhi - vlo >= 12, name


def test_every_groove_pattern_divides_its_bar():
    raw = json.loads(resources.files("musegen.conductor").joinpath("grooves.json").read_text("utf-8"))
    for name, g in raw["grooves"].items():
        lines = [*g["drums"].values(), *g.get("verse", {}).values(), *g.get("chorus", {}).values(),
                 g["bass"]["verse"], g["bass"]["chorus"]]
        lines += [v for v in g["comp"].values() if not v.startswith("pop909")]
        assert len({len(x) for x in lines}) == 1, name
        assert g["sources"] and all(s in load_table().sources for s in g["sources"]), name


@pytest.mark.parametrize("prompt, genre", [
    ("dark brooding synthwave drive through a neon city at 3am", "synthwave"),
    ("heartbroken country song about a small town girl who left", "country"),
    ("upbeat gospel celebration on a sunday morning", "gospel"),
    ("reggae by the sea with offbeat guitars", "reggae"),
    ("pirates hauling ropes on a stormy sea", "shanty"),
])
def test_issue_prompts_land_in_their_genre(prompt, genre):
    plan = make_plan(prompt, seed=0)
    assert plan.style == genre
    lo, hi = load_table().styles[genre]["tempo"]
    assert lo <= plan.tempo <= hi
    assert plan.groove == load_table().styles[genre]["groove"]


def test_unseen_wording_maps_by_meaning_not_keywords():
    """None of these words is in a genre phrase: the embedding places them."""
    scores = style_scores("cowboys, whiskey and a broken-down pickup")
    assert max(scores, key=scores.get) == "country"


def test_mixed_genres_are_named_in_a_warning():
    plan = make_plan("acoustic dubstep lullaby with no drums and heavy drums", seed=0)
    assert plan.style == "lullaby" and not plan.drums
    assert any("'dubstep' points to house" in w and "chose lullaby" in w for w in plan.warnings)
    assert any("no drums" in w for w in plan.warnings)
    assert not make_plan("gentle lullaby for a sleeping child", seed=0).warnings
