"""Does the lyrics model write toward its planned end words on its own? Free decoding, no constraints.

For each prompt the planner picks every line's end word (`lyrics.wordplan`); the model then writes the
section with no syllable or rhyme mask: a format-2 adapter reads the end words in its prompt, a format-3 one
in the header before each line (forced, as the decoder does). Reported per adapter, in the same run: the
share of lines that end on their planned word and the share with the asked syllables. The constrained
decoder enforces both anyway; this measures how much it has to force.

    .venv/bin/python benchmarks/lyrics_endword.py --baseline-src OLD_CHECKOUT   # shipped vs an older adapter
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

# prompts of our own (not benchmarks/lyrics.py's held-out ones)
PROMPTS = ["falling in love on a summer road trip", "melancholic rainy night", "my dog is my best friend",
           "angry about the government lies", "dancing in the kitchen at midnight", "a soldier coming home",
           "first day at a new school", "old friends at a high school reunion"]
SYLLABLES = 8
TEMPERATURE, TOP_P, MAX_TOKENS = 0.7, 0.9, 24


def measure(adapter: str | None, samples: int = 4) -> dict:
    """End-word hit and syllable-exact shares of freely decoded lines (this checkout's model code)."""
    from musegen.lyrics.model import load_lyrics_model
    from musegen.lyrics.rhyme import last_word
    from musegen.lyrics.section import section_prompt
    from musegen.lyrics.sections import plan_for_lyrics
    from musegen.lyrics.syllables import count_line
    from musegen.lyrics.vocab import KIND_NEWLINE
    from musegen.lyrics.wordplan import plan_words

    lm = load_lyrics_model(adapter=adapter)
    fmt = getattr(lm, "prompt_format", 1)
    hit = syl = total = 0
    shown = []
    for k, p in enumerate(PROMPTS):
        plan = plan_for_lyrics(p, ["verse", "chorus"], [SYLLABLES] * 4, "ABAB")
        wp = plan_words(plan, seed=k)
        for si, sec in enumerate(plan.sections):
            sw = wp.sections[si]
            if sw is None:
                continue
            gen = torch.Generator().manual_seed(k)
            prompt = section_prompt(lm, sec.type, sec.syllables, sec.rhyme, sw.keywords, sw.ends)
            for _ in range(samples):
                cache, logp = lm.prefill(lm.tokenizer.encode(prompt, add_special_tokens=False))
                lines = []
                for end in sw.ends:
                    if fmt == 3:
                        from musegen.lyrics.prompt import line_head  # format 3 only (older code lacks it)

                        cache, logp = lm.prefill(lm.tokenizer.encode(line_head(SYLLABLES, end),
                                                                     add_special_tokens=False), cache)
                    row: list[int] = []
                    for _ in range(MAX_TOKENS):
                        z = logp[0].clone()
                        if not row:
                            z[lm.sub_kinds == KIND_NEWLINE] = -1e9  # a line does not start empty
                        probs, idx = torch.softmax(z / TEMPERATURE, -1).sort(descending=True)
                        probs[probs.cumsum(-1) - probs > TOP_P] = 0
                        tok = int(lm.sub_ids[idx[torch.multinomial(probs / probs.sum(), 1, generator=gen)]])
                        row.append(tok)
                        logp = lm.step(torch.tensor([[tok]]), cache)
                        if tok == lm.tokens.newline_id:
                            break
                    text = lm.tokenizer.decode(row).strip()
                    lines.append(text)
                    total += 1
                    hit += last_word(text) == end
                    syl += count_line(text) == SYLLABLES
                if len(shown) < 4:
                    shown.append({"ends": sw.ends, "lines": lines})
    return {"model": lm.name, "prompt_format": fmt, "lines": total, "end_word_hit": round(hit / total, 3),
            "syllables_exact": round(syl / total, 3), "examples": shown}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", default=None, help="adapter folder (default: the shipped one)")
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="an older checkout (`git archive 91d7d7d src | tar -x -C DIR`): its shipped adapter "
                         "and code as the baseline, run in a subprocess")
    ap.add_argument("--samples", type=int, default=4, help="sections sampled per planned section")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    res = {"prompts": len(PROMPTS), "syllables": SYLLABLES, "temperature": TEMPERATURE,
           "model": measure(args.adapter, args.samples)}
    if args.baseline_src is not None:
        env = {**os.environ, "PYTHONPATH": f"{args.baseline_src / 'src'}{os.pathsep}{Path(__file__).parent}"}
        code = f"import json, lyrics_endword as b; print(json.dumps(b.measure(None, {args.samples})))"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True)
        res["baseline"] = json.loads(out.stdout.strip().splitlines()[-1])
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
