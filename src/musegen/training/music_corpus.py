"""Music corpus: real lead-sheet material -> `LeadSheet`s -> token arrays for training.

Sources: POP909 (MELODY track + chord_midi/beat_midi/key_audio annotations), the Nottingham database
(melody + chord MIDI), and any folder of user MIDI files (melody = the track named Vocal/Melody/Lead,
else the highest non-drum track; chords detected from the other tracks) or MusicXML lead sheets
(first part + chord symbols + lyrics, through music21: `musegen.training.lyric_sheets`). MIDI is read
with symusic,
miditok's backend. Everything is quantised to a 16th grid, made monophonic, and cut into phrases
(at rests of a beat or more, or every 4 bars) and pseudo-sections (see `segment`): the sources carry
no section labels, so "chorus" means "a repeated, higher-lying 8-bar block", "verse" the other sung
blocks, "intro"/"outro" the instrumental bars before/after/between them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np

from musegen.errors import InputError
from musegen.music import vocab as V
from musegen.music.tokenizer import LeadSheet, bar_steps, encode, half_bar
from musegen.theory import CHORD_QUALITIES, Chord, Key, note_name
from musegen.types import ChordEvent, Note, SectionMusic

SECTION_BARS = 8  # target length of a pseudo-section
PHRASE_MAX_BARS = 4

POP909_QUALITY = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "sus2": "sus2",
    "sus4": "sus4",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "hdim7": "m7b5",
    "dim7": "dim7",
    "maj6": "6",
    "min6": "m6",
    "sus4(b7)": "sus4",
    "minmaj7": "m",
    "sus4(b7,9)": "sus4",
    "maj(9)": "",
    "min(9)": "m",
}


class Skip(Exception):  # noqa: N818 - a control-flow signal, not an error a user sees
    """A source file that cannot become a lead sheet (the message says why)."""


# ----------------------------------------------------------------------------- shared steps
def _clean_melody(events: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """(step, dur, pitch) -> monophonic: one note per onset (the highest), no overlaps, dur >= 1."""
    by_onset: dict[int, tuple[int, int, int]] = {}
    for s, d, p in events:
        if s not in by_onset or p > by_onset[s][2]:
            by_onset[s] = (s, d, p)
    out = sorted(by_onset.values())
    res = []
    for i, (s, d, p) in enumerate(out):
        if i + 1 < len(out):
            d = min(d, out[i + 1][0] - s)
        res.append((s, max(1, d), p))
    return res


def _phrases(notes: list[tuple[int, int, int]], steps: int) -> list[int]:
    """Notes per phrase: break at rests of >= 1 beat, after long notes followed by a rest, or every 4 bars."""
    beat = 4
    out, count, start = [], 0, None
    for i, (s, d, _) in enumerate(notes):
        if start is None:
            start = s
        count += 1
        if i + 1 == len(notes):
            break
        gap = notes[i + 1][0] - (s + d)
        span = notes[i + 1][0] // steps - start // steps  # bars from the phrase's first bar
        long_note = span >= 2 and d >= beat and notes[i + 1][0] % (steps // 2 or steps) == 0
        if (
            gap >= beat
            or (gap >= 2 and d >= beat)
            or long_note
            or span >= PHRASE_MAX_BARS
            or count >= V.MAX_PHRASE_NOTES
        ):
            out.append(count)
            count, start = 0, None
    if count:
        out.append(count)
    return out


LEGATO_GAP = 4  # grid steps (a beat): a shorter silence inside a phrase is articulation, not a rest


def legato_phrases(sections: list[SectionMusic]) -> None:
    """Inside each phrase, a note sounds until the next one starts (in place); phrase ends keep theirs.

    POP909's melody tracks are performances whose note-offs come early (held-out POP909: sounding ÷
    inter-onset interval 0.68, 52 % of notes under 0.6), while sung lines are legato inside a phrase
    (EVALUATION.md's real pop: 0.80 and 9 %). Durations become the written lengths a singer reads;
    silences of a beat or more, and every phrase's last note with the breath after it, are kept.
    """
    for sec in sections:
        i = 0
        for n in sec.phrases:
            for a, b in zip(sec.notes[i : i + n - 1], sec.notes[i + 1 : i + n], strict=True):
                if 0 < b.onset - (a.onset + a.duration) < LEGATO_GAP * V.STEP:
                    a.duration = b.onset - a.onset
            i += n


def detect_chord(pcs: Counter, bass: int | None) -> tuple[int, str] | None:
    """Best (root, quality) for weighted pitch classes (template matching; None when empty)."""
    if not pcs:
        return None
    best, best_score = None, -1e9
    total = sum(pcs.values())
    for root in range(12):
        for q, ivs in CHORD_QUALITIES.items():
            tones = {(root + i) % 12 for i in ivs}
            hit = sum(w for pc, w in pcs.items() if pc in tones)
            miss = sum(1 for t in tones if t not in pcs)
            score = hit / total - 0.25 * miss - 0.02 * len(tones) + (0.1 if bass == root else 0)
            if score > best_score:
                best, best_score = (root, q), score
    return best


def segment(notes, chords, phrases, steps, total_bars) -> list[tuple[str, int, int, int, int]]:
    """Pseudo-sections: (type, first bar, bars, first note index, notes) covering all bars in order."""
    starts = np.cumsum([0, *phrases])[:-1].tolist()
    first_bar = notes[0][0] // steps
    last_bar = (notes[-1][0] + notes[-1][1] - 1) // steps
    blocks: list[list[int]] = []  # phrase indices per block
    cur: list[int] = []
    cur_bar = first_bar
    for k, i0 in enumerate(starts):
        b = notes[i0][0] // steps
        prev_end = notes[i0 - 1][0] + notes[i0 - 1][1] if i0 else 0
        clean = prev_end <= b * steps
        if cur and clean and (b - cur_bar >= SECTION_BARS or b - (prev_end - 1) // steps > 4):
            blocks.append(cur)
            cur, cur_bar = [], b
        cur.append(k)
    blocks.append(cur)
    out = []
    if first_bar > 0:
        out.append(["intro", 0, first_bar, 0, 0])
    for bi, blk in enumerate(blocks):
        i0 = starts[blk[0]]
        n = sum(phrases[k] for k in blk)
        b0 = notes[i0][0] // steps if bi else first_bar
        out.append(["verse", b0, 0, i0, n])
    ends = [o[1] for o in out[1:]] + [last_bar + 1]
    for o, e in zip(out, ends, strict=True):
        o[2] = e - o[1]
    # long instrumental tails of a block become their own section
    fixed = []
    for o in out:
        if o[0] == "verse" and o[4]:
            le = notes[o[3] + o[4] - 1]
            end_bar = (le[0] + le[1] - 1) // steps + 1
            if o[1] + o[2] - end_bar >= 4:
                fixed += [
                    [o[0], o[1], end_bar - o[1], o[3], o[4]],
                    ["intro", end_bar, o[1] + o[2] - end_bar, 0, 0],
                ]
                continue
        fixed.append(o)
    if total_bars > last_bar + 1:
        fixed.append(["outro", last_bar + 1, total_bars - last_bar - 1, 0, 0])
    _label_choruses(fixed, notes, steps)
    return [tuple(o) for o in fixed if o[2] > 0]


def _label_choruses(secs: list[list], notes, steps) -> None:
    """Mark repeated sung blocks that lie higher than the song's median as choruses."""
    sung = [o for o in secs if o[4]]
    sets = []
    for o in sung:  # pitch-interval 4-grams with their rhythm: position-free repetition test
        ns = notes[o[3] : o[3] + o[4]]
        sets.append(
            {
                tuple((ns[i + j + 1][2] - ns[i + j][2], ns[i + j + 1][0] - ns[i + j][0]) for j in range(3))
                for i in range(len(ns) - 3)
            }
        )
    med = float(np.median([p for _, _, p in notes]))
    for a, o in enumerate(sung):
        rep = any(
            len(sets[a] & sets[b]) / max(1, len(sets[a] | sets[b])) > 0.5 for b in range(len(sung)) if b != a
        )
        mean = float(np.mean([p for _, _, p in notes[o[3] : o[3] + o[4]]]))
        if rep and mean >= med:
            o[0] = "chorus"


def build_sheet(
    name: str,
    source: str,
    key: Key,
    tempo: float,
    meter: tuple[int, int],
    melody: list[tuple[int, int, int]],
    chord_at: dict[int, tuple[int, str] | None],
    total_steps: int,
    legato: bool = True,
) -> LeadSheet:
    """Assemble a LeadSheet from grid events (melody (step, dur, pitch); chords per bar/half-bar step).

    `legato` holds each note to the next inside a phrase (`legato_phrases`), as the corpus trains on;
    False keeps the source's own note-offs (the benchmarks' real POP909 reference).
    """
    if meter not in V.METERS:
        raise Skip(f"meter {meter[0]}/{meter[1]}")
    steps = bar_steps(meter)
    notes = _clean_melody([m for m in melody if m[0] >= 0])
    if len(notes) < 16:
        raise Skip("fewer than 16 melody notes")
    total_bars = max(
        total_steps // steps + (total_steps % steps > 0), (notes[-1][0] + notes[-1][1] - 1) // steps + 1
    )
    phrases = _phrases(notes, steps)
    sections = []
    for kind, b0, nb, i0, n in segment(notes, chord_at, phrases, steps, total_bars):
        base = b0 * steps
        sec_notes = [
            Note((s - base) * V.STEP, min(d, (b0 + nb) * steps - s) * V.STEP, p)
            for s, d, p in notes[i0 : i0 + n]
        ]
        # phrases of this block
        ph, acc = [], 0
        for c in phrases:
            if i0 <= acc < i0 + n:
                ph.append(c)
            acc += c
        chords: list[ChordEvent] = []
        gap = False  # a 'no chord' since the last chord
        for step in sorted(k for k in chord_at if base <= k < base + nb * steps):
            rq = chord_at[step]
            if rq is None:
                gap = True
                continue
            sym = Chord(rq[0], rq[1]).symbol(key.prefer_flats)
            if chords and chords[-1].symbol == sym and not gap:
                continue
            gap = False
            chords.append(ChordEvent((step - base) * V.STEP, 0, sym))
        ends = [c.onset for c in chords[1:]] + [nb * steps * V.STEP] * bool(chords)
        for c, e in zip(chords, ends, strict=True):
            c.duration = e - c.onset
        # a chord of None in between ends the previous chord early
        for c in chords:
            for step in range(c.onset // V.STEP + base + 1, (c.onset + c.duration) // V.STEP + base):
                if step in chord_at and chord_at[step] is None:
                    c.duration = (step - base) * V.STEP - c.onset
                    break
        sections.append(SectionMusic(kind, nb, sec_notes, chords, ph))
    if legato:
        legato_phrases(sections)
    return LeadSheet(key, tempo, meter, sections, name=name, source=source)


def _grid_chords(steps: int, half: int | None, total_steps: int, labels) -> dict[int, tuple[int, str] | None]:
    """Chord per bar/half-bar step from a function step -> (root, quality) | None."""
    out = {}
    for bar_start in range(0, total_steps + steps, steps):
        out[bar_start] = labels(bar_start)
        if half is not None:
            out[bar_start + half] = labels(bar_start + half)
    return out


# ----------------------------------------------------------------------------- POP909
def load_pop909_song(folder: Path, legato: bool = True) -> LeadSheet:
    """One POP909 song folder -> LeadSheet (raises Skip with a reason); `legato` as in `build_sheet`."""
    import symusic

    midi = folder / f"{folder.name}.mid"
    try:
        score = symusic.Score(str(midi)).to("second")
        beats = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
        chords = [ln.split("\t") for ln in (folder / "chord_midi.txt").read_text().splitlines() if ln.strip()]
        keys = [ln.split("\t") for ln in (folder / "key_audio.txt").read_text().splitlines() if ln.strip()]
    except (OSError, ValueError, RuntimeError) as exc:
        raise Skip(f"unreadable ({type(exc).__name__})") from exc
    mel = [t for t in score.tracks if t.name.strip().upper() == "MELODY"]
    if not mel:
        raise Skip("no MELODY track")
    times = beats[:, 0]
    down = np.flatnonzero(beats[:, 2] == 1)
    if len(down) < 4:
        raise Skip("too few downbeats")
    num = int(np.median(np.diff(down)))
    if num not in (3, 4):
        raise Skip(f"{num} beats per bar")
    meter = (num, 4)
    first = down[0]
    period = float(np.median(np.diff(times)))
    tempo = 60.0 / period

    def beat_of(t: float) -> float:
        if t < times[0]:
            return (t - times[0]) / period
        if t > times[-1]:
            return len(times) - 1 + (t - times[-1]) / period
        return float(np.interp(t, times, np.arange(len(times))))

    # one extra bar in front when the melody has a pickup before the first downbeat
    pre = 0
    onsets = [beat_of(n.time) - first for n in mel[0].notes]
    if onsets and min(onsets) < -0.1:
        pre = int(np.ceil(-min(onsets) / num))
    step_of = lambda t: round((beat_of(t) - first + pre * num) * 4)  # noqa: E731
    melody = [
        (step_of(n.time), step_of(n.time + n.duration) - step_of(n.time), n.pitch) for n in mel[0].notes
    ]
    spans = []
    for c in chords:
        s, e, lab = float(c[0]), float(c[1]), c[2].strip()
        rq = None
        if lab != "N":
            root, _, qual = lab.partition(":")
            qual = qual.split("/")[0]
            if qual not in POP909_QUALITY:
                qual = "min" if qual.startswith("min") else "maj"
            rq = ((Chord.parse(root).root if root else 0), POP909_QUALITY[qual])
        spans.append((step_of(s), step_of(e), rq))
    total = max(step_of(times[-1]), max(m[0] + m[1] for m in melody))

    def label(step: int):
        best = None
        for s, e, rq in spans:  # the chord sounding longest in the next beat
            if s <= step + 2 < e:
                best = rq
        return best

    steps, half = bar_steps(meter), half_bar(meter)
    grid = _grid_chords(steps, half, total, label)
    k = max(keys, key=lambda r: float(r[1]) - float(r[0]))[2].strip()
    tonic, _, mode = k.partition(":")
    key = Key(Chord.parse(tonic).root, "minor" if mode.startswith("min") else "major")
    return build_sheet(f"pop909/{folder.name}", "pop909", key, tempo, meter, melody, grid, total, legato)


# ----------------------------------------------------------------------------- MIDI files
def _midi_sheet(name: str, source: str, melody_track, other_notes, tpq: int, meter, key, tempo: float):
    """Lead sheet from symusic notes; `key` is a Key, None (estimate) or candidate Keys."""
    to_step = lambda t: round(t * 4 / tpq)  # noqa: E731
    melody = [
        (to_step(n.time), max(1, to_step(n.time + n.duration) - to_step(n.time)), n.pitch)
        for n in melody_track.notes
    ]
    total = max((m[0] + m[1] for m in melody), default=0)
    spans = [(to_step(n.time), to_step(n.time + n.duration), n.pitch) for n in other_notes]
    total = max([total, *[s[1] for s in spans]])
    steps, half = bar_steps(meter), half_bar(meter)

    def label(step: int):
        seg = half or steps
        pcs: Counter = Counter()
        low = None
        for s, e, p in spans:
            if s < step + seg and e > step:
                pcs[p % 12] += min(e, step + seg) - max(s, step)
                low = p if low is None or p < low else low
        return detect_chord(pcs, None if low is None else low % 12)

    grid = _grid_chords(steps, half, total, label)
    last = [rq for _, rq in sorted(grid.items()) if rq is not None]
    if key is None or isinstance(key, list):
        cands = key
        if cands and last and any(k.tonic == last[-1][0] for k in cands):  # the final chord names the tonic
            key = next(k for k in cands if k.tonic == last[-1][0])
        else:
            key = estimate_key([m[2] for m in melody], [m[1] for m in melody], cands)
    return build_sheet(name, source, key, tempo, meter, melody, grid, total)


KK_MAJOR = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
KK_MINOR = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def estimate_key(pitches: list[int], weights: list[float], candidates: list[Key] | None = None) -> Key:
    """Krumhansl–Kessler key estimate from pitches weighted by duration."""
    hist = np.zeros(12)
    for p, w in zip(pitches, weights, strict=True):
        hist[p % 12] += w
    best, best_r = Key(0, "major"), -2.0
    for mode, prof in (("major", KK_MAJOR), ("minor", KK_MINOR)):
        for t in range(12):
            if candidates and Key(t, mode) not in candidates:
                continue
            r = float(np.corrcoef(hist, np.roll(prof, t))[0, 1]) if hist.any() else 0.0
            if r > best_r:
                best, best_r = Key(t, mode), r
    return best


def load_nottingham_tune(melody_path: Path, chords_path: Path | None) -> LeadSheet:
    """One Nottingham tune (melody MIDI + chord MIDI) -> LeadSheet."""
    import symusic

    try:
        mel = symusic.Score(str(melody_path))
        chd = symusic.Score(str(chords_path)) if chords_path and chords_path.exists() else None
    except (OSError, RuntimeError, ValueError) as exc:
        raise Skip(f"unreadable ({type(exc).__name__})") from exc
    meters = {(ts.numerator, ts.denominator) for ts in mel.time_signatures}
    if len(meters) != 1:
        raise Skip("mixed meter" if meters else "no time signature")
    meter = meters.pop()
    tracks = [t for t in mel.tracks if len(t.notes)]
    if not tracks:
        raise Skip("no melody notes")
    key = None
    if mel.key_signatures:
        ks = mel.key_signatures[0]
        major = (ks.key * 7) % 12
        key = [Key(major, "major"), Key((major + 9) % 12, "minor")]  # resolved by the final chord
    other = [n for t in (chd.tracks if chd else []) for n in t.notes]
    tempo = mel.tempos[0].qpm if len(mel.tempos) else 120.0
    return _midi_sheet(
        f"nottingham/{melody_path.stem}",
        "nottingham",
        tracks[0],
        other,
        mel.ticks_per_quarter,
        meter,
        key,
        tempo,
    )


# ----------------------------------------------------------------------------- corpus
def iter_sources(
    pop909: Path | None, nottingham: Path | None, user_dirs: list[Path], songs_pd: Path | None = None
) -> Iterator[tuple[str, object]]:
    """(name, loader thunk) for every candidate song of the given sources.

    `songs_pd`: the public-domain songs with lyrics (``openewld/*.mxl``, ``openhymnal/*.abc``; read by
    `musegen.training.lyric_sheets`, whose notes carry their syllables).
    """
    if songs_pd is not None:
        from musegen.training.lyric_sheets import load_lyric_sheet

        for sub, pattern in (("openewld", "*.mxl"), ("openhymnal", "*.abc")):
            for m in sorted((songs_pd / sub).glob(pattern)):
                yield f"{sub}/{m.stem}", (lambda m=m, sub=sub: load_lyric_sheet(m, source=sub))
    if pop909 is not None:
        for d in sorted(p for p in pop909.iterdir() if p.is_dir()):
            yield f"pop909/{d.name}", (lambda d=d: load_pop909_song(d))
    if nottingham is not None:
        mdir = nottingham / "MIDI" / "melody" if (nottingham / "MIDI" / "melody").is_dir() else nottingham
        for m in sorted(mdir.glob("*.mid")):
            c = m.parent.parent / "chords" / m.name
            yield f"nottingham/{m.stem}", (lambda m=m, c=c: load_nottingham_tune(m, c))
    if user_dirs:
        from musegen.training.catalog import catalog_files, read_song_file

        for u in user_dirs:
            for m in catalog_files(u):
                yield f"user/{m.stem}", (lambda m=m: read_song_file(m, source="user"))


def write_tokens(path: Path, splits: dict[str, list[np.ndarray]]) -> Path:
    """Write token arrays per split as tokens.npz (`{split}_tokens` + `{split}_offsets`; see load_songs)."""
    payload = {}
    for split, seqs in splits.items():
        payload[f"{split}_tokens"] = np.concatenate(seqs) if seqs else np.zeros(0, np.int16)
        payload[f"{split}_offsets"] = np.cumsum([0, *[len(s) for s in seqs]]).astype(np.int64)
    np.savez(path, **payload)
    return path


LYRIC_VALID_FRACTION = 0.12  # songs with lyrics are few: hold out more of them (lyrics -> melody measures)


def split_of(name: str, valid_fraction: float) -> str:
    """Deterministic train/valid split by song name (songs-pd sources: at least LYRIC_VALID_FRACTION)."""
    if name.split("/")[0] in ("openewld", "openhymnal"):
        valid_fraction = max(valid_fraction, LYRIC_VALID_FRACTION)
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "valid" if h < valid_fraction else "train"


def melody_fingerprint(sheet: LeadSheet) -> str:
    """Hash of the key-normalised melody (pitch-step sequence), for deduplication."""
    from musegen.music.tokenizer import key_shift

    sh = key_shift(sheet.key)
    seq = [(n.pitch + sh) % 12 for s in sheet.sections for n in s.notes][:64]
    return hashlib.sha1(bytes(seq)).hexdigest()


def sheet_to_dict(sheet: LeadSheet) -> dict:
    """JSON-able dict of a lead sheet (corpus cache)."""
    return {
        "name": sheet.name,
        "source": sheet.source,
        "key": [sheet.key.tonic, sheet.key.mode],
        "tempo": sheet.tempo,
        "meter": list(sheet.meter),
        "sections": [asdict(s) for s in sheet.sections],
        **({"syl": sheet.meta["syl"]} if sheet.meta.get("syl") else {}),
    }


def sheet_from_dict(d: dict) -> LeadSheet:
    """Inverse of `sheet_to_dict`."""
    secs = [
        SectionMusic(
            s["type"],
            s["bars"],
            [Note(**n) for n in s["notes"]],
            [ChordEvent(**c) for c in s["chords"]],
            list(s["phrases"]),
        )
        for s in d["sections"]
    ]
    return LeadSheet(
        Key(d["key"][0], d["key"][1]), d["tempo"], tuple(d["meter"]), secs, d["name"], d["source"],
        {"syl": d["syl"]} if d.get("syl") else {},
    )


def load_sheets(path: str | Path) -> list[tuple[str, LeadSheet]]:
    """(split, sheet) pairs from a corpus cache written by `build_corpus`."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no corpus cache; run `musegen corpus build` first")
    out = []
    with gzip.open(p, "rt") as fh:
        for line in fh:
            d = json.loads(line)
            out.append((d["split"], sheet_from_dict(d)))
    return out


def build_corpus(
    out: Path,
    *,
    pop909: Path | None = None,
    nottingham: Path | None = None,
    user_dirs: list[Path] = (),
    songs_pd: Path | None = None,
    valid_fraction: float = 0.05,
    progress: bool = True,
) -> dict:
    """Parse sources, dedupe, split by song, tokenise; write sheets.jsonl.gz, tokens.npz, report.json.

    Resumable: an existing sheets.jsonl.gz is reused (delete it to re-parse).
    """
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    cache = out / "sheets.jsonl.gz"
    report: dict = {"sources": {}, "skipped": {}, "duplicates": 0}
    if not cache.exists():
        items = list(iter_sources(pop909, nottingham, list(user_dirs), songs_pd))
        if not items:
            raise InputError(
                "corpus build: no source files found; pass --pop909, --nottingham, --songs-pd or --midi-dir"
            )
        seen: set[str] = set()
        tmp = cache.with_suffix(".tmp")
        with gzip.open(tmp, "wt") as fh:
            for name, thunk in tqdm(items, desc="parse", disable=not progress):
                src = name.split("/")[0]
                try:
                    sheet = thunk()
                except Skip as exc:
                    report["skipped"].setdefault(src, Counter())[str(exc)] += 1
                    continue
                except Exception as exc:  # a malformed file must not stop a corpus build: report it
                    report["skipped"].setdefault(src, Counter())[f"error: {type(exc).__name__}"] += 1
                    continue
                fp = melody_fingerprint(sheet)
                if fp in seen:
                    report["duplicates"] += 1
                    continue
                seen.add(fp)
                d = sheet_to_dict(sheet)
                d["split"] = split_of(name, valid_fraction)
                fh.write(json.dumps(d) + "\n")
        tmp.replace(cache)
        (out / "parse_report.json").write_text(json.dumps(report, indent=1))
    else:
        pr = out / "parse_report.json"
        if pr.exists():
            report = json.loads(pr.read_text())
    sheets = load_sheets(cache)
    arrays: dict[str, list[np.ndarray]] = {"train": [], "valid": []}
    names: dict[str, list[str]] = {"train": [], "valid": []}
    for split, sheet in sheets:
        legato_phrases(sheet.sections)  # caches parsed before it was part of build_sheet
        toks = np.asarray(encode(sheet), dtype=np.int16)
        arrays[split].append(toks)
        names[split].append(sheet.name)
        s = report["sources"].setdefault(
            sheet.source, {"songs": 0, "bars": 0, "notes": 0, "tokens": 0, "train_songs": 0, "valid_songs": 0}
        )
        s["songs"] += 1
        s[f"{split}_songs"] += 1
        s["bars"] += sum(x.bars for x in sheet.sections)
        s["notes"] += sum(len(x.notes) for x in sheet.sections)
        s["tokens"] += len(toks)
        s["notes_with_syllables"] = s.get("notes_with_syllables", 0) + sum(
            t not in (V.SYL_X, V.SYL_M) for x in sheet.meta.get("syl", []) for t in x
        )
    write_tokens(out / "tokens.npz", arrays)
    report["vocab_size"] = V.VOCAB_SIZE
    report["valid_fraction"] = valid_fraction
    report["sections"] = dict(Counter(s.type for _, sh in sheets for s in sh.sections))
    report["keys"] = dict(Counter(f"{note_name(sh.key.tonic)} {sh.key.mode}" for _, sh in sheets))
    (out / "report.json").write_text(json.dumps(report, indent=1, default=dict))
    (out / "split.json").write_text(json.dumps(names, indent=0))
    return report
