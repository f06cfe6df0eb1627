import json
import random

import numpy as np
import pretty_midi
import pytest

from musegen.music.tokenizer import encode, grammar_errors
from musegen.training.catalog import read_song_file
from musegen.training.lyric_sheets import load_lyric_sheet
from musegen.training.music_corpus import (
    Skip,
    build_corpus,
    build_sheet,
    detect_chord,
    estimate_key,
    load_sheets,
    split_of,
)


def write_song(path, seed: int, bars: int = 8, key_sig: str | None = "G major") -> None:
    """A lead-sheet-like MIDI file: 'Melody' (quarters/8ths, a rest every 2 bars) + 'Piano' chords."""
    rng = random.Random(seed)
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    beat = 60 / 100
    mel = pretty_midi.Instrument(0, name="Melody")
    pno = pretty_midi.Instrument(0, name="Piano")
    scale = [67, 69, 71, 72, 74, 76, 78, 79]
    prog = [(55, 59, 62), (48, 52, 55), (50, 54, 57), (55, 59, 62)]  # G C D G
    for b in range(bars):
        t0 = b * 4 * beat
        for p in prog[b % 4]:
            pno.notes.append(pretty_midi.Note(70, p, t0, t0 + 4 * beat))
        t = t0
        end = t0 + (3 if b % 2 else 4) * beat  # a rest closes every second bar
        while t < end - 1e-6:
            d = rng.choice([0.5, 1.0]) * beat
            mel.notes.append(pretty_midi.Note(90, rng.choice(scale), t, min(t + d, end)))
            t += d
    pm.instruments += [mel, pno]
    if key_sig:
        pm.key_signature_changes.append(
            pretty_midi.KeySignature(pretty_midi.key_name_to_key_number(key_sig), 0)
        )
    pm.write(str(path))


def tiny_corpus(root):
    """A built corpus of ten `write_song` tunes under `root`/corpus (30 % validation), for training tests."""
    src = root / "midi"
    src.mkdir()
    for i in range(10):
        write_song(src / f"s{i}.mid", 100 + i)
    build_corpus(root / "corpus", user_dirs=[src], valid_fraction=0.3, progress=False)
    return root / "corpus"


def test_user_midi_becomes_a_lead_sheet(tmp_path):
    write_song(tmp_path / "a.mid", 1)
    sheet = read_song_file(tmp_path / "a.mid")
    assert sheet.meter == (4, 4) and round(sheet.tempo) == 100
    assert str(sheet.key) == "G major"
    notes = [n for s in sheet.sections for n in s.notes]
    assert len(notes) > 16
    assert all(sum(s.phrases) == len(s.notes) for s in sheet.sections)
    chords = [c.symbol for s in sheet.sections for c in s.chords]
    assert chords[:4] == ["G", "C", "D", "G"]
    toks = encode(sheet)
    assert grammar_errors(toks)[0] == 0


def test_chord_and_key_detection():
    from collections import Counter

    assert detect_chord(Counter({9: 2, 0: 1, 4: 1}), 9) == (9, "m")
    assert detect_chord(Counter({7: 1, 11: 1, 2: 1, 5: 1}), 7) == (7, "7")
    assert detect_chord(Counter(), None) is None
    c_major = [60, 62, 64, 65, 67, 69, 71, 72, 60, 64, 67]
    assert str(estimate_key(c_major, [1] * len(c_major))) == "C major"


def test_skips_are_reported(tmp_path):
    pm = pretty_midi.PrettyMIDI()
    pm.instruments.append(pretty_midi.Instrument(0, name="Melody"))
    pm.instruments[0].notes.append(pretty_midi.Note(90, 60, 0, 1))
    pm.write(str(tmp_path / "short.mid"))
    with pytest.raises(Skip, match="no melody"):
        read_song_file(tmp_path / "short.mid")


def test_build_corpus_split_dedupe_report(tmp_path):
    src = tmp_path / "midi"
    src.mkdir()
    for i in range(8):
        write_song(src / f"song{i}.mid", i)
    write_song(src / "copy.mid", 0)  # duplicate of song0
    (src / "broken.mid").write_bytes(b"MThd nonsense")
    out = tmp_path / "corpus"
    report = build_corpus(out, user_dirs=[src], valid_fraction=0.3, progress=False)
    assert report["duplicates"] == 1
    assert sum(report["skipped"]["user"].values()) == 1
    assert report["sources"]["user"]["songs"] == 8
    z = np.load(out / "tokens.npz")
    n_train, n_valid = len(z["train_offsets"]) - 1, len(z["valid_offsets"]) - 1
    assert n_train + n_valid == 8
    split = json.loads((out / "split.json").read_text())
    assert not set(split["train"]) & set(split["valid"])  # by song, never by window
    assert all(split_of(n, 0.3) == "valid" for n in split["valid"])
    sheets = load_sheets(out / "sheets.jsonl.gz")
    assert len(sheets) == 8
    # resumable: a second build reuses the parsed cache
    again = build_corpus(out, user_dirs=[src], valid_fraction=0.3, progress=False)
    assert again["sources"] == report["sources"]


