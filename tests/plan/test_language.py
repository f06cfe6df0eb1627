from musegen.plan import make_plan
from musegen.plan.language import read_prompt, title_from_prompt


def test_glossary_reads_other_languages():
    r = read_prompt("雨夜的忧伤")
    assert r.language == "Chinese" and {"rain", "night", "sad"} <= set(r.glossed)
    r = read_prompt("une chanson triste sur l'hiver et la solitude")
    assert r.language == "French" and {"sad", "winter", "lonely"} <= set(r.glossed)
    r = read_prompt("fiesta latina para bailar")
    assert r.language == "Spanish" and "latina" in r.text  # unglossed loanwords stay
    assert read_prompt("грустная песня о зиме").language == "Russian"
    assert read_prompt("dark synthwave drive").language == "English"


def test_emoji_become_their_names():
    r = read_prompt("🌧️🌙")
    assert r.language == "emoji" and r.text == "cloud with rain, crescent moon"


def test_titles_keep_the_prompts_language():
    assert title_from_prompt("雨夜的忧伤") == "雨夜的忧伤"
    assert title_from_prompt("canción triste de amor") == "Canción Triste De Amor"
    assert title_from_prompt("🌧️🌙") == "Cloud With Rain Crescent Moon"
    assert title_from_prompt("...") == "Untitled"
    # a title never ends cut off on "… Through A"
    assert title_from_prompt("dark synthwave drive through a neon city") == "Dark Synthwave Drive"
    assert title_from_prompt("falling in love on a summer road trip") == "Falling In Love"


def test_non_english_prompts_differ_and_warn_about_english_lyrics():
    sad, happy = make_plan("雨夜的忧伤", seed=1), make_plan("夏天的海边派对，快乐跳舞", seed=1)
    assert sad.attributes["valence"] < 0 < happy.attributes["valence"]
    assert (sad.mode, happy.mode) == ("minor", "major") and happy.tempo > sad.tempo
    assert sad.title == "雨夜的忧伤"
    assert any("Chinese" in w and "English" in w for w in sad.warnings)
    crying, party = make_plan("😭💔", seed=1), make_plan("🥳🎉💃", seed=1)
    assert crying.attributes["valence"] < 0 < party.attributes["valence"]
