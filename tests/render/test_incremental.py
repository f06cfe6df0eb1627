"""An incremental (cached) sung render writes the same bytes as a full one, and re-sings only what changed."""

from __future__ import annotations

import copy
import filecmp

import numpy as np
import pytest
from songs import make_song, syllabify

from musegen.render import write_song_folder
from musegen.render.incremental import RenderCache, is_primed, mix_cached, prime, write_sung_folder
from musegen.types import LyricLine


@pytest.fixture(scope="module")
def song():
    s = make_song(tempo=160.0)  # 30 s: the test stays quick
    s.meta["seed"] = 3
    return s


def _reword(song, k: int, i: int, words: str):
    """`song` with line i of section k sung on the same notes with other words (same syllable count)."""
    out = copy.deepcopy(song)
    syls = syllabify(words)
    assert len(syls) == len(out.sections[k].lines[i].syllables)
    out.sections[k].lines[i] = LyricLine(words, syls)
    return out


def test_an_edited_line_is_sung_again_alone_and_the_files_equal_a_full_render(song, tmp_path):
    from musegen.render.audio import mix_song

    cache = RenderCache()
    assert not is_primed(song, cache)
    stats = prime(song, cache)  # the song as it was before the edit (what the studio holds)
    lines = stats.lines_sung
    assert lines >= 4 and stats.lines_reused == 0 and not stats.band_reused and is_primed(song, cache)

    edited = _reword(song, 1, 0, "Walking my yesterday")
    write_sung_folder(copy.deepcopy(edited), tmp_path / "inc", cache)
    assert cache.last.band_reused and cache.last.lines_sung == 1 and cache.last.lines_reused == lines - 1
    write_song_folder(copy.deepcopy(edited), tmp_path / "full", vocals=True)
    names = sorted(p.name for p in (tmp_path / "full").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "inc").iterdir()) and "vocals.wav" in names
    differ = [n for n in names if not filecmp.cmp(tmp_path / "inc" / n, tmp_path / "full" / n, shallow=False)]
    assert differ == []  # byte for byte, audio included

    # a changed band note: the band is rendered again, no line is
    banded = copy.deepcopy(edited)
    banded.tracks[0].notes[0].pitch += 1
    mix = mix_cached(banded, cache)
    assert not cache.last.band_reused and cache.last.lines_sung == 0
    np.testing.assert_array_equal(mix.band, mix_song(banded).band)


def test_cache_keeps_the_newest_within_its_bounds():
    cache = RenderCache(max_bands=1, max_line_bytes=1000)
    cache.put_band("a", np.zeros(4))
    cache.put_band("b", np.ones(4))
    assert cache.get_band("a") is None and cache.get_band("b")[0] == 1
    for k in range(5):
        cache.put_line(f"l{k}", k, np.zeros(100, np.float32))  # 400 bytes each: two fit
    assert [cache.get_line(f"l{k}") is not None for k in range(5)] == [False, False, False, True, True]
    with pytest.raises(ValueError):  # kept parts are read-only: a caller cannot corrupt them
        cache.get_band("b")[0] = 2


def test_existing_folder_is_refused_before_any_work(song, tmp_path, monkeypatch):
    from musegen.errors import OutputExistsError
    from musegen.render import incremental

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    monkeypatch.setattr(incremental, "mix_cached", lambda *a, **k: pytest.fail("mixed before the check"))
    with pytest.raises(OutputExistsError):
        write_sung_folder(copy.deepcopy(song), tmp_path / "out", RenderCache())
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"