def test_musicxml_lead_sheet(tmp_path):
    import music21

    s = music21.stream.Part()
    s.append(music21.meter.TimeSignature("3/4"))
    s.append(music21.key.Key("D"))
    pitches = ["D4", "F#4", "A4", "B4", "A4", "F#4", "G4", "E4", "C#4", "D4", "E4", "F#4"] * 2
    for b in range(8):
        m = music21.stream.Measure(number=b + 1)
        m.insert(0, music21.harmony.ChordSymbol(["D", "G", "A7", "D"][b % 4]))
        for k in range(3):
            m.append(
                music21.note.Note(pitches[(b * 3 + k) % len(pitches)], quarterLength=1.0 if k < 2 else 0.5)
            )
        m.append(music21.note.Rest(quarterLength=0.5))
        s.append(m)
    path = tmp_path / "tune.musicxml"
    s.write("musicxml", fp=str(path))
    sheet = load_lyric_sheet(path)
    assert sheet.meter == (3, 4) and str(sheet.key) == "D major"
    assert sum(len(x.notes) for x in sheet.sections) == 24
    assert [c.symbol for x in sheet.sections for c in x.chords][:4] == ["D", "G", "A7", "D"]
    assert grammar_errors(encode(sheet))[0] == 0


def test_lyric_sheet_labels_ties_and_pickup(tmp_path):
    import music21

    from musegen.music import vocab as V

    p = music21.stream.Part()
    p.append(music21.meter.TimeSignature("4/4"))
    p.append(music21.key.Key("C"))
    m0 = music21.stream.Measure(number=0)  # a one-beat pickup
    m0.append(music21.note.Note("G4", quarterLength=1.0))
    p.append(m0)
    words = [("a", "single"), ("gain", "single"), ("the", "single"), ("win", "begin"), ("dow", "end"),
             ("is", "single")]
    k = 0
    for b in range(6):
        m = music21.stream.Measure(number=b + 1)
        m.insert(0, music21.harmony.ChordSymbol("C"))
        for q in range(4):
            n = music21.note.Note(["C5", "D5", "E5", "F5"][q], quarterLength=1.0)
            if q == 3 and b == 0:
                n.tie = music21.tie.Tie("start")  # tied into the next bar: one sung note
            if q == 0 and b == 1:
                n.pitch = music21.pitch.Pitch("F5")
                n.tie = music21.tie.Tie("stop")
            else:
                t, syl = words[k % len(words)]
                n.addLyric(t)
                n.lyrics[0].syllabic = syl
                k += 1
            m.append(n)
        p.append(m)
    p.measures(0, 0)[0].notes[0].addLyric("oh")
    path = tmp_path / "song.musicxml"
    p.write("musicxml", fp=str(path))
    sheet = load_lyric_sheet(path)
    notes = [n for s in sheet.sections for n in s.notes]
    syl = [t for s in sheet.meta["syl"] for t in s]
    assert len(syl) == len(notes) == 1 + 24 - 1  # the tie joined two notes
    assert notes[1].onset % (480 * 4) == 0  # the pickup does not shift the bar lines
    assert notes[0].duration == 480 and notes[4].duration == 960  # tied F5
    names = [V.TOKENS[t][4:] for t in syl[:8]]
    # oh | a gain the win(tied) | dow is a gain
    assert names == ["SW", "UW", "SW", "UW", "SW", "U", "SW", "UW"]
    toks = encode(sheet)
    assert grammar_errors(toks)[0] == 0 and sum(t in V.SYL for t in toks) == len(notes)


