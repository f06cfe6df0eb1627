"""Build the shipped piano-accompaniment library from POP909 (MIT): one-bar PIANO patterns, chord-relative.

    .venv/bin/python scripts/build_accompaniment.py --pop909 ../shared/data/pop909 \
        --out src/musegen/conductor/accompaniment.json

For every 4/4 bar of a training song (corpora/music/split.json) that one chord label covers, the PIANO
track's notes are quantised to sixteenths and written relative to that chord: each note is a chord-tone
index (0 root, 1 third, 2 fifth, 3 seventh) and an octave above the bar's root anchor. Passing and non-chord
tones are dropped, so a pattern re-harmonises to any chord (AccoMontage, Zhao & Xia, ISMIR 2021,
retrieves POP909 phrases and re-harmonises them the same way; this is its one-bar, rule-based cut). The most
frequent rhythms per density band are kept, so the library holds the figures POP909's arrangers used most.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pretty_midi

QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11),
             "min7": (0, 3, 7, 10), "dim": (0, 3, 6), "hdim7": (0, 3, 6, 10), "dim7": (0, 3, 6, 9),
             "aug": (0, 4, 8), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "maj6": (0, 4, 7, 9),
             "min6": (0, 3, 7, 9), "sus4(b7)": (0, 5, 7, 10)}
ROOTS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
STEPS = 16  # sixteenths per 4/4 bar
BANDS = 5  # density bands (quintiles of notes per bar)
PER_BAND = 60  # patterns kept per band
MIN_NOTES = 3


def parse_chord(label: str) -> tuple[int, tuple[int, ...]] | None:
    """POP909 label ("E:min7/b7") → (root pitch class, chord intervals); None for N or unknown."""
    if label == "N" or ":" not in label:
        return None
    root_s, qual = label.split(":", 1)
    qual = qual.split("/")[0]
    if qual not in QUALITIES or root_s[0] not in ROOTS:
        return None
    root = ROOTS[root_s[0]] + root_s[1:].count("#") - root_s[1:].count("b")
    return root % 12, QUALITIES[qual]


def song_patterns(folder: Path) -> list[tuple]:
    """All one-chord 4/4 bars of one song as chord-relative patterns."""
    name = folder.name
    pm = pretty_midi.PrettyMIDI(str(folder / f"{name}.mid"))
    piano = next((i for i in pm.instruments if i.name.upper() == "PIANO"), None)
    if piano is None:
        return []
    beats = [tuple(map(float, line.split())) for line in (folder / "beat_midi.txt").read_text().splitlines()
             if line.strip()]
    chords = []
    for line in (folder / "chord_midi.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            chords.append((float(parts[0]), float(parts[1]), parts[2]))
    times = [b[0] for b in beats]
    downs = [i for i, b in enumerate(beats) if b[2] == 1.0]
    notes = sorted(piano.notes, key=lambda n: n.start)
    out = []
    for i in downs:
        if i + 4 >= len(times) or beats[i + 4][2] != 1.0:
            continue  # not a whole 4/4 bar
        t0, t1 = times[i], times[i + 4]
        cover = [c for c in chords if c[0] < t1 - 1e-3 and c[1] > t0 + 1e-3]
        if len(cover) != 1 or cover[0][0] > t0 + 0.05 or cover[0][1] < t1 - 0.05:
            continue
        chord = parse_chord(cover[0][2])
        if chord is None:
            continue
        root, ivs = chord
        bar_notes = [n for n in notes if t0 - 0.03 <= n.start < t1 - 0.03]
        pitches = [n.pitch for n in bar_notes]
        if len(bar_notes) < MIN_NOTES:
            continue
        anchor = min(pitches) - (min(pitches) - root) % 12  # root at or below the lowest note
        row = []
        for n in bar_notes:
            step = _step(n.start, times[i:i + 5])
            end = _step(n.end, times[i:i + 5])
            interval = (n.pitch - root) % 12
            if interval not in ivs or step >= STEPS:
                continue
            row.append((step, max(1, min(STEPS - step, end - step)), ivs.index(interval),
                        (n.pitch - anchor) // 12, int(n.velocity)))
        if len(row) >= MIN_NOTES:
            out.append((name, tuple(sorted(set(row)))))
    return out


def _step(t: float, beat_times: list[float]) -> int:
    """Seconds → sixteenth index in the bar, by linear interpolation between its beats."""
    for b in range(4):
        a, z = beat_times[b], beat_times[b + 1]
        if t < z or b == 3:
            return b * 4 + round(max(0.0, t - a) / (z - a) * 4)
    return STEPS


def main() -> None:
    """Build the library from the training songs and write it as compact JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pop909", type=Path, default=Path("../shared/data/pop909"))
    ap.add_argument("--split", type=Path, default=Path("corpora/music/split.json"))
    ap.add_argument("--out", type=Path, default=Path("src/musegen/conductor/accompaniment.json"))
    ap.add_argument("--songs", type=int, default=0, help="use only the first N training songs (0 = all)")
    args = ap.parse_args()
    if not args.pop909.is_dir():
        sys.exit(f"--pop909 {args.pop909}: not a folder; point it at the POP909 data (NNN/NNN.mid …)")
    train = [s.split("/")[1] for s in json.loads(args.split.read_text())["train"] if s.startswith("pop909/")]
    if args.songs:
        train = train[: args.songs]
    rhythm_count: Counter = Counter()
    examples: dict[tuple, list] = defaultdict(list)
    for k, name in enumerate(train):
        folder = args.pop909 / name
        if not folder.is_dir():
            continue
        for song, pat in song_patterns(folder):
            # a figure: its onsets, lengths and chord tones; velocities and octaves vary between examples
            key = tuple((s, d, t, o) for s, d, t, o, _ in pat)
            rhythm_count[key] += 1
            examples[key].append((song, pat))
        if k % 100 == 0:
            print(f"{k}/{len(train)} songs, {len(rhythm_count)} distinct figures", file=sys.stderr)
    ranked = sorted(rhythm_count, key=lambda r: (-rhythm_count[r], r))
    dens = sorted(len(r) for r in ranked)
    edges = [dens[int(len(dens) * q / BANDS)] for q in range(1, BANDS)]
    kept: list[dict] = []
    per_band: Counter = Counter()
    for r in ranked:
        band = sum(len(r) > e for e in edges)
        if per_band[band] >= PER_BAND or rhythm_count[r] < 2:
            continue
        per_band[band] += 1
        song, pat = examples[r][0]
        vel = [round(sum(p[4] for p in ex[1]) / len(ex[1])) for ex in examples[r]]
        kept.append({"band": band, "count": rhythm_count[r], "song": f"pop909/{song}",
                     "velocity": round(sum(vel) / len(vel)),
                     "notes": [[s, d, t, o, v] for s, d, t, o, v in pat]})
    kept.sort(key=lambda p: (p["band"], -p["count"]))
    doc = {"about": "One-bar 4/4 piano accompaniment figures from POP909 (Wang et al., ISMIR 2020; MIT), "
                    "built by scripts/build_accompaniment.py. notes: [sixteenth, length in sixteenths, "
                    "chord-tone index (0 root, 1 third, 2 fifth, 3 seventh), octave above the root anchor, "
                    "velocity]. band: density quintile 0 (sparse) … 4 (dense). count: bars of the training "
                    "songs with this figure.",
           "source": "POP909 PIANO track + chord_midi.txt + beat_midi.txt, training split of "
                     "corpora/music/split.json",
           "songs": len(train), "bars_seen": sum(rhythm_count.values()), "patterns": kept}
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{len(kept)} patterns from {sum(rhythm_count.values())} bars ({len(rhythm_count)} distinct) → "
          f"{args.out} ({args.out.stat().st_size // 1024} KB); bands {dict(per_band)}", file=sys.stderr)


if __name__ == "__main__":
    main()
