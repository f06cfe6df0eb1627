"""A composer's catalog → lead sheets: melody line, chord symbols, key, tempo, meter per song file.

Works on any track layout. The melody is the track named like a vocal/melody/lead part, else the
highest-pitched mostly-monophonic track (reduced to its top line). Chords come from the other pitched
tracks (or from the melody itself when there is no accompaniment), one symbol per half bar, by
matching duration-weighted pitch-class profiles against chord templates. Files that cannot give a
usable lead sheet are skipped with a reason, never raised.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musegen.errors import InputError
from musegen.theory import CHORD_QUALITIES, Chord, Key, note_name, ticks_per_bar
from musegen.types import PPQ, ChordEvent, Note

log = logging.getLogger(__name__)

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
XML_SUFFIXES = (".musicxml", ".mxl", ".xml")
MELODY_NAMES = ("vocal", "voice", "melody", "lead", "sing", "vox", "tune")
MIN_MELODY_NOTES = 16
TEMPO_RANGE = (30.0, 300.0)
GRID = PPQ // 4  # onsets snap to sixteenths; triplet-heavy catalogs lose a little timing detail
# Chord qualities the inference may choose (sevenths only when clearly present).
INFER_QUALITIES = ("", "m", "7", "m7", "maj7", "dim")
# Krumhansl–Kessler key profiles.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass
class LeadSheet:
    """One catalog song reduced to what the music model learns from."""

    name: str
    source: str
    key: str  # tonic name
    mode: str
    tempo: float
    meter: tuple[int, int]
    notes: list[Note]  # monophonic melody, ticks at PPQ from the first bar line
    chords: list[ChordEvent]

    @property
    def bars(self) -> int:
        """Length in whole bars."""
        end = max((n.onset + n.duration for n in self.notes), default=0)
        return max(1, math.ceil(end / ticks_per_bar(self.meter, PPQ)))


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


class SkipFile(Exception):  # noqa: N818 - a control-flow signal, not an error to report as such
    """Raised inside the reader when a file gives no usable lead sheet; the message is the reason."""


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
        except SkipFile as exc:
            report.skipped[str(path)] = str(exc)
            log.warning("skipping %s: %s", path, exc)
    return report


# ----------------------------------------------------------------------------- reading one file
@dataclass
class _Part:
    name: str
    is_drum: bool
    notes: list[tuple[float, float, int, int]]  # (start beat, end beat, pitch, velocity)


def read_song_file(path: str | Path) -> LeadSheet:
    """Read one MIDI or MusicXML file into a LeadSheet; raises SkipFile with the reason if unusable."""
    path = Path(path)
    if path.suffix.lower() in XML_SUFFIXES:
        parts, tempo, meter, key_hint = _read_musicxml(path)
    else:
        parts, tempo, meter, key_hint = _read_midi(path)
    if not any(p.notes for p in parts):
        raise SkipFile("empty: no notes")
    pitched = [p for p in parts if not p.is_drum and p.notes]
    if not pitched:
        raise SkipFile("drum-only: no pitched track")
    if not TEMPO_RANGE[0] <= tempo <= TEMPO_RANGE[1]:
        raise SkipFile(f"absurd tempo: {tempo:.0f} BPM is outside {TEMPO_RANGE[0]:.0f}–{TEMPO_RANGE[1]:.0f}")
    melody_part = _pick_melody(pitched)
    melody = _top_line(melody_part.notes)
    if len(melody) < MIN_MELODY_NOTES:
        raise SkipFile(f"no melody: the best line has {len(melody)} notes (< {MIN_MELODY_NOTES})")
    others = [n for p in pitched if p is not melody_part for n in p.notes]
    key = key_hint or _estimate_key([n for p in pitched for n in p.notes])
    bar_beats = meter[0] * 4 / meter[1]
    first_bar = math.floor(min(n[0] for n in melody) / bar_beats) * bar_beats
    notes = _to_ticks(melody, first_bar)
    chords = _infer_chords(others or melody, first_bar, meter, key, _end_beat(melody) - first_bar)
    return LeadSheet(path.stem, str(path), key.name, key.mode, round(tempo, 2), meter, notes, chords)


def _read_midi(path: Path) -> tuple[list[_Part], float, tuple[int, int], Key | None]:
    import pretty_midi

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pm = pretty_midi.PrettyMIDI(str(path))
    except Exception as exc:
        raise SkipFile(f"corrupt: {type(exc).__name__}: {str(exc)[:80]}") from None
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


def _read_musicxml(path: Path) -> tuple[list[_Part], float, tuple[int, int], Key | None]:
    import music21

    try:
        score = music21.converter.parse(str(path))
    except Exception as exc:
        raise SkipFile(f"corrupt: {type(exc).__name__}: {str(exc)[:80]}") from None
    marks = score.flatten().getElementsByClass("MetronomeMark")
    tempo = float(marks[0].getQuarterBPM()) if marks else 120.0
    tss = score.flatten().getElementsByClass("TimeSignature")
    meter = (tss[0].numerator, tss[0].denominator) if tss else (4, 4)
    keys = score.flatten().getElementsByClass("KeySignature")
    key = None
    if keys:
        k = keys[0]
        mode = getattr(k, "mode", "major")
        key = Key(k.asKey(mode if mode in ("major", "minor") else "major").tonic.pitchClass,
                  mode if mode in ("major", "minor") else "major")
    parts = []
    for part in score.parts or [score]:
        notes = []
        for el in part.flatten().notes:
            start = float(el.offset)
            end = start + float(el.quarterLength)
            if end <= start:
                continue
            for p in getattr(el, "pitches", ()):
                notes.append((start, end, int(p.midi), 90))
        parts.append(_Part(part.partName or "", False, sorted(notes)))
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


def _top_line(notes: list[tuple[float, float, int, int]]) -> list[tuple[float, float, int, int]]:
    """Skyline: the highest note at each onset, each note cut where the next one starts."""
    by_onset: dict[float, tuple[float, float, int, int]] = {}
    for n in notes:
        o = round(n[0] * 4) / 4 if abs(n[0] * 4 - round(n[0] * 4)) < 0.1 else n[0]
        if o not in by_onset or n[2] > by_onset[o][2]:
            by_onset[o] = (o, n[1], n[2], n[3])
    line = [by_onset[o] for o in sorted(by_onset)]
    return [
        (s, min(e, line[i + 1][0]) if i + 1 < len(line) else e, p, v) for i, (s, e, p, v) in enumerate(line)
    ]


def _end_beat(notes: list[tuple[float, float, int, int]]) -> float:
    return max(n[1] for n in notes)


def _to_ticks(line: list[tuple[float, float, int, int]], origin: float) -> list[Note]:
    out: list[Note] = []
    for s, e, p, v in line:
        on = round((s - origin) * PPQ / GRID) * GRID
        off = round((e - origin) * PPQ / GRID) * GRID
        if out and on < out[-1].onset + out[-1].duration:
            out[-1].duration = max(GRID, on - out[-1].onset)
        if off - on < GRID:
            off = on + GRID
        if out and on <= out[-1].onset:
            continue
        out.append(Note(on, off - on, int(p), int(v)))
    return out


# ----------------------------------------------------------------------------- key and chords
def _pc_profile(notes: Iterable[tuple[float, float, int, int]], lo: float = -math.inf, hi: float = math.inf):
    prof = np.zeros(12)
    bass = np.zeros(12)
    lowest = None
    for s, e, p, _ in notes:
        overlap = min(e, hi) - max(s, lo)
        if overlap > 0:
            prof[p % 12] += overlap
            if lowest is None or p < lowest[0]:
                lowest = (p, overlap)
    if lowest is not None:
        bass[lowest[0] % 12] += lowest[1]
    return prof, bass


def _estimate_key(notes: list[tuple[float, float, int, int]]) -> Key:
    prof, _ = _pc_profile(notes)
    best, best_r = Key(0, "major"), -2.0
    for tonic in range(12):
        for mode, ref in (("major", _KK_MAJOR), ("minor", _KK_MINOR)):
            r = float(np.corrcoef(prof, np.roll(ref, tonic))[0, 1]) if prof.any() else 0.0
            if r > best_r:
                best, best_r = Key(tonic, mode), r
    return best


def _infer_chords(
    notes: list[tuple[float, float, int, int]], origin: float, meter: tuple[int, int], key: Key, length: float
) -> list[ChordEvent]:
    bar_beats = meter[0] * 4 / meter[1]
    step = bar_beats / 2 if meter[0] % 2 == 0 and bar_beats >= 2 else bar_beats
    scale = set(key.scale())
    out: list[ChordEvent] = []
    t = 0.0
    while t < length - 1e-6:
        prof, bass = _pc_profile(notes, origin + t, origin + t + step)
        if prof.sum() > 0:
            best, best_score = None, -math.inf
            for root in range(12):
                for q in INFER_QUALITIES:
                    tones = Chord(root, q).pitch_classes()
                    inside = sum(prof[pc] for pc in tones)
                    outside = prof.sum() - inside
                    score = inside - 0.8 * outside + 0.6 * bass[root]
                    score -= 0.15 * prof.sum() * (len(tones) - 3)  # prefer triads unless the 7th is there
                    score -= 0.1 * prof.sum() * sum(pc not in scale for pc in tones)
                    if score > best_score:
                        best, best_score = Chord(root, q), score
            assert best is not None
            sym = best.symbol(key.prefer_flats)
            onset, dur = round(t * PPQ), round(step * PPQ)
            if out and out[-1].symbol == sym and out[-1].onset + out[-1].duration == onset:
                out[-1].duration += dur
            else:
                out.append(ChordEvent(onset, dur, sym))
        t += step
    return out


def chord_root_name(symbol: str) -> str:
    """Root name of a chord symbol (for reports)."""
    c = Chord.parse(symbol)
    return note_name(c.root)


assert set(INFER_QUALITIES) <= set(CHORD_QUALITIES)
