"""song.musicxml: a lead sheet built with music21.

The sung line with its lyrics under the notes (syllabic begin/middle/end/single, melisma extenders
and slurs), chord symbols above, rehearsal marks for the sections, and the key, meter and tempo.

MusicXML needs notated durations, so onsets snap to a 1/24-quarter grid (32nd notes and 16th-note
triplets stay exact) and the line is written legato, with rests only for real breaths (`notated_spans`);
song.mid keeps the exact performance timing.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

from musegen.fsutil import atomic_write_bytes
from musegen.render.common import line_first_notes, lyric_starts, prefers_flats, section_labels
from musegen.render.midi import DEFAULT_VOCAL_PROGRAM
from musegen.theory import CHORD_QUALITIES, FLAT_NAMES, MUSICXML_KIND, SHARP_NAMES, Chord, Key
from musegen.types import Song, Syllable

GRID_PER_QUARTER = 24
# Silences written as rests: inside a lyric line only whole 8ths (shorter ones are articulation, the line
# is notated legato); before a new line (a breath) whole 16ths.
REST_UNIT_IN_LINE = 2  # per quarter
REST_UNIT_AT_BREATH = 4
KIND_TO_QUALITY = {v: k for k, v in MUSICXML_KIND.items()} | {"dominant-seventh": "7"}  # music21's name


def _m21_name(name: str) -> str:
    """Our note name ("Bb") in music21 spelling ("B-")."""
    return name[0] + name[1:].replace("b", "-")


def syllabic(syl: Syllable) -> str:
    """MusicXML <syllabic> of a syllable: single, begin, middle or end."""
    if syl.word_start and syl.word_end:
        return "single"
    if syl.word_start:
        return "begin"
    return "end" if syl.word_end else "middle"


def chord_symbol_m21(symbol: str, prefer_flats: bool):
    """A music21 `harmony.ChordSymbol` for one of our chord symbols."""
    from music21 import harmony

    ch = Chord.parse(symbol)
    names = FLAT_NAMES if prefer_flats else SHARP_NAMES
    kw = {"root": _m21_name(names[ch.root]), "kind": MUSICXML_KIND[ch.quality]}
    if ch.bass is not None:
        kw["bass"] = _m21_name(names[ch.bass])
    return harmony.ChordSymbol(**kw)


def chord_from_m21(cs) -> Chord:
    """Our `Chord` from a music21 ChordSymbol (as parsed back from MusicXML)."""
    from musegen.theory import pitch_class

    root = pitch_class(cs.root().name.replace("-", "b"))
    bass_name = cs.bass().name.replace("-", "b") if cs.bass() is not None else None
    bass = pitch_class(bass_name) if bass_name else None
    quality = KIND_TO_QUALITY.get(cs.chordKind)
    if quality is None:  # a kind we do not write: name it by its pitch classes
        pcs = {p.pitchClass for p in cs.pitches}
        quality = next((q for q, iv in CHORD_QUALITIES.items() if {(root + i) % 12 for i in iv} == pcs), "")
    return Chord(root, quality, None if bass == root else bass)


def notated_spans(song: Song) -> list[tuple[int, int]]:
    """(start, end) ticks of each vocal note as notated.

    Onsets snap to the grid; a note lasts until the next one, less the silence between them rounded down
    to whole 8ths inside a lyric line, or to whole 16ths before the first note of a new line.
    """
    grid = song.ppq // GRID_PER_QUARTER if song.ppq % GRID_PER_QUARTER == 0 else 1
    line_starts = {i for row in line_first_notes(song) for i in row if i is not None}

    def snap(ticks: int) -> int:
        return round(ticks / grid) * grid

    starts: list[int] = []
    for vn in song.vocal:  # strictly increasing, even when two onsets snap to the same grid point
        starts.append(max(snap(vn.onset), starts[-1] + grid) if starts else snap(vn.onset))
    spans = []
    for i, (vn, start) in enumerate(zip(song.vocal, starts, strict=True)):
        end = max(snap(vn.onset + vn.duration), start + grid)
        if i + 1 < len(starts):
            nxt = starts[i + 1]
            unit = song.ppq // (REST_UNIT_AT_BREATH if i + 1 in line_starts else REST_UNIT_IN_LINE)
            end = nxt - max(nxt - end, 0) // unit * unit
        spans.append((start, end))
    return spans


def song_to_score(song: Song):
    """The lead sheet as a music21 `stream.Score` (one part, "Vocal")."""
    from music21 import clef, expressions, instrument, key, metadata, meter, note, spanner, stream, tempo

    plan = song.plan
    flats = prefers_flats(song)
    names = FLAT_NAMES if flats else SHARP_NAMES
    tonic = names[Key.parse(f"{plan.key} {plan.mode}").tonic]
    grid = song.ppq // GRID_PER_QUARTER if song.ppq % GRID_PER_QUARTER == 0 else 1

    def ql(ticks: int) -> Fraction:
        return Fraction(round(ticks / grid) * grid, song.ppq)

    score = stream.Score()
    score.metadata = metadata.Metadata()
    score.metadata.title = plan.title
    score.metadata.composer = "musegen"
    part = stream.Part()
    part.id = "Vocal"
    part.partName = "Vocal"
    voice = instrument.Vocalist()
    voice.partName = "Vocal"
    voice.midiProgram = plan.instruments.get("Vocal", DEFAULT_VOCAL_PROGRAM)
    part.insert(0, voice)
    part.insert(0, clef.TrebleClef() if min((n.pitch for n in song.vocal), default=60) >= 55
                else clef.Treble8vbClef())
    part.insert(0, key.Key(_m21_name(tonic), plan.mode))
    part.insert(0, meter.TimeSignature(f"{plan.meter[0]}/{plan.meter[1]}"))
    num, den = plan.meter
    dotted = plan.tempo / 1.5
    if den == 8 and num % 3 == 0 and abs(dotted - round(dotted)) < 0.01:  # compound meter: ♩. = N
        mark = tempo.MetronomeMark(number=round(dotted), referent=note.Note(type="quarter", dots=1))
    else:
        mark = tempo.MetronomeMark(number=round(plan.tempo, 2), referent=note.Note(type="quarter"))
    part.insert(0, mark)
    for sec, label in zip(song.sections, section_labels(song), strict=True):
        part.insert(ql(sec.start), expressions.RehearsalMark(label))

    syllables = song.syllables()
    placed: list[tuple[Fraction, Fraction, object]] = []
    slurs: list[list[object]] = []
    starts = lyric_starts(song)
    for i, (vn, (t0, t1)) in enumerate(zip(song.vocal, notated_spans(song), strict=True)):
        start, end = Fraction(t0, song.ppq), Fraction(t1, song.ppq)
        n = note.Note(_m21_name(names[vn.pitch % 12]) + str(vn.pitch // 12 - 1))
        n.quarterLength = end - start
        n.volume.velocity = vn.velocity
        if starts[i]:
            syl = syllables[vn.syllable]
            n.lyrics.append(note.Lyric(text=syl.text, syllabic=syllabic(syl)))
        if vn.syllable is not None and not starts[i] and placed:  # slur a melisma from its syllable's note
            prev = placed[-1][2]
            if slurs and slurs[-1][-1] is prev:
                slurs[-1].append(n)
            else:
                slurs.append([prev, n])
        placed.append((start, end, n))
    for start, _, n in placed:
        part.insert(start, n)
    for group in slurs:
        part.insert(0, spanner.Slur(group))
    for c in song.chords:
        part.insert(ql(c.onset), chord_symbol_m21(c.symbol, flats))
    end_q = Fraction(song.length_ticks, song.ppq)
    part.makeRests(fillGaps=True, refStreamOrTimeRange=[0, end_q], inPlace=True, hideRests=False)
    part.makeMeasures(inPlace=True)
    part.makeTies(inPlace=True)
    score.insert(0, part)
    return score


def _finish_xml(xml: bytes, song: Song) -> bytes:
    """Add what music21 does not write.

    That is <extend type="start"/> on a lyric that a melisma prolongs, section marks and the tempo placed
    above the staff, and a fixed part id (the same song gives the same bytes).
    """
    root = ET.fromstring(xml)
    # reproducible bytes: a fixed part id instead of music21's random one, no encoding date
    for el in [*root.iter("score-part"), *root.iter("part")]:
        el.set("id", "P1")
    for el in [*root.iter("score-instrument"), *root.iter("midi-instrument"), *root.iter("instrument")]:
        el.set("id", "P1-I1")
    for enc in root.iter("encoding"):
        for date in enc.findall("encoding-date"):
            enc.remove(date)
    for direction in root.iter("direction"):
        if direction.find("direction-type/rehearsal") is not None or \
                direction.find("direction-type/metronome") is not None:
            direction.set("placement", "above")
    starts = lyric_starts(song)
    sung = [n for n in root.iter("note")
            if n.find("rest") is None and not any(t.get("type") == "stop" for t in n.findall("tie"))]
    for i, vn in enumerate(song.vocal[:len(sung)]):
        nxt = song.vocal[i + 1] if i + 1 < len(song.vocal) else None
        if starts[i] and nxt is not None and nxt.syllable == vn.syllable:
            lyric = sung[i].find("lyric")
            if lyric is not None and lyric.find("extend") is None:
                ext = ET.Element("extend", {"type": "start"})
                # <extend> follows <text> (and precedes end-line/end-paragraph) in the lyric content model
                idx = max(j for j, el in enumerate(lyric) if el.tag == "text") + 1
                lyric.insert(idx, ext)
    body = ET.tostring(root, encoding="unicode")
    head = xml[: xml.index(b"<score-partwise")].decode("utf-8")
    return (head + body + "\n").encode("utf-8")


def song_to_musicxml_bytes(song: Song) -> bytes:
    """song.musicxml as bytes (MusicXML partwise, UTF-8)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    score = song_to_score(song)
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")  # music21 prints notation chatter (beam repairs) to stderr
        xml = GeneralObjectExporter(score).parse()
    return _finish_xml(xml, song)


def write_musicxml(song: Song, path: str | os.PathLike) -> Path:
    """Write song.musicxml atomically; returns the path."""
    return atomic_write_bytes(path, song_to_musicxml_bytes(song))
