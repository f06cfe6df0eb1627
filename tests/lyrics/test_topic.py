"""The words are planned from what the prompt is about, not from the names of its music."""

from __future__ import annotations

import pytest

from musegen.lyrics.sections import plan_for_lyrics
from musegen.lyrics.topic import lyric_topic


@pytest.mark.parametrize("prompt, topic", [
    ("angry rebellious rock anthem", "angry rebellious"),
    ("sad country ballad about a lost farm", "sad about a lost farm"),
    ("heavy metal song about a dragon", "about a dragon"),
    ("synthwave night drive through a neon city", "night drive through a neon city"),
    ("house music for a rooftop party", "for a rooftop party"),
    ("gentle lullaby for a sleeping child", "gentle for a sleeping child"),
])
def test_music_words_are_dropped(prompt, topic):
    assert lyric_topic(prompt) == topic


@pytest.mark.parametrize("prompt", [
    "a house by the sea", "rock by the shore", "my soul is tired", "my father's old guitar",
    "a piece of my heart", "euphoric summer dance party", "neon arcade, first kiss at sixteen",
])
def test_ordinary_words_that_name_genres_elsewhere_are_kept(prompt):
    assert lyric_topic(prompt) == prompt


@pytest.mark.parametrize("prompt", ["synthwave", "pop song", "a jazz ballad"])
def test_a_prompt_that_only_names_music_is_kept_whole(prompt):
    assert lyric_topic(prompt) == prompt


def test_the_lyrics_plan_reads_the_topic(monkeypatch):
    from musegen.lyrics import generate as gen

    seen = {}

    def stop(plan, **kw):
        seen["about"] = kw["about"]
        raise RuntimeError("planned")

    monkeypatch.setattr(gen, "plan_words", stop)
    plan = plan_for_lyrics("angry rebellious rock anthem", ["verse"], [8, 8, 8, 8], "ABAB")
    with pytest.raises(RuntimeError, match="planned"):
        gen.write_lyrics(plan, seed=0, model=object())
    assert seen["about"] == "angry rebellious"
