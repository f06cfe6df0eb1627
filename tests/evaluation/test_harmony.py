"""Chord measures: in the key, in the genre vocabulary, distinct symbols."""

from dataclasses import replace

from songs import make_song

from musegen.evaluation.harmony import chord_counts
from musegen.types import ChordEvent


def test_the_test_songs_chords_are_in_key_and_pops_vocabulary_is_counted():
    song = make_song()  # C major, pop: C G7 Am7 Fmaj7 over and over
    got = chord_counts(song)
    assert got["chords"] == len(song.chords) and got["distinct"] == 4
    assert got["in_key"] == got["chords"]
    assert got["in_vocabulary"] == got["chords"]  # pop: I ii IV V vi Isus4 (sevenths are colour)


def test_a_chromatic_chord_counts_against_both():
    song = make_song()
    odd = [ChordEvent(c.onset, c.duration, "C#aug" if i == 0 else c.symbol)
           for i, c in enumerate(song.chords)]
    got = chord_counts(replace(song, chords=odd))
    assert got["in_key"] == got["chords"] - 1 and got["in_vocabulary"] == got["chords"] - 1


def test_a_style_outside_the_genre_table_has_no_vocabulary():
    song = make_song()
    song.plan.style = "my-catalog"
    assert chord_counts(song)["in_vocabulary"] == 0
