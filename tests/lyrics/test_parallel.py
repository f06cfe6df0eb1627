"""Sections written beside the main process: the same words whoever writes them, and in any order."""

from __future__ import annotations

import pytest
from lyrics_tiny import tiny_base_dir, tiny_model

from musegen.errors import InputError
from musegen.lyrics import parallel
from musegen.lyrics.base import load_tokenizer
from musegen.lyrics.generate import SongJob, SongWriter, write_lyrics
from musegen.lyrics.model import load_lyrics_model, wrap
from musegen.lyrics.parse import lyrics_to_text
from musegen.lyrics.sections import plan_for_lyrics

FORM = ["verse", "chorus", "verse"]
SYL = [3]  # one short free line a section: a random tiny model is slow to fit longer ones


@pytest.fixture(scope="module")
def alone(loaded):
    """Seed 5's song written by this process alone."""
    return lyrics_to_text(write_lyrics(_plan(), seed=5, model=loaded, workers=0))


@pytest.fixture(scope="module")
def loaded(private_model_cache, tmp_path_factory):
    """A model `load_lyrics_model` loaded (so a helper process can load it too), cached in a temp folder."""
    base = tiny_base_dir(tmp_path_factory.mktemp("tiny-base"))
    yield load_lyrics_model(adapter=False, base=base)
    parallel.close_helpers()


def _plan():
    return plan_for_lyrics("rain on the window, lost love", FORM, SYL, "X")


def test_a_section_is_the_same_whatever_was_written_before():
    lm = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    job = SongJob(plan_for_lyrics("rain", ["verse", "verse"], SYL, "X"), 4, None, 4, "plan")
    in_order = SongWriter(job, lm)
    first = [in_order.section(k) for k in in_order.todo()]
    backwards = SongWriter(job, lm)
    last_first = [backwards.section(k) for k in reversed(backwards.todo())][::-1]
    assert first == last_first
    assert first[0][0] != first[1][0]  # and the verses still differ


def test_a_helper_process_writes_sections_and_the_words_do_not_change(loaded, alone):
    plan = _plan()
    helper = parallel._helper(loaded.source)
    assert helper.begin(SongJob(plan, 5, None, 8, "plan"))  # loaded and ready before the song starts
    stats: dict = {}
    helped = lyrics_to_text(write_lyrics(plan, seed=5, model=loaded, workers=1, stats=stats))
    assert helped == alone
    assert stats["sections_by_helper"] >= 1


def test_a_helper_that_fails_costs_time_not_words(loaded, alone, tmp_path):
    plan = _plan()
    real = loaded.source
    try:
        loaded.source = (tmp_path / "no-adapter", real[1], real[2])  # the helper cannot load this
        stats: dict = {}
        got = lyrics_to_text(write_lyrics(plan, seed=5, model=loaded, workers=1, stats=stats))
    finally:
        loaded.source = real
        parallel.close_helpers()
    assert got == alone and stats["sections_by_helper"] == 0


def test_no_helper_without_a_reloadable_model_or_when_switched_off(loaded, monkeypatch):
    assert parallel.helpers_for(wrap(tiny_model(), load_tokenizer()), None) == 0
    assert parallel.helpers_for(loaded, 0) == 0
    monkeypatch.setenv(parallel.WORKERS_ENV, "0")
    assert parallel.helpers_for(loaded, None) == 0
    monkeypatch.setattr(parallel, "cpus", lambda: 1)
    monkeypatch.delenv(parallel.WORKERS_ENV)
    assert parallel.helpers_for(loaded, None) == 0


def test_a_bad_workers_setting_is_an_input_error(loaded, monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "-1")
    with pytest.raises(InputError, match="MUSEGEN_LYRICS_WORKERS='-1': must be a whole number"):
        parallel.helpers_for(loaded, None)
    monkeypatch.setenv(parallel.WORKERS_ENV, " 1 ")
    assert parallel.workers_setting() == 1


def test_a_line_another_section_sings_is_written_again(monkeypatch):
    lm = wrap(tiny_model(), load_tokenizer(), prompt_format=3)
    plan = plan_for_lyrics("summer", ["verse", "verse"], SYL, "X")
    real = SongWriter.section
    calls = []

    def section(self, k, used=frozenset()):
        calls.append((k, set(used)))
        texts, keys, counts = real(self, k, used)
        if k == 1 and not used:  # as if the second verse had drawn a line of the first
            first = real(self, 0)
            texts, keys = [first[0][0], *texts[1:]], [first[1][0], *keys[1:]]
        return texts, keys, counts

    monkeypatch.setattr(SongWriter, "section", section)
    stats: dict = {}
    ly = write_lyrics(plan, seed=1, model=lm, stats=stats, workers=0)
    v1, v2 = ([x.text for x in s.lines] for s in ly.sections)
    assert not set(v1) & set(v2)
    assert stats["sections_rewritten"] == 1 and calls[-1][0] == 1 and calls[-1][1]
