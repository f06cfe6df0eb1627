from musegen.sing.score import octave_shift
from sing.phrase import phrase_song


def test_a_sung_song_keeps_its_octave_while_it_fits_no_worse():
    # E4-F#4: inside E3-C5 both as written and an octave down; fresh, the median rule keeps it as written
    song = phrase_song(pitches=[64, 65, 66, 65, 64, 65, 66, 65, 64, 65, 66], melisma_to=None)
    assert octave_shift(song) == 0
    song.meta = {"vocals": {"transpose": -12}}  # sung an octave down before an edit: it stays there
    assert octave_shift(song) == -12
    song.meta = {"vocals": {"transpose": 12}}  # a recorded shift that puts notes out of range is not kept
    assert octave_shift(song) == 0
