import os
import stat

import pytest

from musegen.errors import OutputExistsError
from musegen.fsutil import atomic_dir, atomic_write_text


def test_atomic_write_gives_normal_permissions_and_no_temp_files(tmp_path):
    p = atomic_write_text(tmp_path / "a" / "x.txt", "hi")
    assert p.read_text() == "hi"
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~_umask()
    assert os.listdir(p.parent) == ["x.txt"]


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_atomic_dir_refuses_existing_without_force_and_replaces_with_force(tmp_path):
    out = tmp_path / "song"
    with atomic_dir(out) as d:
        (d / "a").write_text("1")
    with pytest.raises(OutputExistsError, match="--force"), atomic_dir(out):
        pass
    with atomic_dir(out, force=True) as d:
        (d / "b").write_text("2")
    assert sorted(os.listdir(out)) == ["b"]
    assert sorted(os.listdir(tmp_path)) == ["song"]


def test_atomic_dir_leaves_nothing_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "song") as d:
        (d / "half").write_text("x")
        raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_force_over_a_file_leaves_no_stray_old_file(tmp_path):
    out = tmp_path / "song"
    out.write_text("not a folder")
    with atomic_dir(out, force=True) as d:
        (d / "a").write_text("1")
    assert out.is_dir() and sorted(os.listdir(tmp_path)) == ["song"]
