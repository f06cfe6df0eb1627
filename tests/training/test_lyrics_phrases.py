"""The base model's prose → clean phrases → training stanzas; sampling resumes where it stopped."""

from __future__ import annotations

import json

from lyrics_tiny import tiny_model

from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.model import wrap
from musegen.training import lyrics_phrases as lp

TEXT = ("I drove all night to see your face, and the radio played our song. Here is a short diary entry "
        "for you. The road was long and the town was asleep; I waited by the door until the morning came. "
        "You never called me back. I kept the light on anyway, and I still hope you come home.")


def test_phrases_keep_clean_song_register_only():
    got = lp.phrases(TEXT)
    kept = [p for p in got if p is not None]
    assert "I drove all night to see your face" in kept
    assert "The road was long and the town was asleep" in kept
    assert all("song" not in p.lower() for p in kept)  # a task word
    assert all("diary" not in p.lower() for p in kept)  # assistant talk about the request
    assert None in got  # what fails a filter leaves a gap, not a silent merge


def test_phrase_stanzas_group_four_phrases_of_one_text_never_twice(tmp_path):
    f = tmp_path / "phr.jsonl"
    rows = [{"request": 0, "ask": "x", "text": TEXT}, {"request": 0, "ask": "x", "text": TEXT}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sts = list(lp.phrase_stanzas(f))
    assert len(sts) == 1  # the second copy's phrases were all used already
    st = sts[0]
    assert len(st.lines) == 4 and st.source == "base-model-phrases" and st.book == "phr-0000"
    assert st.syllables[0] == 8 and st.split in ("train", "valid")


def test_write_texts_resumes_to_the_same_file(tmp_path, monkeypatch):
    monkeypatch.setattr(lp, "TOKENS", 6)
    monkeypatch.setattr(lp, "BATCH", 2)
    lm = wrap(tiny_model(), load_tokenizer())
    whole, part = tmp_path / "whole.jsonl", tmp_path / "part.jsonl"
    assert lp.write_texts(whole, 3, model=lm) == 3
    lp.write_texts(part, 2, model=lm)
    with part.open("a") as fh:  # an interrupted third request: one of its two texts written
        fh.write(whole.read_text().splitlines(keepends=True)[4])
    assert lp.write_texts(part, 3, model=lm) == 3
    assert part.read_text() == whole.read_text()
    assert len(whole.read_text().splitlines()) == 6
