import statistics

import conductor_songs as h
import pytest

from musegen.conductor import align, arrange
from musegen.conductor.arrange import CRASH, KICK
from musegen.conductor.grooves import groove, groove_names
from musegen.evaluation.arrangement import bar_patterns
from musegen.theory import Chord
from musegen.types import PPQ


def _arranged(**kw):
    p = h.plan(**kw)
    return arrange(align(p, h.lyrics(), h.melody(p)))


def _track(song, name):
    return next(t for t in song.tracks if t.name == name)


def test_tracks_programs_and_channels_follow_the_plan():
    song = _arranged()
    names = [t.name for t in song.tracks]
    assert names == ["Chords", "Bass", "Pad", "Drums"]
    assert _track(song, "Chords").program == 0 and _track(song, "Bass").program == 33
    assert _track(song, "Drums").is_drum and not _track(song, "Bass").is_drum
    for t in song.tracks:
        assert t.notes
        assert all(n.onset >= 0 and n.onset + n.duration <= song.length_ticks for n in t.notes)


def test_no_drums_for_a_ballad_unless_asked():
    song = _arranged(groove="ballad", drums=False)
    assert "Drums" not in [t.name for t in song.tracks]
    asked = _arranged(groove="ballad", drums=True)
    assert "Drums" in [t.name for t in asked.tracks]


def test_bass_follows_the_roots_and_comp_plays_the_chords():
    song = _arranged()
    onsets = [c.onset for c in song.chords]
    import bisect

    def chord_at(t):
        return Chord.parse(song.chords[bisect.bisect_right(onsets, t) - 1].symbol)

    bar = song.plan.bar_ticks
    downbeats = [n for n in _track(song, "Bass").notes if n.onset % bar == 0]
    assert downbeats
    assert all(n.pitch % 12 == chord_at(n.onset).root for n in downbeats)
    for n in _track(song, "Chords").notes:
        assert n.pitch % 12 in chord_at(n.onset).pitch_classes()
    # comping sits under the sung line
    assert statistics.mean(n.pitch for n in _track(song, "Chords").notes) < statistics.mean(
        n.pitch for n in song.vocal)


def test_intro_outro_and_tonic_ending():
    song = _arranged()
    intro, outro = song.sections[0], song.sections[-1]
    assert intro.type == "intro" and outro.type == "outro"
    assert any(n.onset < intro.start + intro.bars * song.plan.bar_ticks for n in _track(song, "Chords").notes)
    last = song.chords[-1]
    assert Chord.parse(last.symbol).root == song.plan.key_obj.tonic
    assert last.onset + last.duration == song.length_ticks


def test_vocal_is_loudest():
    song = _arranged()
    vocal = statistics.mean(n.velocity for n in song.vocal)
    for name in ("Chords", "Bass", "Pad"):
        assert vocal > statistics.mean(n.velocity for n in _track(song, name).notes) + 10


def test_drums_follow_groove_and_tempo():
    song = _arranged(groove="four-on-floor")
    bar = song.plan.bar_ticks
    verse = song.sections[1]
    kicks = {n.onset - verse.start for n in _track(song, "Drums").notes
             if n.pitch == KICK and verse.start <= n.onset < verse.start + bar}
    assert kicks == {0, PPQ, 2 * PPQ, 3 * PPQ}
    slow, fast = h.plan(), h.plan()
    fast.tempo = 150.0
    hats = []
    for p in (slow, fast):
        s = arrange(align(p, h.lyrics(), h.melody(p)))
        hats.append(sum(1 for n in _track(s, "Drums").notes if n.pitch == 42))
    assert hats[1] < hats[0]  # fast songs: hats on the beat instead of eighths


