"""Which end word the model expects next: the log-prob of the end word a format-3 line header names.

A format-3 line opens with a header, "(8 syllables, ends with WORD)", then the line. The adapter learned
those headers from real stanzas, so its log-prob of WORD after the section's lines so far says how well a
line ending on WORD would continue them. It ranks a line's candidate end words before any of the line
is sampled: of a chorus's rhymes for "old", "gold" and "bold" above "mold"; "dream" above "scheme",
"crossed" above "exhaust". The plan's score of each word (its relevance to the prompt) is added to it,
weighed by `section.PRIOR_WEIGHT`.
"""

from __future__ import annotations

import torch

from musegen.lyrics.endscore import OUTSIDE
from musegen.lyrics.lean import BranchCache, KVCache


def header_opening(lm, syllables: int) -> list[int]:
    """Token ids of a format-3 header up to its end word: "(8 syllables, ends with"."""
    return lm.tokenizer.encode(f"({syllables} syllables, ends with", add_special_tokens=False)


@torch.inference_mode()
def end_word_prior(lm, cache: KVCache, last: torch.Tensor, words: list[str]) -> dict[str, float]:
    """Per word: its summed token log-prob as the end word a header names.

    `cache` holds everything up to and including the header's opening (`header_opening`) and `last` is
    the sub-vocabulary log-probs after it (1, V). A word of one token is read from `last`; longer words
    run their tokens after `cache` together, in one batch.
    """
    pos = lm.sub_pos
    out: dict[str, float] = {}
    multi: list[tuple[str, list[int]]] = []
    for w in words:
        ids = lm.tokenizer.encode(" " + w, add_special_tokens=False)
        out[w] = float(last[0, pos[ids[0]]]) if ids and ids[0] in pos else OUTSIDE
        if len(ids) > 1:
            multi.append((w, ids))
    if multi:
        width = max(len(ids) for _, ids in multi) - 1
        batch = torch.tensor([ids[:-1] + [ids[0]] * (width + 1 - len(ids)) for _, ids in multi])
        hidden = lm.model(batch, BranchCache(cache, len(multi), width))
        rows = [(b, j) for b, (_, ids) in enumerate(multi) for j in range(1, len(ids))]
        lp = lm.project(hidden[[b for b, _ in rows], [j - 1 for _, j in rows]])
        for k, (b, j) in enumerate(rows):
            tok = multi[b][1][j]
            out[multi[b][0]] += float(lp[k, pos[tok]]) if tok in pos else OUTSIDE
    return out
