"""Which end word the model itself would name for the next line, among those the rhyme allows.

A format-3 line opens with a header naming its end word, `(8 syllables, ends with rain)`, written before
the line. Read after the song so far and `(8 syllables, ends with`, the model's probability of each
allowed word is its own estimate of how naturally the next line can end there: the words of the training
headers were the real ends of the lines that followed them. Ranking a line's allowed end words by it
(instead of by relevance to the prompt alone) lets the line be written toward a word its context leads to.
"""

from __future__ import annotations

import torch

from musegen.lyrics.prompt import line_head

SHORTLIST = 12  # words scored in full (every token), best first tokens first


def header_prefix(lm, syllables: int) -> list[int]:
    """Token ids of a line header up to (not including) its end word."""
    head = line_head(syllables, "x")
    return lm.tokenizer.encode(head[: head.rindex(" x)")], add_special_tokens=False)


@torch.inference_mode()
def end_word_logp(lm, cache, syllables: int, words: list[str],
                  shortlist: int = SHORTLIST) -> dict[str, float]:
    """Log P(the header names w | the song so far) for the best `shortlist` of `words` by first token.

    `cache` is the KV cache of everything before the next line's header. Words whose tokens the model
    cannot score (outside its sub-vocabulary) are left out; so are all but the shortlist.
    """
    pos = lm.sub_pos
    toks = {}
    for w in words:
        ids = lm.tokenizer.encode(" " + w, add_special_tokens=False)
        if ids and all(i in pos for i in ids):
            toks[w] = ids
    if not toks:
        return {}
    pcache, logp = lm.prefill(header_prefix(lm, syllables), cache)
    first = {w: float(logp[0, pos[t[0]]]) for w, t in toks.items()}
    short = sorted(first, key=lambda w: (-first[w], w))[:shortlist]
    score = {w: first[w] for w in short}
    multi = [w for w in short if len(toks[w]) > 1]
    if multi:
        c = pcache.expanded(len(multi))
        for j in range(max(len(toks[w]) for w in multi) - 1):
            ids = torch.tensor([[toks[w][min(j, len(toks[w]) - 1)]] for w in multi])
            lp = lm.step(ids, c)
            for b, w in enumerate(multi):
                if j + 1 < len(toks[w]):
                    score[w] += float(lp[b, pos[toks[w][j + 1]]])
    return score
