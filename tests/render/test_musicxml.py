import itertools
import random
import xml.etree.ElementTree as ET
from fractions import Fraction

import music21
import pytest
from music21 import expressions, harmony, key, meter, note, tempo

from musegen.render.common import section_labels
from musegen.render.musicxml import (
    chord_from_m21,
    notated_spans,
    song_to_musicxml_bytes,
    syllabic,
    write_musicxml,
)
from musegen.theory import CHORD_QUALITIES, Chord


def _parse(tmp_path, song):
    path = write_musicxml(song, tmp_path / "song.musicxml")
    score = music21.converter.parse(path)
    assert len(score.parts) == 1 and score.parts[0].partName == "Vocal"
    return score.parts[0].flatten()


def test_lyrics_and_notes_read_back(tmp_path, any_song):
    flat = _parse(tmp_path, any_song)
    notes = [n for n in flat.stripTies().notes if isinstance(n, note.Note)]
    assert [n.pitch.midi for n in notes] == [v.pitch for v in any_song.vocal]
    assert [float(n.offset) for n in notes] == [v.onset / 480 for v in any_song.vocal]
    assert [float(n.quarterLength) for n in notes] == [v.duration / 480 for v in any_song.vocal]
    syl = any_song.syllables()
    got = [(ly.text, ly.syllabic) for n in notes for ly in n.lyrics]
    want = [(syl[v.syllable].text, syllabic(syl[v.syllable])) for v in any_song.vocal if not v.melisma]
    assert got == want
    assert {s for _, s in got} == {"single", "begin", "middle", "end"}
    assert all(not n.lyrics for n, v in zip(notes, any_song.vocal, strict=True) if v.melisma)


def test_chords_key_meter_tempo_and_sections(tmp_path, any_song):
    flat = _parse(tmp_path, any_song)
    cs = list(flat.getElementsByClass(harmony.ChordSymbol))
    assert [(float(c.offset), chord_from_m21(c)) for c in cs] == [
        (c.onset / 480, Chord.parse(c.symbol)) for c in any_song.chords]
    ks = flat.getElementsByClass(key.Key)[0]  # MusicXML <key> with <mode> reads back as a Key
    assert ks.tonic.pitchClass == any_song.plan.key_obj.tonic and ks.mode == any_song.plan.mode
    ts = flat.getElementsByClass(meter.TimeSignature)[0]
    assert (ts.numerator, ts.denominator) == any_song.plan.meter
    mm = flat.getElementsByClass(tempo.MetronomeMark)[0]
    assert mm.getQuarterBPM() == pytest.approx(any_song.plan.tempo)
    marks = [(float(r.offset), r.content) for r in flat.getElementsByClass(expressions.RehearsalMark)]
    labels = section_labels(any_song)
    assert marks == [(s.start / 480, lab) for s, lab in zip(any_song.sections, labels, strict=True)]


def test_every_chord_quality_and_slash_chords_survive(tmp_path, song):
    symbols = [f"{root}{q}" for root, q in zip(["C", "F#", "Bb", "Eb", "A", "G#", "Db"] * 2, CHORD_QUALITIES,
                                                strict=False)] + ["C/G", "Am7/G", "Fmaj7/E", "D/F#"]
    for c, s in zip(song.chords, symbols, strict=False):
        c.symbol = s
    flat = _parse(tmp_path, song)
    got = [chord_from_m21(c) for c in flat.getElementsByClass(harmony.ChordSymbol)]
    assert got[:len(symbols)] == [Chord.parse(s) for s in symbols]


def test_melisma_extenders_and_slurs(song):
    root = ET.fromstring(song_to_musicxml_bytes(song))
    starts = [n for n in root.iter("note") if n.find("lyric/extend") is not None]
    groups = [i for i, v in enumerate(song.vocal) if v.melisma and not song.vocal[i - 1].melisma]
    assert len(starts) == len(groups) > 0
    assert all(e.get("type") == "start" for n in starts for e in n.iter("extend"))
    slurs = [s for s in root.iter("slur") if s.get("type") == "start"]
    assert len(slurs) == len(groups)


def test_notation_is_legato_with_rests_for_breaths(song):
    v = song.vocal
    v[0].onset -= 480  # a gap of 2 beats + 30 ticks to the next note in the line: two 8th rests
    v[0].duration -= 30
    v[1].duration = 60  # a 3/8-beat gap inside the line: less than an 8th, so written legato
    assert v[7].syllable == v[6].syllable + 1 and not v[7].melisma  # note 7 starts line 2
    v[6].duration -= 60  # before a new line the breath is kept to the 16th (240 + 60 -> 240)
    spans = notated_spans(song)
    assert spans[0] == (v[0].onset, v[1].onset - 480)
    assert spans[1] == (v[1].onset, v[2].onset)
    assert spans[6] == (v[6].onset, v[7].onset - 240)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def _measure_lengths(xml: bytes) -> list[Fraction]:
    root = ET.fromstring(xml)
    divisions, out = None, []
    for m in root.iter("measure"):
        if (d := m.find("attributes/divisions")) is not None:
            divisions = int(d.text)
        ticks = sum(int(n.find("duration").text) for n in m.findall("note") if n.find("chord") is None)
        out.append(Fraction(ticks, divisions))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_off_grid_timing_still_fills_every_measure_exactly(seed):
    from songs import make_song

    rng = random.Random(seed)
    meter = [(4, 4), (3, 4), (6, 8), (5, 4)][seed]
    s = make_song(meter=meter)
    t = s.sections[1].start
    for n in s.vocal:  # arbitrary ticks, two onsets 7 ticks apart (same grid point) included
        t += rng.choice([0, 7, 13, 40, 110, 160])
        n.onset, n.duration = t, rng.choice([1, 9, 80, 233, 500, 1000])
        t += n.duration
    s.vocal = [n for n in s.vocal if n.onset + n.duration <= s.length_ticks]
    spans = notated_spans(s)
    assert all(a[1] <= b[0] and a[0] < a[1] for a, b in itertools.pairwise(spans))
    lengths = _measure_lengths(song_to_musicxml_bytes(s))
    assert lengths == [Fraction(4 * meter[0], meter[1])] * (s.length_ticks // s.plan.bar_ticks)


def test_flat_keys_are_spelled_with_flats(tmp_path):
    from songs import make_song

    s = make_song(key="Eb", mode="minor")
    flat = _parse(tmp_path, s)
    assert flat.getElementsByClass(key.KeySignature)[0].sharps == -6
    names = {n.pitch.name for n in flat.notes if isinstance(n, note.Note)}
    assert not any("#" in n for n in names)


def test_same_song_same_bytes(song):
    assert song_to_musicxml_bytes(song) == song_to_musicxml_bytes(song)
