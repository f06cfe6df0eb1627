"""Edits with tiny models: the target changes, every other part of song.json stays identical."""

import json

import pytest
from songs import make_song

from musegen.edit import changed_parts, edit_song, inside, resolve
from musegen.errors import InputError
from musegen.lyrics.rhyme import last_word, rhymes
from musegen.lyrics.syllables import count_line
from musegen.songfile import dumps_song, song_to_dict


def run(song, models, what="both", text=None, seed=5, only_this=False, **target):
    t = resolve(song, only_this=only_this, **target)
    r = edit_song(song, t, what, text=text, seed=seed, models=models, only_this=only_this)
    dumps_song(r.song)  # what an edit makes always saves and loads
    assert sorted(set(changed_parts(song, r.song)) - inside(t.lines, t.detached)) == []
    return r


def vocal_of_line(song, k, i):
    start = sum(len(x.syllables) for s in song.sections[:k] for x in s.lines) + \
        sum(len(x.syllables) for x in song.sections[k].lines[:i])
    n = len(song.sections[k].lines[i].syllables)
    vocal = song_to_dict(song)["vocal"]
    return [v for v in vocal if v["syllable"] is not None and start <= v["syllable"] < start + n]


def test_new_words_keep_the_count_the_rhyme_and_every_note(models):
    song = make_song()
    for k in (2, 4):
        song.plan.sections[k].rhyme = "AA"  # the chorus: line 2 must rhyme with "light"
    r = run(song, models, "words", line="chorus:2")
    new = r.song.sections[2].lines[1]
    assert new.text != "carry me home again."
    assert len(new.syllables) == 6 == count_line(new.text)
    assert rhymes(last_word(new.text), "light"), new.text
    a, b = song_to_dict(song), song_to_dict(r.song)
    for key in ("vocal", "chords", "tracks", "plan", "meta"):
        assert a[key] == b[key], key  # the melody, harmony and band are untouched
    assert [s for k, s in enumerate(a["sections"]) if k not in (2, 4)] == \
        [s for k, s in enumerate(b["sections"]) if k not in (2, 4)]
    assert a["sections"][2]["lines"][0] == b["sections"][2]["lines"][0]
    assert b["sections"][2]["lines"] == b["sections"][4]["lines"]
    assert r.song.history[-1]["target"] == "line chorus:2" and r.song.history[-1]["what"] == "words"
    assert r.song.history[-1]["seed"] == 5


def test_new_notes_keep_words_and_chords_and_the_other_lines_notes(models):
    song = make_song()
    r = run(song, models, "notes", line="verse 2:1")
    a, b = song_to_dict(song), song_to_dict(r.song)
    assert a["sections"] == b["sections"] and a["chords"] == b["chords"] and a["tracks"] == b["tracks"]
    assert vocal_of_line(song, 3, 0) != vocal_of_line(r.song, 3, 0)
    for k, s in enumerate(song.sections):
        for i in range(len(s.lines)):
            if (k, i) != (3, 0):
                assert vocal_of_line(song, k, i) == vocal_of_line(r.song, k, i), (k, i)
    sung = {v["syllable"] for v in vocal_of_line(r.song, 3, 0)}
    assert len(sung) == len(song.sections[3].lines[0].syllables)  # every syllable still sung


def test_a_chorus_changes_everywhere_it_repeats(models):
    song = make_song()
    r = run(song, models, line="chorus:2")
    c1, c2 = r.song.sections[2], r.song.sections[4]
    assert c1.lines[1].text == c2.lines[1].text != song.sections[2].lines[1].text
    shift = c2.start - c1.start
    n1 = [(v["onset"] + shift, v["duration"], v["pitch"]) for v in vocal_of_line(r.song, 2, 1)]
    n2 = [(v["onset"], v["duration"], v["pitch"]) for v in vocal_of_line(r.song, 4, 1)]
    assert n1 == n2
    assert c2.repeat_of == 2


def test_only_this_changes_one_appearance(models):
    song = make_song()
    r = run(song, models, "words", line="chorus 2:1", only_this=True)
    assert r.song.sections[2].lines == song.sections[2].lines
    assert r.song.sections[4].lines[0].text != song.sections[4].lines[0].text
    assert r.song.sections[4].repeat_of is None and r.song.plan.sections[4].repeat_of is None


def test_section_and_bars(models):
    song = make_song()
    r = run(song, models, section="verse 2")
    old, new = song.sections[3].lines, r.song.sections[3].lines
    assert all(a.text != b.text for a, b in zip(old, new, strict=True))
    assert [len(x.syllables) for x in r.song.sections[3].lines] == [6, 6]
    run(song, models, "notes", bars="5-8")


def test_same_seed_same_edit(models):
    song = make_song()
    a = dumps_song(run(song, models, line="verse 2:2", seed=11).song)
    b = dumps_song(run(song, models, line="verse 2:2", seed=11).song)
    strip = [ln for ln in a.splitlines() if '"time"' not in ln]
    assert strip == [ln for ln in b.splitlines() if '"time"' not in ln]


def test_your_words_with_the_same_count_sit_on_the_old_notes(models):
    song = make_song()
    r = run(song, models, "text", text="Walking the city lights", line="verse 2:1")
    assert r.song.sections[3].lines[0].text == "Walking the city lights"
    assert json.dumps(song_to_dict(song)["vocal"]) == json.dumps(song_to_dict(r.song)["vocal"])
    assert "line's own notes" in r.messages[-1]


def test_your_words_with_another_count_are_resung(models):
    song = make_song()
    r = run(song, models, "text", text="I walk the empty road tonight", line="verse 1:2")
    assert len(r.song.sections[1].lines[1].syllables) == 8
    sung = {v["syllable"] for v in vocal_of_line(r.song, 1, 1)}
    assert len(sung) == 8
    assert "split or merged" in r.messages[-1] or "new melody" in r.messages[-1]


def test_your_words_that_cannot_fit_name_the_count(models):
    song = make_song()
    t = resolve(song, line="verse 1:2")
    long = "remember " * 10 + "the beautiful yesterday " * 4 + "me"
    with pytest.raises(InputError, match=r"--text: 59 syllables, but verse 1 line 2 holds at most 16; give"):
        edit_song(song, t, "text", text=long, models=models)
    with pytest.raises(InputError, match="replace one line"):
        edit_song(song, resolve(song, section="verse 1"), "text", text="hello", models=models)


def test_new_words_never_end_on_a_name(models, monkeypatch):
    import musegen.lyrics.section as section  # its forbidden_finals serves generate and edit alike

    song = make_song()
    for k in (2, 4):
        song.plan.sections[k].rhyme = "AA"
    first = last_word(run(song, models, "words", line="chorus:2").song.sections[2].lines[1].text)
    known = section.names()
    monkeypatch.setattr(section, "names", lambda: known | {first})  # as if that word were a name
    again = last_word(run(song, models, "words", line="chorus:2").song.sections[2].lines[1].text)
    assert again != first and rhymes(again, "light")


def test_new_words_from_a_format_3_model_keep_the_count_and_the_rhyme(models):
    from dataclasses import replace

    song = make_song()
    for k in (2, 4):
        song.plan.sections[k].rhyme = "AA"
    from musegen.edit import Models

    lm3 = replace(models._given["lyrics"], prompt_format=3)  # each line opens with a header: its end word
    r = run(song, Models(lm3, models._given["music"]), "words", line="chorus:2")
    new = r.song.sections[2].lines[1]
    assert len(new.syllables) == 6 == count_line(new.text) and "syllables" not in new.text
    assert rhymes(last_word(new.text), "light"), new.text
