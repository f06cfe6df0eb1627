"""song.mid: Standard MIDI File type 1 at the song's PPQ (480).

Track 0 is the conductor track (title, tempo, time and key signature, one marker per section: "Intro",
"Verse 1", "Chorus" …). Then one named track per part: "Vocal" first — it carries one lyric meta event
per sung syllable at its note onset (a syllable that does not end its word gets a trailing "-"; melisma
notes get no lyric event) — then the accompaniment tracks in song order ("Chords", "Bass", "Drums" …),
each with its General MIDI program; drums play on channel 10 (0-based 9).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import mido

from musegen.fsutil import atomic_write_bytes
from musegen.render.common import lyric_event_text, lyric_starts, midi_safe, section_labels
from musegen.theory import Key
from musegen.types import Note, Song

VOCAL_TRACK = "Vocal"
VOCAL_CHANNEL = 0
DRUM_CHANNEL = 9
DEFAULT_VOCAL_PROGRAM = 53  # GM "Voice Oohs" (0-based)
# CC7 channel volumes so the sung line sits on top of the band when rendered
# (measured A-weighted with benchmarks/genres.py: the denser genre grooves needed the band ~1.5 dB lower)
VOLUMES = {"Vocal": 112, "Chords": 68, "Bass": 100, "Drums": 80}
DEFAULT_VOLUME = 72
# CC10 pan (64 = centre): vocal, bass and drums in the middle, harmony parts to the sides
PANS = {"Chords": 46, "Pad": 82, "Strings": 82, "Guitar": 40}
DEFAULT_PAN = 64

_MAJOR_KEYS = dict(zip(range(-7, 8), ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B",
                                       "F#", "C#"), strict=True))
_MINOR_KEYS = dict(zip(range(-7, 8), ("Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m",
                                       "C#m", "G#m", "D#m", "A#m"), strict=True))

# sort order of simultaneous events: note-offs first, then the lyric, then the note it names
_OFF, _META, _ON = 0, 1, 2


def midi_key_name(key: str, mode: str) -> str:
    """The MIDI key-signature name ("F#m", "Bb") of a plan's key and mode."""
    sharps = Key.parse(f"{key} {mode}").sharps
    if abs(sharps) == 6:  # F#/Gb major, D#/Eb minor: keep the spelling the plan uses
        sharps = -6 if "b" in key else 6
    return (_MAJOR_KEYS if mode == "major" else _MINOR_KEYS)[sharps]


def _clip_overlaps(notes: list[Note]) -> list[Note]:
    """Per pitch, shorten a note that is still sounding when the same pitch strikes again."""
    out = sorted(notes, key=lambda n: (n.pitch, n.onset))
    clipped = []
    for i, n in enumerate(out):
        end = n.onset + n.duration
        if i + 1 < len(out) and out[i + 1].pitch == n.pitch and out[i + 1].onset < end:
            end = out[i + 1].onset
        if end > n.onset:
            clipped.append(Note(n.onset, end - n.onset, n.pitch, n.velocity))
    return clipped


Event = tuple[int, int, mido.Message | mido.MetaMessage]


def _track(name: str, events: list[Event], end: int) -> mido.MidiTrack:
    """A MidiTrack from (tick, order, message) events, with delta times and end_of_track at `end`."""
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=midi_safe(name), time=0))
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(end - now, 0)))
    return track


def _note_events(notes: list[Note], channel: int) -> list[tuple[int, int, mido.Message]]:
    ev = []
    for n in _clip_overlaps(notes):
        ev.append((n.onset, _ON, mido.Message("note_on", channel=channel, note=n.pitch, velocity=n.velocity)))
        off = mido.Message("note_off", channel=channel, note=n.pitch, velocity=0)
        ev.append((n.onset + n.duration, _OFF, off))
    return ev


def part_controls(name: str) -> tuple[int, int]:
    """(CC7 volume, CC10 pan) of a part by its track name."""
    return VOLUMES.get(name, DEFAULT_VOLUME), PANS.get(name, DEFAULT_PAN)


def _setup(channel: int, program: int, name: str) -> list[tuple[int, int, mido.Message]]:
    volume, pan = part_controls(name)
    return [(0, _META, mido.Message("program_change", channel=channel, program=program)),
            (0, _META, mido.Message("control_change", channel=channel, control=7, value=volume)),
            (0, _META, mido.Message("control_change", channel=channel, control=10, value=pan))]


def track_channels(song: Song) -> list[int]:
    """MIDI channel of each accompaniment track: drums on 9, the vocal keeps 0, clashes move to a free one."""
    used = {VOCAL_CHANNEL, DRUM_CHANNEL}
    chans = []
    for t in song.tracks:
        if t.is_drum:
            chans.append(DRUM_CHANNEL)
            continue
        ch = t.channel
        if ch in used:
            ch = next((c for c in range(16) if c not in used), 15)
        used.add(ch)
        chans.append(ch)
    return chans


def song_to_midi(song: Song) -> mido.MidiFile:
    """The song as a type-1 `mido.MidiFile` (see the module docstring for the layout)."""
    plan = song.plan
    end = max([song.length_ticks] + [n.onset + n.duration for n in song.vocal]
              + [n.onset + n.duration for t in song.tracks for n in t.notes])
    num, den = plan.meter
    compound = den == 8 and num % 3 == 0 and num > 3
    conductor: list[tuple[int, int, mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("time_signature", numerator=num, denominator=den,
                                clocks_per_click=36 if compound else 24 * 4 // den,
                                notated_32nd_notes_per_beat=8)),
        (0, 0, mido.MetaMessage("key_signature", key=midi_key_name(plan.key, plan.mode))),
        (0, 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(plan.tempo))),
    ]
    for sec, label in zip(song.sections, section_labels(song), strict=True):
        conductor.append((sec.start, 1, mido.MetaMessage("marker", text=label)))

    mid = mido.MidiFile(type=1, ticks_per_beat=song.ppq)
    # a title Latin-1 cannot hold (Chinese, emoji …) keeps its own script in song.json, MusicXML and LRC
    title = plan.title if midi_safe(plan.title or "").strip() else "musegen song"
    mid.tracks.append(_track(title, conductor, end))

    syllables = song.syllables()
    vocal_prog = plan.instruments.get(VOCAL_TRACK, DEFAULT_VOCAL_PROGRAM)
    vocal = _setup(VOCAL_CHANNEL, vocal_prog, VOCAL_TRACK) + _note_events(song.vocal, VOCAL_CHANNEL)
    for n, starts in zip(song.vocal, lyric_starts(song), strict=True):
        if starts:
            text = lyric_event_text(syllables[n.syllable])
            vocal.append((n.onset, _META, mido.MetaMessage("lyrics", text=text)))
    mid.tracks.append(_track(VOCAL_TRACK, vocal, end))

    for t, ch in zip(song.tracks, track_channels(song), strict=True):
        ev = _setup(ch, t.program, t.name) + _note_events(t.notes, ch)
        mid.tracks.append(_track(t.name, ev, end))
    return mid


def song_to_midi_bytes(song: Song) -> bytes:
    """song.mid as bytes (deterministic: the same song always gives the same bytes)."""
    buf = io.BytesIO()
    song_to_midi(song).save(file=buf)
    return buf.getvalue()


def write_midi(song: Song, path: str | os.PathLike) -> Path:
    """Write song.mid atomically; returns the path."""
    return atomic_write_bytes(path, song_to_midi_bytes(song))
