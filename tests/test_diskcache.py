"""Derived tables in the user cache: built once, read back, rebuilt when damaged, never fatal."""

from musegen.diskcache import cached, source_key


def test_built_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"a": [1, 2], "b": ["x"]}

    assert cached("t", "k1", build) == {"a": [1, 2], "b": ["x"]}
    assert cached("t", "k1", build) == {"a": [1, 2], "b": ["x"]}
    assert calls == [1]
    (file,) = tmp_path.glob("tables/t-k1.marshal")
    file.write_bytes(b"\x80garbage")
    assert cached("t", "k1", build) == {"a": [1, 2], "b": ["x"]}  # rebuilt
    assert calls == [1, 1]


def test_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MUSEGEN_CACHE", str(blocker))
    assert cached("t", "k", lambda: 42) == 42


def test_key_names_its_inputs():
    base = source_key(1, modules=["musegen.diskcache"], packages=["torch"])
    assert base == source_key(1, modules=["musegen.diskcache"], packages=["torch"])
    assert base != source_key(2, modules=["musegen.diskcache"], packages=["torch"])
    assert base != source_key(1, modules=["musegen.fsutil"], packages=["torch"])


def test_old_versions_of_a_table_are_pruned(tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("MUSEGEN_CACHE", str(tmp_path))
    for k in range(6):
        cached("t", f"k{k}", lambda k=k: k)
        os.utime(tmp_path / "tables" / f"t-k{k}.marshal", (k, k))
    cached("other", "x", lambda: 1)
    cached("t", "new", lambda: 2)
    left = sorted(f.name for f in (tmp_path / "tables").iterdir())
    assert left == ["other-x.marshal", "t-k3.marshal", "t-k4.marshal", "t-k5.marshal", "t-new.marshal"]
