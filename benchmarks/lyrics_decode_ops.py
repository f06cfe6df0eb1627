"""Where the lyrics decoder's time goes: model calls, rows per step and seconds, over generate's prompts.

Writes the lyrics of the first N `generate_time.py` prompts in one process (the plans and seeds
`musegen generate` uses) and counts every prefill, decoding step and end-score call with its time. Run it
once per tree on the same machine to compare two versions; the counts, unlike wall time, do not depend on
the machine's load. Example, against an older commit:

    git archive OLD src | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old/src python benchmarks/lyrics_decode_ops.py --prompts 5 --label old
    python benchmarks/lyrics_decode_ops.py --prompts 5 --label new
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prompts", type=int, default=5)
    ap.add_argument("--label", default="")
    ap.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    a = ap.parse_args()

    import musegen
    from musegen.lyrics.endscore import EndScorer
    from musegen.lyrics.generate import write_lyrics
    from musegen.lyrics.model import LyricsModel, load_lyrics_model
    from musegen.plan import make_plan

    spec = importlib.util.spec_from_file_location("gt", Path(__file__).with_name("generate_time.py"))
    gt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gt)
    secs: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()
    rows: collections.Counter = collections.Counter()

    def count(cls, name: str, key: str, size) -> None:
        f = getattr(cls, name)

        def wrapped(*args, **kw):
            t = time.perf_counter()
            out = f(*args, **kw)
            secs[key] += time.perf_counter() - t
            calls[key] += 1
            rows[key] += size(*args, **kw)
            return out

        setattr(cls, name, wrapped)

    count(LyricsModel, "prefill", "prefill", lambda self, ids, cache=None: len(ids))
    count(LyricsModel, "step", "step", lambda self, ids, cache: ids.shape[0])
    count(EndScorer, "__call__", "end_score", lambda self, texts: len(texts))
    lm = load_lyrics_model()
    per_song = []
    for i, prompt in enumerate(gt.PROMPTS[:a.prompts]):
        plan = make_plan(prompt, seed=i)
        t = time.perf_counter()
        write_lyrics(plan, seed=i, model=lm)
        per_song.append(round(time.perf_counter() - t, 2))
    out = {"label": a.label, "musegen": str(Path(musegen.__file__).parent), "songs": a.prompts,
           "lyrics_seconds": round(sum(per_song), 1), "per_song": per_song,
           "calls": {k: {"n": calls[k], "seconds": round(secs[k], 1),
                         "ms_each": round(secs[k] / calls[k] * 1e3, 1),
                         "rows_or_tokens_each": round(rows[k] / calls[k], 1)} for k in calls}}
    text = json.dumps(out, indent=1)
    print(text)
    if a.out is not None:
        a.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
