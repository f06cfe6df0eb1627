"""Lyrics benchmark (EVALUATION.md measures), printed as JSON.

    .venv/bin/python benchmarks/lyrics.py                # 50 prompts × forms (slow: ~15 s a song)
    .venv/bin/python benchmarks/lyrics.py --prompts 10   # a quick run

Measures on songs written by `write_lyrics` with the shipped adapter: syllable-exact line rate (our count
and EVALUATION.md's plain CMU count), rhyme accuracy over required pairs, false-rhyme rate over pairs that
must not rhyme, distinct-1/2, prompt theme words used, the longest word n-gram copied from the training
corpus, validation perplexity base vs fine-tuned, seconds per song against a plain greedy run of the same
model in the same process (HF `generate`, no constraints), and peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

from musegen.evaluation.lyrics import NgramIndex, distinct_n, parse_plain, score_stanza
from musegen.lyrics.base import cache_dir
from musegen.lyrics.generate import plan_for_lyrics, write_lyrics
from musegen.lyrics.model import load_lyrics_model
from musegen.lyrics.parse import lyrics_to_text
from musegen.lyrics.prompt import format_prompt, theme_words
from musegen.lyrics.rhyme import parse_scheme
from musegen.lyrics.syllables import count_line

PROMPTS = [
    "rainy night in the city, missing you", "summer road trip with friends", "heartbreak by the ocean",
    "hopeful morning after a long winter", "dancing under neon lights", "a soldier coming home",
    "lonely lighthouse keeper", "first love in a small town", "autumn leaves and old letters",
    "rebellion against the cold machine", "lullaby for a sleeping child", "desert highway at midnight",
    "the mountain calls me home", "broken promises and empty rooms", "fireflies in the garden",
    "sailing away from the harbor", "a prayer for the weary", "city lights and restless dreams",
    "snow falling on the quiet village", "the last dance at the wedding", "stormy sea and a brave heart",
    "memories of my grandmother's kitchen", "running from the past", "golden fields of wheat at sunset",
    "a letter never sent", "moonlight over the river", "waiting for the train in the rain",
    "joy of spring flowers", "the wanderer's lonely song", "fire and ice between us",
    "a lost friend across the sea", "stars above the silent hills", "the king who lost his crown",
    "wild horses running free", "a candle in the window", "the long road to freedom",
    "dreams of flying over the clouds", "a garden after the storm", "echoes in an empty church",
    "whiskey, smoke and a sad guitar", "the baker's early morning", "children playing by the stream",
    "winter heart slowly thawing", "the ghost in the old house", "sunrise over the battlefield",
    "love song for the open sky", "a sailor's farewell", "the clock that never stops",
    "birds returning in the spring", "a quiet evening by the fire",
]
FORMS = [
    ("verse,chorus,verse,chorus,bridge,chorus", [8, 8, 8, 8], "ABAB"),
    ("verse,chorus,verse,chorus", [7, 7, 7, 7], "AABB"),
    ("intro,verse,pre-chorus,chorus,verse,chorus,outro", [6, 6, 6, 6], "XAXA"),
]


def evaluate(songs: list[tuple[str, list[int], str, str]], index: NgramIndex | None) -> dict:
    """Aggregate EVALUATION.md measures over (text, syllables, scheme, prompt) songs."""
    tot = {"lines": 0, "exact": 0, "exact_ours": 0, "required": 0, "required_rhymed": 0, "forbidden": 0,
           "forbidden_rhymed": 0}
    texts, copies, themes = [], [], []
    for text, syl, scheme, prompt in songs:
        stanzas = parse_plain(text)
        seen: set[tuple[str, ...]] = set()
        for _, lines in stanzas:
            if tuple(lines) in seen:  # a repeated chorus counts once
                continue
            seen.add(tuple(lines))
            sc = score_stanza(lines, syl, parse_scheme(scheme, len(lines)))
            for k in ("lines", "exact", "required", "required_rhymed", "forbidden", "forbidden_rhymed"):
                tot[k] += sc[k]
            tot["exact_ours"] += sum(count_line(x) == n for x, n in zip(lines, syl, strict=False))
            texts.append("\n".join(lines))
        if index is not None:
            copies.append(index.longest_copy(text)[0])
        words = set(text.lower().replace(",", " ").split())
        themes.append(any(w in words for w in theme_words(prompt)))
    return {
        "songs": len(songs), "unique_lines": tot["lines"],
        "syllable_exact_rate_plain_cmu": tot["exact"] / max(1, tot["lines"]),
        "syllable_exact_rate_ours": tot["exact_ours"] / max(1, tot["lines"]),
        "rhyme_accuracy": tot["required_rhymed"] / max(1, tot["required"]),
        "required_pairs": tot["required"],
        "false_rhyme_rate": tot["forbidden_rhymed"] / max(1, tot["forbidden"]),
        "forbidden_pairs": tot["forbidden"],
        "distinct_1": distinct_n(texts, 1), "distinct_2": distinct_n(texts, 2),
        "theme_word_used_rate": sum(themes) / max(1, len(themes)),
        "longest_copied_ngram_max": max(copies) if copies else None,
        "longest_copied_ngram_median": statistics.median(copies) if copies else None,
    }


@torch.inference_mode()
def greedy_song(lm, plan) -> str:
    """Plain greedy baseline: the same model and prompts, HF generate, no constraints."""
    tok = lm.tokenizer
    blocks = []
    for sec in plan.sections:
        if not sec.syllables or sec.repeat_of is not None:
            continue
        prompt = format_prompt(sec.type, sec.syllables, parse_scheme(sec.rhyme, len(sec.syllables)),
                               theme_words(plan.mood))
        ids = torch.tensor([tok.encode(prompt, add_special_tokens=False)])
        out = lm.model.generate(ids, max_new_tokens=12 * len(sec.syllables), do_sample=False,
                                eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"), pad_token_id=0)
        lines = [x.strip() for x in tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).split("\n")]
        blocks.append("\n".join([f"[{sec.type.title()}]", *[x for x in lines if x][: len(sec.syllables)]]))
    return "\n\n".join(blocks) + "\n"


def valid_ppl(corpus: Path, n: int) -> dict:
    """Validation perplexity (stanza tokens) of the base model and of base + shipped adapter."""
    from musegen.lyrics.base import load_base
    from musegen.lyrics.model import default_adapter_dir
    from musegen.training.lyrics_train import encode, load_split, perplexity

    rows = load_split(corpus, "valid")[:n]
    out = {}
    for name, adapter in (("base", None), ("fine_tuned", default_adapter_dir())):
        model, tok = load_base()
        if adapter is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        data = [encode(r, tok, 160) for r in rows]
        out[name] = perplexity(model, data, tok.pad_token_id or 0, batch_size=16)
    return {"valid_ppl_base": out["base"], "valid_ppl_fine_tuned": out["fine_tuned"],
            "valid_examples": len(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=cache_dir() / "corpora" / "lyrics")
    ap.add_argument("--ppl-examples", type=int, default=200)
    ap.add_argument("--baseline-songs", type=int, default=3, help="songs for the greedy and fp32 timings")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    res: dict = {"threads": args.threads, "torch": torch.__version__}

    t = time.perf_counter()
    lm = load_lyrics_model(quantize=True)
    res["load_seconds_int8"] = time.perf_counter() - t

    songs, secs, cpu, relaxed = [], [], [], 0
    for i in range(args.prompts):
        prompt = PROMPTS[i % len(PROMPTS)]
        form, syl, rhyme = FORMS[i % len(FORMS)]
        plan = plan_for_lyrics(prompt, form.split(","), syl, rhyme)
        stats: dict = {}
        t, c = time.perf_counter(), time.process_time()
        text = lyrics_to_text(write_lyrics(plan, seed=args.seed + i, model=lm, stats=stats))
        secs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        relaxed += stats["relaxed_rhymes"]
        songs.append((text, syl, rhyme, prompt))
        print(f"[{i + 1}/{args.prompts}] {secs[-1]:.1f} s  {prompt}", file=sys.stderr)
    index = None
    if (args.corpus / "train.jsonl").is_file():
        rows = (json.loads(x) for x in (args.corpus / "train.jsonl").open())
        index = NgramIndex(line for r in rows for line in r["lines"])
    res["constrained_int8"] = evaluate(songs, index)
    res["constrained_int8"]["seconds_per_song_median"] = statistics.median(secs)
    res["constrained_int8"]["seconds_per_song_mean"] = statistics.mean(secs)
    res["constrained_int8"]["cpu_seconds_per_song_median"] = statistics.median(cpu)
    res["load_avg_1min_at_end"] = __import__("os").getloadavg()[0]
    res["constrained_int8"]["relaxed_rhymes"] = relaxed
    res["examples"] = [s[0] for s in songs[:2]]
    res["peak_rss_mb_after_constrained_int8"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # same-run baselines on the first few prompts: plain greedy (fp32, HF generate) and constrained fp32
    nb = min(args.baseline_songs, args.prompts)
    fp32 = load_lyrics_model(quantize=False)
    g_songs, g_secs, f_secs, q_secs = [], [], [], []
    for i in range(nb):
        prompt = PROMPTS[i % len(PROMPTS)]
        form, syl, rhyme = FORMS[i % len(FORMS)]
        plan = plan_for_lyrics(prompt, form.split(","), syl, rhyme)
        t = time.perf_counter()
        g_songs.append((greedy_song(fp32, plan), syl, rhyme, prompt))
        g_secs.append(time.perf_counter() - t)
        t = time.perf_counter()
        write_lyrics(plan, seed=args.seed + i, model=fp32)
        f_secs.append(time.perf_counter() - t)
        t = time.perf_counter()  # int8 again, interleaved, so load changes hit all three alike
        write_lyrics(plan, seed=args.seed + i, model=lm)
        q_secs.append(time.perf_counter() - t)
    res["greedy_fp32_baseline"] = evaluate(g_songs, None)
    res["greedy_fp32_baseline"]["seconds_per_song_median"] = statistics.median(g_secs)
    res["constrained_fp32_seconds_per_song_median"] = statistics.median(f_secs)
    res["constrained_int8_seconds_same_songs_median"] = statistics.median(q_secs)
    res["speed_ratio_constrained_int8_vs_greedy"] = statistics.median(q_secs) / statistics.median(g_secs)
    res["speed_ratio_constrained_int8_vs_fp32"] = statistics.median(q_secs) / statistics.median(f_secs)
    del fp32
    if args.ppl_examples and (args.corpus / "valid.jsonl").is_file():
        res.update(valid_ppl(args.corpus, args.ppl_examples))
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
