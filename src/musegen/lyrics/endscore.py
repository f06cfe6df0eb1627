"""How naturally a line reaches its last word: the end word's log-prob read as plain song text.

A format-3 line is written under a header that names its end word, so the model's own log-prob of that
word is high whatever the line says before it ("I've been on the dance floor for wall"). Read again as
plain lyrics (`HEADER`, the section's lines so far, no line headers), the same model says how likely the
line's last word and its line break are after the words before them: a bent end scores low. On the 240
lines of 20 dev songs this score ranked lines like the base model's end measure in
`benchmarks/lyrics.py` (Spearman 0.79), from the model already loaded.
"""

from __future__ import annotations

import re

import torch

from musegen.lyrics.lean import BranchCache, KVCache

HEADER = "Here are the lyrics of a popular song:\n\n"
OUTSIDE = -20.0  # log-prob of a token outside the scored sub-vocabulary (a very unlikely one)


def printed_line(text: str) -> str:
    """A decoded line as printed: "i" as "I", sentence starts and the first letter capitalised."""
    text = re.sub(r"\bi\b", "I", text.strip())
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]


class EndScorer:
    """End scores of candidate lines after the section's lines so far, read as plain lyrics."""

    def __init__(self, lm) -> None:
        self.lm = lm
        self.newline = lm.tokenizer.encode("\n", add_special_tokens=False)
        self.cache: KVCache | None = None
        self.last: torch.Tensor | None = None  # sub-vocabulary log-probs after the cached lines
        self.pending: list[int] = []  # ids of the accepted lines not yet in `cache` (then `last` is stale)
        self._scored: dict[str, tuple[BranchCache, int, list[int]]] = {}  # printed text → (batch, row, ids)
        self.new_section()

    def new_section(self) -> None:
        """Forget the lines so far: the next line opens a section."""
        ids = self.lm.tokenizer.encode(HEADER, add_special_tokens=False)
        self.cache, last = self.lm.prefill_prompt(ids, len(ids))
        self.last, self.pending, self._scored = last[0], [], {}

    def accept(self, text: str) -> None:
        """`text` is the section's next line: later lines are read after it.

        A line this scorer read keeps the rows it ran then; its line break runs with the next lines.
        """
        got, self._scored = self._scored.get(printed_line(text)), {}
        if got is not None:
            branch, row, ids = got
            self.cache, self.pending = branch.row(row, len(ids) - 1), ids[-1:]
            return
        ids = self.pending + self.lm.tokenizer.encode(printed_line(text) + "\n", add_special_tokens=False)
        self.cache, last = self.lm.prefill(ids, self.cache)
        self.last, self.pending = last[0], []

    def _tail(self, ids: list[int]) -> int:
        """Index of the first token of the last word in a line's `ids` (its line break excluded)."""
        toks = self.lm.tokenizer.convert_ids_to_tokens(ids[:-len(self.newline)])
        return max([i for i, s in enumerate(toks) if s.startswith("\u0120")] or [0])

    @torch.inference_mode()
    def __call__(self, texts: list[str]) -> list[float]:
        """Per line: summed log-prob of its last word's tokens and the line break, given the words before."""
        if not texts:
            return []
        printed = [printed_line(t) for t in texts]
        lines = [self.lm.tokenizer.encode(t, add_special_tokens=False) + self.newline for t in printed]
        seqs = [self.pending + s for s in lines]
        width = max(len(s) for s in seqs)
        pad = self.newline[0]
        batch = torch.tensor([s + [pad] * (width - len(s)) for s in seqs])
        branch = BranchCache(self.cache, len(seqs), width)
        hidden = self.lm.model(batch, branch)
        # token j's log-prob is read after token j - 1 (the line's first token's after the cached lines):
        # only those rows go through the 45k-word output layer
        p = len(self.pending)
        reads = [(b, p + j) for b, s in enumerate(lines) for j in range(self._tail(s), len(s))]
        rows = [(b, j - 1) for b, j in reads if j > 0]
        lp = self.lm.project(hidden[[b for b, _ in rows], [j for _, j in rows]]) if rows else None
        pos = self.lm.sub_pos
        out = [0.0] * len(seqs)
        k = 0
        for b, j in reads:
            tok = seqs[b][j]
            if j == 0:
                v = float(self.last[pos[tok]]) if tok in pos else OUTSIDE
            else:
                v = float(lp[k, pos[tok]]) if tok in pos else OUTSIDE
                k += 1
            out[b] += v
        for b, t in enumerate(printed):
            self._scored[t] = (branch, b, seqs[b])  # as read: "i" or "I" alike
        return out
