"""Candidate reranking: fluency (SLOR), relevance (MiniLM) and the hard rejections of EVALUATION.md.

Mean log-probability rewards bland function-word chains (LYRICS.md: perplexity rates word salad as more
fluent than real lyrics), so the constrained sampler's finished candidates are ranked instead by
- SLOR (Kann et al. 2018): the line's log-prob under the LM minus its unigram log-prob (wordfreq), per word;
- all-MiniLM-L6-v2 cosine of the line to the section's plan (prompt + keywords) and to the previous line;
- the register: its cosine to a prototype of song lines minus that to a prototype of assistant talk;
- the end (`endscore`): how likely its last word is after the words before it, read as plain lyrics,
  where that falls under `END_OK`;
and any candidate with a dangling end, an orphan sentence break, an archaic or a task word, or an end word
that echoes another form of an earlier word ("praying prayer") loses to every clean one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from musegen.lyrics.decode import Candidate
from musegen.lyrics.register import echo_end, line_problems

SLOR_WEIGHT = 1.0
PLAN_WEIGHT = 4.0
PREV_WEIGHT = 2.0
PROBLEM_COST = 100.0
END_OK = -12.0  # an end log-prob (nats, `endscore`) above this costs nothing: about the median line's
END_WEIGHT = 0.5  # score lost per nat under END_OK
MIN_FREQ = 1e-8  # unigram probability of a word wordfreq does not know
# the base model's assistant register leaking into a line ("How to create a sweet summer", "The following
# is a play's love", "The first question is about quit", "The user provided their love"): costs like a hard
# rejection
ASSISTANT_TALK = re.compile(
    r"^(how to|here is|here's (a|an|the)|the following|in this (song|poem|text|story|article)|"
    r"this is an? (song|poem|story|play|sentence|example|list)|what is the (origin|meaning|difference)|"
    r"the (first|second|third|last|next) (question|answer|step|sentence|one is)|an? (great|good) example|"
    r"for example|provide (a|an|the|me|us)|can you (provide|give|list|name|write|explain)|"
    r"what (is|are|was) (an?|the) (example|list|"
    r"name|word|answer|question|meaning|definition)|what would (be )?the|the answer to|"
    r"the (full )?name of|(the|a|an|our) users?|how (would|do|can) you (suggest|recommend)|"
    r"if you (want|need|wish) to (create|write|build|use)|i hope (this|that) (helps|answers)|"
    r"(your (current |next |full |first )?(answer|response|request|reply)s?|the (response|request)s?) "
    r"(is|was|will|should|must|can|has|to|in|of)|please (use|write|provide|note|make|add|choose)|"
    r"you are asked|add to your|click (here|on|the))\b",
    re.IGNORECASE)
REGISTER_WEIGHT = 8.0  # × (cosine to song lines − cosine to assistant talk), both MiniLM prototypes below
# prototypes of the two registers (written for this purpose; the mean embedding of each set is used)
ASSISTANT_LINES = (
    "Your answer must contain the word place.", "Please use these words in your response.",
    "Here is a short poem about the summer.", "The response should be short and clear.",
    "Let me know if you need anything else.", "You are asked to choose the best option.",
    "This post explains how to apply.", "The answer to the question is below.",
    "Write a sentence using the given word.", "The following text describes the topic.",
    "Your request has been submitted.", "Add more details to your answer.",
    "The user wants a list of examples.", "In this article we discuss the results.",
    "Provide a brief summary of the passage.", "The correct answer is the second one.")
SONG_LINES = (
    "I still hear your voice when the night comes down", "Hold me close and don't let go",
    "We were dancing in the kitchen light", "Tell me why you had to leave",
    "The rain keeps falling on my window pane", "I count the hours till you come home",
    "Your love is all I need tonight", "We drove all night to see the sea",
    "My heart is broken, but I'm still here", "Under the stars we made a vow",
    "Take my hand and run with me", "I miss the way you used to smile",
    "The morning sun is on my face", "Nobody knows the road I've walked",
    "Oh stay with me until the light", "Sing it loud and sing it true")


@lru_cache(maxsize=65536)
def unigram_logp(word: str) -> float:
    """Natural-log unigram probability of a word (wordfreq, English)."""
    from wordfreq import word_frequency

    return math.log(max(word_frequency(word, "en"), MIN_FREQ))


def slor(words: list[str], logp: float) -> float:
    """SLOR per word: (log p_LM(line) − Σ log p_unigram(word)) / words."""
    if not words:
        return -math.inf
    return (logp - sum(unigram_logp(w) for w in words)) / len(words)


@dataclass
class Reranker:
    """Chooses among a line's candidates; remembers the previous line for coherence."""

    decode: object  # ids -> printed text (the tokenizer's decode)
    prompt: str
    plan_vec: np.ndarray | None = None
    prev_vec: np.ndarray | None = None
    stats: dict = field(default_factory=dict)
    embed: object = None  # texts -> unit vectors (None: MiniLM from musegen.plan.embed)

    register_vec: np.ndarray | None = None  # song prototype − assistant prototype
    ends: Callable[[list[str]], list[float]] | None = None  # texts -> end log-probs (`endscore.EndScorer`)
    last_end: float = 0.0  # the chosen candidate's end log-prob (0.0 without `ends`)
    chosen_vec: np.ndarray | None = None  # the chosen candidate's embedding, until `accept`

    def __post_init__(self) -> None:
        if self.embed is None:
            from musegen.plan.embed import embed

            self.embed = embed
        protos = self.embed([*SONG_LINES, *ASSISTANT_LINES])  # type: ignore[operator]
        n = len(SONG_LINES)
        self.register_vec = protos[:n].mean(0) - protos[n:].mean(0)

    def set_plan(self, text: str) -> None:
        """The section's plan text (prompt plus keywords) the lines should stay close to."""
        self.plan_vec = self.embed([text])[0]  # type: ignore[operator]

    def new_section(self) -> None:
        """Forget the previous line (a new stanza starts)."""
        self.prev_vec = self.chosen_vec = None

    def accept(self) -> None:
        """The last chosen candidate is the section's next line: later lines are compared with it."""
        self.prev_vec = self.chosen_vec

    def __call__(self, cands: list[Candidate], bonus: list[float] | None = None) -> int:
        """Index of the best candidate (`accept` makes it the previous line of the next call).

        `bonus`, when given, is added to each candidate's score.
        """
        texts = [self.decode(c.ids).strip() for c in cands]  # type: ignore[operator]
        vecs = self.embed(texts)  # type: ignore[operator]
        ends = self.ends(texts) if self.ends is not None else [0.0] * len(texts)
        scores = []
        for c, t, v, e in zip(cands, texts, vecs, ends, strict=True):
            s = SLOR_WEIGHT * slor(c.words, c.logp) + END_WEIGHT * min(0.0, e - END_OK)
            if self.plan_vec is not None:
                s += PLAN_WEIGHT * float(v @ self.plan_vec)
            if self.prev_vec is not None:
                s += PREV_WEIGHT * float(v @ self.prev_vec)
            s += REGISTER_WEIGHT * float(v @ self.register_vec)  # a song's line, not an assistant's
            s -= PROBLEM_COST * (len(line_problems(t, self.prompt)) + bool(ASSISTANT_TALK.match(t))
                                 + echo_end(t))
            scores.append(s)
        if bonus is not None:
            scores = [s + b for s, b in zip(scores, bonus, strict=True)]
        best = int(np.argmax(scores))
        self.chosen_vec, self.last_end = vecs[best], ends[best]
        self.stats["candidates"] = self.stats.get("candidates", 0) + len(cands)
        self.stats["rejected"] = self.stats.get("rejected", 0) + sum(s < -PROBLEM_COST / 2 for s in scores)
        return best