def test_waltz_and_compound_meters():
    waltz = _arranged(meter=(3, 4), groove="waltz")
    bar = waltz.plan.bar_ticks
    assert {n.onset % bar for n in _track(waltz, "Bass").notes} == {0}
    assert {n.onset % bar for n in _track(waltz, "Chords").notes if n.onset < waltz.length_ticks - bar} \
        == {PPQ, 2 * PPQ}
    six = _arranged(meter=(6, 8))
    assert {n.onset % six.plan.bar_ticks for n in _track(six, "Bass").notes} <= {0, 3 * PPQ // 2}


@pytest.mark.parametrize("name", groove_names())
def test_every_groove_plays_in_its_meter_and_the_chorus_is_fuller(name):
    meter = tuple(groove(name)["meter"])
    p = h.plan(meter=meter, groove=name.split("@")[0], chorus_bars=4)
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    assert {"Chords", "Bass", "Drums"} <= {t.name for t in song.tracks}
    for t in song.tracks:
        assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration > 0 for n in t.notes), name
        assert all(n.onset + n.duration <= song.length_ticks for n in t.notes), name
    verse, chorus = bar_patterns(song, "verse"), bar_patterns(song, "chorus")
    assert not set(verse) & set(chorus), name  # no chorus bar repeats a verse bar
    assert statistics.mean(map(len, chorus)) > statistics.mean(map(len, verse)), name


def test_fills_mark_section_changes_and_the_intro_starts_bare():
    song = _arranged(groove="rock")
    bar = song.plan.bar_ticks
    drums = _track(song, "Drums").notes
    verse = song.sections[1]
    last = verse.start + (verse.bars - 1) * bar  # the bar before the chorus: a two-beat fill
    beat = bar // 4
    toms_or_snares = [n for n in drums if last + 2 * beat <= n.onset < last + bar
                      and n.pitch in (38, 43, 45, 47, 50)]
    assert len(toms_or_snares) >= 4
    plain = [n for n in drums if verse.start + 2 * beat <= n.onset < verse.start + bar and n.pitch == 38]
    assert len(toms_or_snares) > len(plain)
    intro = song.sections[0]
    first_half = [n for t in song.tracks if t.name != "Chords" for n in t.notes
                  if n.onset < intro.start + intro.bars // 2 * bar]
    assert not first_half  # chords alone
    chorus = song.sections[2]
    assert any(n.pitch == CRASH and n.onset == chorus.start for n in drums)


def test_pop909_figures_are_reharmonised_to_the_chords():
    song = _arranged(groove="straight")
    onsets = [c.onset for c in song.chords]
    import bisect

    comp = _track(song, "Chords").notes
    assert len({n.duration for n in comp}) > 3  # real figures: mixed note lengths, not block chords
    for n in comp:
        ch = Chord.parse(song.chords[bisect.bisect_right(onsets, n.onset) - 1].symbol)
        assert n.pitch % 12 in ch.pitch_classes()


def test_only_the_parts_the_plan_names_are_played():
    p = h.plan()
    p.instruments = {"Vocal": 52, "Chords": 24}
    p.drums = False
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    assert [(t.name, t.program) for t in song.tracks] == [("Chords", 24)]


def test_genre_colour_turns_triads_into_sevenths():
    p = h.plan(groove="swing")
    p.style = "jazz"
    song = arrange(align(p, h.lyrics(), h.melody(p)))
    assert all(len(Chord.parse(c.symbol).pitch_classes()) == 4 for c in song.chords)


def test_sevenths_keep_the_secondary_dominants_dominant():
    from musegen.conductor.voicing import colour_chords
    from musegen.theory import Key
    from musegen.types import ChordEvent

    chords = [ChordEvent(i * 1920, 1920, s) for i, s in enumerate(["C", "A", "Dm", "G", "F", "E", "Am"])]
    got = [c.symbol for c in colour_chords(chords, Key.parse("C major"), "sevenths")]
    assert got == ["Cmaj7", "A7", "Dm7", "G7", "Fmaj7", "E7", "Am7"]
    pair = [chords[0], ChordEvent(1920, 1920, "E")]
    minor = [c.symbol for c in colour_chords(pair, Key.parse("A minor"), "sevenths")]
    assert minor == ["Cmaj7", "E7"]
