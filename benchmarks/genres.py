"""Genres, instruments and languages (issue 14): does the prompt's genre and band come out of the song?

    .venv/bin/python benchmarks/genres.py                 # plan-level figures for all prompts (~1 min)
    .venv/bin/python benchmarks/genres.py --songs 27 --excerpts /tmp/genres   # + whole songs

Prompts and labels: benchmarks/genre_prompts.json (73 prompts, 2+ per genre, 10 non-English, 5 emoji, and
27 held-out prompts, one per genre, written after the genre phrases were last tuned and scored apart).
Plan level, every prompt: genre right, tempo inside the labelled genre's range, drums and named instruments
in the plan, non-English mood valence right. Baselines from the same run: the genre by the nearest genre
*name* alone (no describing phrases), and valence read from the raw non-English text (no glossary).
Song level (--songs N: one prompt per genre, then the prompts that name instruments or drums), a short song
each (intro, verse, chorus, outro; the real music model; the words are WORDS unless --lyrics-lm): named
instruments' GM programs and the drum channel in song.mid, verse vs chorus accompaniment (pattern differs,
chorus denser), vocal over band in dB(A) while the voice sings (sung stems of `mix_song`, and the GM vocal
line rendered alone vs the band), seconds per song, and a 30 s excerpt per genre written to --excerpts.
Prints JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from musegen.evaluation.arrangement import bar_patterns
from musegen.render.loudness import vocal_over_band_dba

HERE = Path(__file__).resolve().parent
SHORT = {"form": "intro,verse,chorus,outro", "bars": 8}
# Song-level runs sing these words unless --lyrics-lm: the arrangement, instruments and levels do not depend
# on the words, and skipping the language model makes 40 songs affordable on a shared 2-core CPU.
WORDS = """[Verse]
I walked along the river road
the morning light was falling slow
I heard a song I used to know
and followed where the water flowed

