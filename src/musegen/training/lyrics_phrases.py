"""Modern plain-English phrases for the song-register corpus, written by the base instruct model.

PoeLM (Ormazabal et al. 2022) trains a verse model on ordinary prose cut into phrases, each prefixed with its
length and end-rhyme codes, and no poetry at all. Here the base SmolLM2-135M-Instruct (no adapter) writes
short first-person texts on everyday song topics (`TOPICS` × `ASKS`, none of them a benchmark prompt);
`phrase_stanzas` cuts them at punctuation into phrases, keeps the clean song-register ones (every word in
CMU, 4-12 syllables, no archaic, task or dangling words, no assistant talk) and groups four kept phrases of
one text into a training stanza. The model thus learns contemporary syntax toward a named end word.

`write_texts` appends to a JSONL file and resumes where an interrupted run stopped; text i depends only on
(seed, i), so a resumed file equals an uninterrupted one.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import torch

from musegen.training.lyrics_corpus import STANZA, Stanza, finish
from musegen.training.lyrics_modern import clean_song_line, modern_enough

TOPICS = [
    "waiting for a phone call that never comes", "dancing alone in the kitchen",
    "a summer night with old friends", "leaving your hometown for the big city",
    "missing someone who moved away", "a long drive after a breakup", "the first warm day of spring",
    "falling for your best friend", "a wedding on a windy hill", "working the night shift",
    "coming home after a long war", "a father teaching his son to fish",
    "an old couple still holding hands", "a rainy Monday morning", "the ghost of an old love",
    "saying goodbye at the train station", "chasing a dream against the odds",
    "a small town Friday night", "healing after a hard year", "growing older and wiser",
    "a child afraid of the dark", "the smell of your mother's kitchen", "lying awake thinking of someone",
    "a road trip with no map", "winning the big game", "losing a friend too soon",
    "the city lights from a rooftop", "a letter you never sent", "starting over in a new place",
    "a promise made under the stars", "a broken heart that will not mend", "a first date that went wrong",
    "the last day of school", "a sailor far from home", "dreaming of a better life",
    "fighting for the one you love", "a lonely Christmas", "the sound of the ocean at night",
    "a friendship that lasts forever", "the end of summer", "learning to let go",
    "a stranger who changed your life", "a house full of memories", "running away together",
    "believing in yourself again", "a desert highway at sunset", "snow falling on a quiet town",
    "a mother singing to her baby", "walking home in the rain",
    "a song on the radio that brings it all back", "a love that came too late",
    "the morning after a party", "standing up to a bully", "a soldier writing home",
    "a garden in full bloom", "driving with the windows down", "an empty bed", "a second chance at love",
    "the busy streets of a big city", "sitting by the fire in winter", "the day you were born",
    "a secret you cannot tell", "looking at old photographs", "jealousy that eats you alive",
    "forgetting your troubles for one night", "a train rolling through the night",
    "the courage to say I love you", "a party that never ends", "feeling lost in a crowd",
    "a storm rolling over the fields", "hope after a long dark time", "the best day of your life",
    "a heart full of gratitude", "a farewell to an old house", "skipping stones at the river",
    "missing the person you used to be", "a hot day at the county fair", "a kiss at midnight",
    "keeping a candle burning for someone", "a game of cards with grandpa", "moving on without regret",
    "getting ready for a big night out", "being young and free", "a quiet Sunday morning",
    "the memory of a first kiss", "a friend who always picks you up", "leaving the past behind",
    "waking up next to you", "walking through the autumn leaves", "a road you never took",
    "a stormy night at sea", "a baby's first steps", "finding faith again", "the lights of a carnival",
    "the boy next door", "a girl with a guitar", "a cold beer after a hard day", "a long distance love",
    "dancing at a wedding", "the quiet after an argument", "a wild night downtown",
    "a peaceful evening on the porch",
]
ASKS = [
    "Write a short diary entry about {t}.",
    "In a few heartfelt sentences, tell me how it feels: {t}.",
    "Write a short letter to someone you love about {t}.",
    "Describe, in the first person and in simple words, {t}.",
    "Tell a short story, in simple words, about {t}.",
]
TEMPERATURE = 0.8
TOP_P = 0.9
TOKENS = 120  # tokens per text
BATCH = 16  # texts sampled together for one request
PHRASE_RE = re.compile(r"[^.,;:!?\n]+[.,;:!?]?")
BOOK_REQUESTS = 4  # requests per book (the train/validation split is by book)
# assistant talk the base model falls into; a text that says any of this is not a person's voice
ASSISTANT = re.compile(r"\b(assistant|users?|provided|examples?|sentences?|paragraphs?|essays?|diary|"
                       r"letters?|entry|story|stories|readers?|topics?|describe|description|prompt|here is|"
                       r"here's|heartfelt|help you|to help|first person|simple)\b", re.IGNORECASE)


def requests(seed: int = 0) -> list[str]:
    """Every (ask × topic) request, in a seeded order."""
    out = [a.format(t=t) for t in TOPICS for a in ASKS]
    random.Random(seed).shuffle(out)
    return out


def write_texts(out: str | Path, n_requests: int, *, seed: int = 0, model=None,
                progress: bool = False) -> int:
    """Append `BATCH` sampled texts per request to `out` (JSONL) until `n_requests` are written.

    Resumes after the requests already in the file; returns the number of requests in it. `model` is a
    `LyricsModel` (None: the base model, no adapter).
    """
    from tqdm import tqdm

    from musegen.lyrics.model import load_lyrics_model
    from musegen.lyrics.prompt import ASSISTANT as HEAD
    from musegen.lyrics.prompt import END, USER

    out = Path(out)
    rows = out.read_text("utf-8").splitlines(keepends=True) if out.is_file() else []
    done = len(rows) // BATCH
    if len(rows) != done * BATCH:  # an interrupted run left part of a request: drop it
        out.write_text("".join(rows[:done * BATCH]), encoding="utf-8")
    reqs = requests(seed)
    n = min(n_requests, len(reqs))
    if done >= n:
        return done
    lm = model or load_lyrics_model(adapter=False)
    bar = tqdm(total=n, initial=done, desc="phrases", unit="request", disable=not progress)
    with out.open("a", encoding="utf-8") as fh:
        for i in range(done, n):
            gen = torch.Generator().manual_seed(seed * 100_003 + i)
            ids = lm.tokenizer.encode(f"{USER}{reqs[i]}{END}\n{HEAD}", add_special_tokens=False)
            for text in _sample(lm, ids, gen):
                fh.write(json.dumps({"request": i, "ask": reqs[i], "text": text}) + "\n")
            fh.flush()
            bar.update(1)
    bar.close()
    return n


@torch.inference_mode()
def _sample(lm, ids: list[int], gen: torch.Generator) -> list[str]:
    """`BATCH` texts of `TOKENS` tokens after the prompt `ids` (nucleus sampling)."""
    cache, logp = lm.prefill(ids)
    cache = cache.expanded(BATCH)
    lp = logp.expand(BATCH, -1)
    rows: list[list[int]] = [[] for _ in range(BATCH)]
    for _ in range(TOKENS):
        probs, idx = torch.softmax(lp / TEMPERATURE, -1).sort(-1, descending=True)
        probs[probs.cumsum(-1) - probs > TOP_P] = 0
        pick = torch.multinomial(probs / probs.sum(-1, keepdim=True), 1, generator=gen)
        tok = lm.sub_ids[idx.gather(1, pick).squeeze(1)]
        for r, t in zip(rows, tok.tolist(), strict=True):
            r.append(int(t))
        lp = lm.step(tok.unsqueeze(1), cache)
    return [lm.tokenizer.decode(r) for r in rows]


def phrases(text: str) -> list[str | None]:
    """A text cut at punctuation into phrases; each clean song-register phrase, or None where one failed."""
    out: list[str | None] = []
    for m in PHRASE_RE.finditer(text):
        p = m.group(0).strip().rstrip(",;:").strip()
        if not p:
            continue
        p = p[:1].upper() + p[1:]
        line = clean_song_line(p)
        out.append(line if line is not None and modern_enough(line) and not ASSISTANT.search(line) else None)
    return out


def phrase_stanzas(path: str | Path) -> Iterator[Stanza]:
    """Training stanzas: STANZA consecutive kept phrases of one text (dropped phrases skipped).

    No phrase is used twice in the corpus.
    """
    seen: set[str] = set()
    for row in map(json.loads, Path(path).read_text("utf-8").splitlines()):
        kept = [p for p in phrases(row["text"]) if p is not None and p.lower() not in seen]
        book = f"phr-{row['request'] // BOOK_REQUESTS:04d}"
        for i in range(0, len(kept) - STANZA + 1, STANZA):
            win = kept[i:i + STANZA]
            if len({x.lower() for x in win}) < STANZA:
                continue
            seen.update(x.lower() for x in win)
            yield finish(Stanza("base-model-phrases", book, "verse", list(win)))
