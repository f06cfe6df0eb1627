"""A composer's catalog → lead sheets the music model trains on, whatever the files' track layout.

The melody is the track named like a vocal/melody/lead part, else the highest-pitched mostly-monophonic
track (reduced to its top line). Chords come from the other pitched tracks, or from the melody itself
when there is no accompaniment, one per bar/half bar (`music_corpus.detect_chord`). MIDI and MusicXML
are read; files that give no usable lead sheet are skipped with a reason and counted, never raised.
The result is the same `LeadSheet` the base corpus is made of, so fine-tuning tokens match exactly.
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from musegen.errors import InputError
from musegen.music.tokenizer import LeadSheet
from musegen.theory import Key
from musegen.training.lyric_sheets import load_lyric_sheet
from musegen.training.music_corpus import Skip, _midi_sheet
from musegen.types import PPQ, Note, SectionMusic

log = logging.getLogger(__name__)

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
XML_SUFFIXES = (".musicxml", ".mxl", ".xml", ".abc")  # lead sheets read by music21 (lyrics kept)
MELODY_NAMES = ("vocal", "voice", "melody", "lead", "sing", "vox", "tune")
MIN_MELODY_NOTES = 16
TEMPO_RANGE = (30.0, 300.0)


def song_notes(sections: Iterable[SectionMusic], bar_ticks: int) -> list[Note]:
    """Notes of consecutive sections (ticks from each section's start) as one list from the song start."""
    out, start = [], 0
    for sec in sections:
        out += [Note(n.onset + start, n.duration, n.pitch, n.velocity) for n in sec.notes]
        start += sec.bars * bar_ticks
    return out


def melody_notes(sheet: LeadSheet) -> list[Note]:
    """The sheet's melody as one list, onsets from the song start."""
    return song_notes(sheet.sections, sheet.bar_ticks)


@dataclass
class CatalogReport:
    """Lead sheets read from a catalog, and every file skipped with its reason."""

    songs: list[LeadSheet] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many files were used and skipped, and why."""
        reasons: dict[str, int] = {}
        for r in self.skipped.values():
            key = r.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        why = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        return f"{len(self.songs)} songs used, {len(self.skipped)} skipped" + (f" ({why})" if why else "")


def catalog_files(root: str | Path) -> list[Path]:
    """All MIDI/MusicXML files under `root` (a folder or a single file), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(f"--midi {root}: no such folder; point it at a folder of .mid/.musicxml files")
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES + XML_SUFFIXES
    )


def read_catalog(root: str | Path, *, progress: bool = False) -> CatalogReport:
    """Read every song file under `root`; bad files are skipped with a logged warning and counted."""
    files = catalog_files(root)
    report = CatalogReport()
    it: Iterable[Path] = files
    if progress:
        from tqdm import tqdm

        it = tqdm(files, desc="reading catalog", unit="file")
    for path in it:
        try:
            report.songs.append(read_song_file(path))
        except Skip as exc:
            report.skipped[str(path)] = str(exc)
            log.warning("skipping %s: %s", path, exc)
    return report


# ----------------------------------------------------------------------------- reading one file
@dataclass
class _Part:
    name: str
    is_drum: bool
    notes: list[tuple[float, float, int, int]]  # (start beat, end beat, pitch, velocity)


def read_song_file(path: str | Path, source: str = "catalog") -> LeadSheet:
    """Read one MIDI or MusicXML file into a LeadSheet; raises `Skip` with the reason if unusable.

    MusicXML and ABC are read as lead sheets (first part, its chord symbols, the syllables of verse 1 when
    it has lyrics: `lyric_sheets.load_lyric_sheet`).
    """
    path = Path(path)
    if path.suffix.lower() in XML_SUFFIXES:
        sheet = load_lyric_sheet(path, source=source)
        sheet.meta["path"] = str(path)
        return sheet
    parts, tempo, meter, key_hint = _read_midi(path)
    if not any(p.notes for p in parts):
        raise Skip("empty: no notes")
    pitched = [p for p in parts if not p.is_drum and p.notes]
    if not pitched:
        raise Skip("drum-only: no pitched track")
    if not TEMPO_RANGE[0] <= tempo <= TEMPO_RANGE[1]:
        raise Skip(f"absurd tempo: {tempo:.0f} BPM is outside {TEMPO_RANGE[0]:.0f}–{TEMPO_RANGE[1]:.0f}")
    melody_part = _pick_melody(pitched)
    melody = melody_part.notes  # made monophonic (top line) by build_sheet
    if len(melody) < MIN_MELODY_NOTES:
        raise Skip(f"no melody: the best line has {len(melody)} notes (< {MIN_MELODY_NOTES})")
    others = [n for p in pitched if p is not melody_part for n in p.notes]
    # shift so the bar line before the first melody note is time 0, in PPQ ticks (symusic-like notes)
    bar_beats = meter[0] * 4 / meter[1]
    origin = np.floor(min(n[0] for n in melody) / bar_beats) * bar_beats

    def ticks(notes: list[tuple[float, float, int, int]]) -> list[_TickNote]:
        return [_TickNote(round((s - origin) * PPQ), round((e - s) * PPQ), p) for s, e, p, _ in notes]

    track = SimpleNamespace(notes=ticks(melody))
    harmony = ticks(others or melody)  # no accompaniment: chords from the melody itself
    sheet = _midi_sheet(f"{source}/{path.stem}", source, track, harmony, PPQ, meter, key_hint, tempo)
    sheet.meta["path"] = str(path)
    return sheet