[Chorus]
sing it loud and sing it true
every road leads back to you
sing it loud the whole night through
every road leads back to you
"""
EXCERPT_SECONDS = 30.0


def plan_level(prompts: list[dict]) -> dict:
    """Genre, tempo, drums, instruments and valence from the plan alone, with the same-run baselines."""
    from musegen.plan import make_plan
    from musegen.plan.embed import embed
    from musegen.plan.instruments import lexicon
    from musegen.plan.language import read_prompt
    from musegen.plan.mood import _anchor_embeddings, load_table

    table = load_table()
    names = list(table.styles)
    name_vecs = embed(names)
    anchors, _ = _anchor_embeddings()
    rows = []
    for i, p in enumerate(prompts):
        plan = make_plan(p["prompt"], seed=i)
        lo, hi = table.styles[p["genre"]]["tempo"]
        q = embed([read_prompt(p["prompt"]).text])[0]
        raw = embed([p["prompt"]])[0]
        w = np.exp(((anchors @ raw) - (anchors @ raw).max()) / table.temperature)
        raw_valence = float((w / w.sum()) @ table.values[:, table.attribute_names.index("valence")])
        progs = set(plan.instruments.values())
        row = {"prompt": p["prompt"], "genre": p["genre"], "chose": plan.style, "tempo": plan.tempo,
               "tempo_ok": lo <= plan.tempo <= hi, "baseline_genre": names[int(np.argmax(name_vecs @ q))],
               "valence": plan.attributes["valence"], "raw_valence": round(raw_valence, 3),
               "drums": plan.drums, "warnings": plan.warnings, "title": plan.title}
        if "instruments" in p:
            want = [lexicon()["instruments"][w]["program"] for w in p["instruments"]]
            row["instruments_ok"] = all(w in progs for w in want)
        rows.append(row)
    def share(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 3) if xs else float("nan")
    foreign = [(r, p) for r, p in zip(rows, prompts, strict=True)
               if p.get("language") not in (None, "emoji") and "valence" in p]
    emoji = [(r, p) for r, p in zip(rows, prompts, strict=True)
             if p.get("language") == "emoji" and "valence" in p]
    def val_ok(r: dict, p: dict, key: str) -> bool:
        return (r[key] > 0) == (p["valence"] == "happy")
    return {
        "prompts": len(rows),
        "genre_accuracy": share([r["chose"] == r["genre"] for r, p in zip(rows, prompts, strict=True)
                                 if not p.get("heldout")]),
        "genre_accuracy_heldout": share([r["chose"] == r["genre"] for r, p in zip(rows, prompts, strict=True)
                                         if p.get("heldout")]),
        "genre_accuracy_baseline_names_only": share([r["baseline_genre"] == r["genre"] for r in rows]),
        "tempo_in_range": share([r["tempo_ok"] for r in rows]),
        "drums_as_asked_plan": share([r["drums"] == p["drums"] for r, p in zip(rows, prompts, strict=True)
                                      if "drums" in p]),
        "instruments_in_plan": share([r["instruments_ok"] for r in rows if "instruments_ok" in r]),
        "non_english_valence": share([val_ok(r, p, "valence") for r, p in foreign]),
        "non_english_valence_baseline_raw_text": share([val_ok(r, p, "raw_valence") for r, p in foreign]),
        "emoji_valence": share([val_ok(r, p, "valence") for r, p in emoji]),
        "emoji_valence_baseline_raw_text": share([val_ok(r, p, "raw_valence") for r, p in emoji]),
        "wrong_genre": [(r["prompt"], r["genre"], r["chose"]) for r in rows if r["chose"] != r["genre"]],
        "rows": rows,
    }


def lm_translation(prompts: list[dict]) -> dict:
    """The other route the issue names: translate non-English prompts with the lyrics LM.

    SmolLM2-135M-Instruct without the adapter, greedy; the mood is then read from the English translation.
    """
    import torch

    from musegen.lyrics.base import load_base
    from musegen.plan import make_plan

    model, tok = load_base()
    rows = []
    t = time.perf_counter()
    for i, p in enumerate(x for x in prompts if x.get("language") not in (None, "emoji")):
        # SmolLM2's ChatML turn format (the shipped tokenizer carries no chat template)
        text = f"<|im_start|>user\nTranslate to English: {p['prompt']}<|im_end|>\n<|im_start|>assistant\n"
        ids = tok(text, return_tensors="pt")["input_ids"]
        with torch.inference_mode():
            out = model.generate(ids, max_new_tokens=24, do_sample=False)
        text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip().split("\n")[0]
        plan = make_plan(text or p["prompt"], seed=i)
        rows.append({"prompt": p["prompt"], "translation": text, "valence": plan.attributes["valence"],
                     "valence_ok": (plan.attributes["valence"] > 0) == (p["valence"] == "happy"),
                     "genre_ok": plan.style == p["genre"]})
    return {"non_english_valence": round(sum(r["valence_ok"] for r in rows) / len(rows), 3),
            "non_english_genre": round(sum(r["genre_ok"] for r in rows) / len(rows), 3),
            "seconds_per_prompt": round((time.perf_counter() - t) / len(rows), 1), "rows": rows}


def song_level(prompts: list[dict], n: int, excerpts: Path | None, lyrics_lm: bool = False,
               named_only: bool = False) -> dict:
    """Whole short songs: instruments and drums in song.mid, verse vs chorus, vocal over band, excerpts."""
    import mido

    from musegen.lyrics import load_lyrics_model
    from musegen.music import load_music_model
    from musegen.pipeline import compose
    from musegen.plan.instruments import lexicon
    from musegen.render.audio import mix_song, synthesize, write_audio
    from musegen.render.midi import song_to_midi_bytes

    lyrics_model, music_model = (load_lyrics_model() if lyrics_lm else None), load_music_model()
    seen, chosen = set(), []
    for p in prompts:  # one per genre first (English), then the ones that ask for instruments or drums
        if p["genre"] not in seen and p.get("language") is None:
            seen.add(p["genre"])
            chosen.append(p)
    named = [p for p in prompts if "instruments" in p or "drums" in p]
    chosen = named if named_only else chosen + [p for p in named if p not in chosen]
    chosen = chosen[:n]
    rows = []
    excerpted: set[str] = set()  # one excerpt per genre
    for i, p in enumerate(chosen):
        t = time.perf_counter()
        if lyrics_lm:
            song = compose(p["prompt"], seed=i, lyrics_model=lyrics_model, music_model=music_model, **SHORT)
        else:
            song = compose(p["prompt"], seed=i, lyrics_text=WORDS, music_model=music_model)
        seconds = time.perf_counter() - t
        mid = mido.MidiFile(file=io.BytesIO(song_to_midi_bytes(song)))
        programs = {m.program for tr in mid.tracks for m in tr
                    if m.type == "program_change" and m.channel != 9}
        drum_notes = sum(1 for tr in mid.tracks for m in tr if m.type == "note_on" and m.channel == 9)
        row = {"prompt": p["prompt"], "genre": song.plan.style, "seconds": round(seconds, 1),
               "drums_in_midi": drum_notes > 0, **_verse_chorus(song)}
        if "instruments" in p:
            want = [lexicon()["instruments"][w]["program"] for w in p["instruments"]]
            row["instruments_in_midi"] = all(w in programs for w in want)
        if "drums" in p:
            row["drums_ok"] = (drum_notes > 0) == p["drums"]
        band = synthesize(song, band_only=True, normalise=False)
        voice_gm = synthesize(_vocal_only(song), normalise=False)
        row["gm_vocal_over_band_dba"] = round(vocal_over_band_dba(voice_gm, band), 1)
        try:
            mix = mix_song(song, seed=i)
            row["sung_vocal_over_band_dba"] = round(vocal_over_band_dba(mix.vocals, mix.band), 1)
            audio = mix.song
        except Exception as exc:  # the singing voice is optional here; say why it is missing
            row["sung_vocal_error"] = f"{type(exc).__name__}: {exc}"
            audio = synthesize(song)
        if excerpts is not None and p.get("language") is None and song.plan.style not in excerpted:
            excerpted.add(song.plan.style)
            excerpts.mkdir(parents=True, exist_ok=True)
            start = int(song.sections[1].start / song.ppq * 60 / song.plan.tempo * 44100)
            path = excerpts / f"{song.plan.style}.wav"
            write_audio(path, audio[start:start + int(EXCERPT_SECONDS * 44100)])
            row["excerpt"] = str(path)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "prompt"}), file=sys.stderr)
    def share(key: str) -> float:
        vals = [r[key] for r in rows if key in r]
        return round(sum(vals) / len(vals), 3) if vals else float("nan")
    sung = [r["sung_vocal_over_band_dba"] for r in rows if "sung_vocal_over_band_dba" in r]
    gm = [r["gm_vocal_over_band_dba"] for r in rows]
    return {
        "songs": len(rows),
        "instruments_in_midi": share("instruments_in_midi"),
        "drums_as_asked_midi": share("drums_ok"),
        "verse_chorus_pattern_differs": share("pattern_differs"),
        "chorus_denser": share("chorus_denser"),
        "sung_vocal_over_band_dba_min": min(sung) if sung else None,
        "gm_vocal_over_band_dba_min": min(gm) if gm else None,
        "seconds_per_short_song_median": round(statistics.median(r["seconds"] for r in rows), 1),
        "rows": rows,
    }


def _vocal_only(song):
    from dataclasses import replace

    return replace(song, tracks=[])


def _verse_chorus(song) -> dict:
    """Accompaniment onsets per bar in the first verse and the first chorus (all band tracks)."""
    verse, chorus = bar_patterns(song, "verse"), bar_patterns(song, "chorus")
    dv = statistics.mean(len(x) for x in verse)
    dc = statistics.mean(len(x) for x in chorus)
    return {"verse_notes_per_bar": round(dv, 1), "chorus_notes_per_bar": round(dc, 1),
            "pattern_differs": not set(verse) & set(chorus), "chorus_denser": dc > dv}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--songs", type=int, default=0, help="whole songs to make (0: plan level only)")
    ap.add_argument("--excerpts", type=Path, default=None, help="folder for the 30 s excerpts per genre")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--translate-lm", action="store_true",
                    help="also measure translating non-English prompts with the lyrics LM")
    ap.add_argument("--no-plan", action="store_true", help="skip the plan-level figures")
    ap.add_argument("--named-only", action="store_true",
                    help="song level: only the prompts that name instruments or ask for drums")
    ap.add_argument("--lyrics-lm", action="store_true",
                    help="song level: write the words with the lyrics model (default: sing WORDS)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    prompts = json.loads((HERE / "genre_prompts.json").read_text("utf-8"))["prompts"]
    t = time.perf_counter()
    result = {}
    if not args.no_plan:
        result = {"plan": plan_level(prompts), "plan_seconds": round(time.perf_counter() - t, 1)}
    non_english = [p for p in prompts if p.get("language") not in (None, "emoji")]
    result["non_english_languages"] = sorted({p["language"] for p in non_english})
    if args.translate_lm:
        result["lm_translation"] = lm_translation(prompts)
    if args.songs:
        result["songs"] = song_level(prompts, args.songs, args.excerpts, args.lyrics_lm, args.named_only)
    result["load_average"] = os.getloadavg()
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