def test_abc_hymn_first_voice_and_verse_one(tmp_path):
    from musegen.music import vocab as V
    from musegen.training.lyric_sheets import abc_melody, abc_slots, abc_words

    assert abc_slots("G | B3/2 =A/ B | c2- c | [CE]2 z") == 6  # tie: one slot; chord: one; rest: none
    assert abc_words("w: 1.~My Fath- er is_ * rich") == [
        ("My", "single"), ("Fath", "begin"), ("er", "end"), ("is", "single"), (None, None), (None, None),
        ("rich", "single")]
    tune = """X: 1
T: Test
M: 4/4
L: 1/4
V: S1V1
V: S2V1
K: C
[V: S1V1] C D E F | G A B c | c B A G | F E D C |
w: 1.~Hap- py is the day when all the peo- ple sing a- loud and clear and
w: 2.~Sec- ond verse is not read here
[V: S2V1] C, C, C, C, | C, C, C, C, |
[V: S1V1] C D E F | G A B c | c B A G | F E D C |
w: 1.~the song they love to hear a- gain and a- gain for ev- er more we sing
[V: S2V1] C, C, C, C, | C, C, C, C, |
"""
    text, words = abc_melody(tune)
    assert "C," not in text and "Sec" not in text
    assert words is not None and words[0] == ("Hap", "begin")
    path = tmp_path / "hymn.abc"
    path.write_text(tune)
    sheet = load_lyric_sheet(path, source="openhymnal")
    syl = [V.TOKENS[t] for s in sheet.meta["syl"] for t in s]
    assert syl[:3] == ["Syl_SW", "Syl_U", "Syl_SW"]  # HAP-py IS
    assert V.style_token(V.SOURCE_STYLE[sheet.source]) == V.style_token("folk")


def test_build_sheet_holds_phrases_legato_unless_asked_for_the_source_note_offs():
    """The corpus trains on legato phrases; the benchmarks' real reference keeps the performed note-offs."""
    from musegen.music import vocab as V
    from musegen.theory import Key

    # a 4/4 bar of quarter-note onsets, each note sounding an eighth (steps of a sixteenth), twice over
    melody = [(4 * i, 2, 60 + i % 5) for i in range(32)]
    grid = {s: (0, "maj") for s in range(0, 128, 16)}
    args = ("user/x", "user", Key(0, "major"), 100.0, (4, 4), melody, grid, 128)
    held = [n.duration for sec in build_sheet(*args).sections for n in sec.notes]
    raw = [n.duration for sec in build_sheet(*args, legato=False).sections for n in sec.notes]
    assert set(raw) == {2 * V.STEP}
    assert held.count(4 * V.STEP) > len(held) // 2  # inside a phrase each note reaches the next onset


def _bench_music():
    """benchmarks/music.py, loaded by path: `music` alone is tests/music in a full run."""
    import importlib.util
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "music.py"
    spec = importlib.util.spec_from_file_location("bench_music", bench)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_refuse_a_sung_corpus_without_syllables(tmp_path):
    """A music corpus built without songs-pd once stood in for the sung one: its measures read NaN."""
    from musegen.errors import InputError

    corpus_sheets = _bench_music().corpus_sheets

    corpus = tiny_corpus(tmp_path)
    assert len(corpus_sheets(corpus)) == 10
    with pytest.raises(InputError, match="no songs-pd lead sheets; rebuild it with"):
        corpus_sheets(corpus, sung=True)


def test_the_benchmarks_refuse_a_default_corpus_that_differs_from_its_manifest(tmp_path):
    """`.devcarry/` corpora are rebuilt per machine; a build with a source or a song missing is refused."""
    import json
    from types import SimpleNamespace

    from musegen.errors import InputError

    bench = _bench_music()
    sheets = [("valid", SimpleNamespace(source="pop909", name=f"pop909/{i:03d}")) for i in range(3)]
    sheets.append(("train", SimpleNamespace(source="nottingham", name="nottingham/a")))
    manifest = tmp_path / "corpora.json"
    entry = {**bench.corpus_profile(sheets), "build": "--pop909 P"}
    manifest.write_text(json.dumps({".devcarry/music": entry}))
    corpus = tmp_path / ".devcarry" / "music"
    bench.check_corpus(corpus, sheets, manifest, root=tmp_path)  # as described: accepted
    with pytest.raises(InputError, match=r"valid/pop909 2 \(expected 3\)\); rebuild it with `musegen corpus "
                                         r"build --out .*music --force --pop909 P`"):
        bench.check_corpus(corpus, sheets[1:], manifest, root=tmp_path)
    renamed = [("valid", SimpleNamespace(source="pop909", name=f"pop909/x{i}")) for i in range(3)]
    renamed += sheets[3:]
    with pytest.raises(InputError, match="other validation songs"):
        bench.check_corpus(corpus, renamed, manifest, root=tmp_path)
    bench.check_corpus(tmp_path / "mine", sheets[1:], manifest, root=tmp_path)  # not a default corpus
