from musegen.styles.guard import CatalogIndex, longest_shared_run, note_symbols, words
from musegen.types import Note


def _tune(pitches, dur=240, start=0):
    return [Note(start + i * dur, dur, p) for i, p in enumerate(pitches)]


def test_longest_shared_run_finds_the_longest_contiguous_match():
    assert longest_shared_run([1, 2, 3, 4, 9], [[0, 2, 3, 4, 7], [1, 2]]) == 3
    assert longest_shared_run([], [[1]]) == 0
    assert longest_shared_run([5, 6], [[1, 2]]) == 0


def test_note_copy_is_transposition_free_and_counts_notes():
    catalog = CatalogIndex(melodies=[note_symbols(_tune([60, 62, 64, 65, 67, 69, 71, 72, 74]))])
    copied = _tune([65, 67, 69, 70, 72, 74, 76, 77])  # same contour a fourth up
    assert catalog.note_copy(copied) == 8
    other = _tune([60, 67, 61, 66, 62, 65])
    assert catalog.note_copy(other) <= 2


def test_word_copy_ignores_case_and_punctuation():
    catalog = CatalogIndex(texts=[words("The river runs to the sea, my love, tonight")])
    assert catalog.word_copy("THE RIVER runs to the Sea!") == 6
    assert catalog.word_copy("a quiet lamp") == 0


def test_catalog_index_round_trips_through_dict():
    idx = CatalogIndex([note_symbols(_tune([60, 64, 67]))], [words("one two three")])
    assert CatalogIndex.from_dict(idx.to_dict()) == idx


def test_guard_pick_resamples_until_the_limit_and_keeps_the_least_copying():
    from musegen.styles.guard import Guard

    g = Guard(CatalogIndex(), tries=4)
    runs = {0: 12, 7919: 5, 2 * 7919: 1}
    best, rep = g.pick(lambda s: s, lambda s: runs.get(s, 20), limit=8, seed=0)
    assert best == 7919 and rep == {"candidates": 2, "longest_run": 5, "limit": 8, "passed": True}
    best, rep = g.pick(lambda s: s, lambda s: 30 - s % 7, limit=8, seed=0)
    assert rep["candidates"] == 4 and not rep["passed"] and rep["longest_run"] == min(30 - (k * 7919) % 7
                                                                                     for k in range(4))
