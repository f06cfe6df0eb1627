"""Small catalog files built in tests: good songs in several track layouts, and bad files."""

from __future__ import annotations

from pathlib import Path

import pretty_midi

# A C-major tune (5 bars of 4/4) over C–F–G–C, one bar per chord.
TUNE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 71, 69, 67, 65, 64, 62, 64, 60]
CHORDS = [(0, 4, 7), (5, 9, 0), (7, 11, 2), (0, 4, 7)]


def write_song(path: Path, *, melody_name: str = "Melody", tempo: float = 100.0, shift: int = 0,
               with_chords: bool = True, drums_only: bool = False) -> Path:
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    beat = 60.0 / tempo
    if not drums_only:
        mel = pretty_midi.Instrument(0, name=melody_name)
        for i, p in enumerate(TUNE):
            mel.notes.append(pretty_midi.Note(90, p + 12 + shift, i * beat, (i + 0.9) * beat))
        pm.instruments.append(mel)
    if with_chords and not drums_only:
        acc = pretty_midi.Instrument(0, name="")
        for b, chord in enumerate(CHORDS * 2):
            for pc in chord:
                pitch = 48 + (pc + shift) % 12
                acc.notes.append(pretty_midi.Note(70, pitch, b * 4 * beat, (b + 1) * 4 * beat))
        pm.instruments.append(acc)
    drums = pretty_midi.Instrument(0, is_drum=True, name="Drums")
    for i in range(16):
        drums.notes.append(pretty_midi.Note(100, 36, i * beat, i * beat + 0.1))
    pm.instruments.append(drums)
    pm.write(str(path))
    return path


def write_bad_files(folder: Path) -> dict[str, str]:
    """Write one file per failure mode; returns file name -> expected reason prefix."""
    (folder / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    write_song(folder / "drums.mid", drums_only=True)
    pm = pretty_midi.PrettyMIDI()
    pm.instruments.append(pretty_midi.Instrument(0))
    pm.write(str(folder / "empty.mid"))
    write_song(folder / "fast.mid", tempo=900.0)
    short = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(0)
    inst.notes.append(pretty_midi.Note(90, 60, 0.0, 1.0))
    short.instruments.append(inst)
    short.write(str(folder / "onenote.mid"))
    return {"corrupt.mid": "corrupt", "drums.mid": "drum-only", "empty.mid": "empty",
            "fast.mid": "absurd tempo", "onenote.mid": "no melody"}