class _TickNote(NamedTuple):
    time: int
    duration: int
    pitch: int


def _read_midi(path: Path) -> tuple[list[_Part], float, tuple[int, int], Key | None]:
    import pretty_midi

    if path.stat().st_size == 0:
        raise Skip("corrupt: empty file (0 bytes); export the song again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pm = pretty_midi.PrettyMIDI(str(path))
    except EOFError:
        raise Skip("corrupt: truncated MIDI file (it ends inside a track); export the song again") from None
    except Exception as exc:
        detail = str(exc).strip()[:80] or type(exc).__name__
        raise Skip(f"corrupt: not a readable MIDI file ({detail}); export the song again") from None
    _, tempi = pm.get_tempo_changes()
    tempo = float(tempi[0]) if len(tempi) else 120.0
    ts = pm.time_signature_changes
    meter = (ts[0].numerator, ts[0].denominator) if ts else (4, 4)
    if meter[0] <= 0 or meter[1] not in (1, 2, 4, 8, 16):
        meter = (4, 4)
    key = None
    if pm.key_signature_changes:
        k = pm.key_signature_changes[0].key_number  # 0–11 major, 12–23 minor
        key = Key(k % 12, "major" if k < 12 else "minor")
    parts = []
    beat = pm.resolution
    for inst in pm.instruments:
        notes = [
            (pm.time_to_tick(n.start) / beat, pm.time_to_tick(n.end) / beat, n.pitch, n.velocity)
            for n in inst.notes
            if n.end > n.start
        ]
        parts.append(_Part(inst.name or "", bool(inst.is_drum), sorted(notes)))
    return parts, tempo, meter, key


# ----------------------------------------------------------------------------- melody
def _monophony(notes: list[tuple[float, float, int, int]]) -> float:
    """Share of notes that start after the previous note (mostly) ended."""
    if len(notes) < 2:
        return 1.0
    ok = sum(1 for a, b in itertools.pairwise(notes) if b[0] >= a[1] - 0.25 * (a[1] - a[0]))
    return ok / (len(notes) - 1)


def _pick_melody(parts: list[_Part]) -> _Part:
    named = [p for p in parts if any(w in p.name.lower() for w in MELODY_NAMES)]
    if named:
        return max(named, key=lambda p: len(p.notes))
    mono = [p for p in parts if _monophony(p.notes) >= 0.8 and len(p.notes) >= MIN_MELODY_NOTES]
    pool = mono or parts
    return max(pool, key=lambda p: float(np.mean([n[2] for n in p.notes])))


def plan_like(sheet: LeadSheet, max_bars: int = 10_000, vocal_range: tuple[int, int] = (36, 96)):
    """A SongPlan with a real song's key, tempo, meter, sections, notes per phrase and phrase bars.

    Used to ask a model for music shaped like a catalog song (copy checks, style benchmarks).
    """
    from musegen.music.tokenizer import bar_steps
    from musegen.music.vocab import STEP
    from musegen.theory import note_name
    from musegen.types import SectionPlan, SongPlan

    steps = bar_steps(sheet.meter)
    secs, total = [], 0
    for s in sheet.sections:
        if total + s.bars > max_bars:
            break
        total += s.bars
        pb: list[int] = []
        if s.phrases:
            starts, i = [], 0
            for n in s.phrases:
                starts.append(s.notes[i].onset // (steps * STEP))
                i += n
            starts[0] = 0
            edges = [*starts, s.bars]
            pb = [b - a for a, b in itertools.pairwise(edges)]
            if min(pb) < 1:
                pb = []
        secs.append(SectionPlan(s.type, s.bars, phrase_notes=list(s.phrases), phrase_bars=pb))
    key = note_name(sheet.key.tonic)
    return SongPlan(sheet.name, "", key, sheet.key.mode, sheet.tempo, sheet.meter, secs,
                    vocal_range=vocal_range)
