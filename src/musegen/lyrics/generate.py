"""Song lyrics from a plan: section by section, line by line, under syllable and rhyme constraints.

The song's hook, keywords and end words are planned first (`wordplan`); each section's lines are then
written by `section.write_section` (sampled one at a time by `decode.sample_line` under the exact syllable
count and the rhyme, reranked by `rerank`). A chorus is written once and repeated (`repeat_of`); no line is
used twice in a song.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch
from tqdm import tqdm

from musegen.device import torch_threads
from musegen.errors import InputError
from musegen.lyrics.content import default_blocklist, unprompted_words
from musegen.lyrics.endscore import EndScorer
from musegen.lyrics.language import prompt_reading
from musegen.lyrics.prompt import theme_words
from musegen.lyrics.register import TASK_WORDS
from musegen.lyrics.rerank import Reranker
from musegen.lyrics.section import BATCH, write_section
from musegen.lyrics.sections import check_plan
from musegen.lyrics.syllables import syllabify_line
from musegen.lyrics.topic import lyric_topic
from musegen.lyrics.vocab import FINAL_MIN, WEAK_FINALS, default_words
from musegen.lyrics.wordplan import WordPlan, check_rhymable, plan_words
from musegen.types import LyricLine, Lyrics, LyricSection, SongPlan

# words about the task itself, which a small model copies from the prompt: never sung
PROMPT_WORDS = frozenset({"syllable", "syllables", "rhyme", "rhymes", "theme", "extract", "extracts",
                          "stanza", "stanzas", "verse", "verses", "chorus", "extracting", "extracted",
                          "extraction", "syllabus", "syllabic", "versed", "song's", "poem's",
                          # talk about a text, which the model drifts into ("The title for the text is …")
                          "title", "titles", "text", "texts", "author", "authors", "writer", "writers",
                          "writings", "songwriting", "songwriter", "sentence", "sentences", "paragraph",
                          "essay", "poet", "poets", "lyricist", "lyricists", "songwriters", "prompt", "topic",
                          "blank"})
# the word "song" (a task word) leaks through its compounds: "songbird" was in 9 of the 20 held-out songs
# of session 5 ("You are a songbird …"), a tic a reader notices from song to song. Sung only when asked for
TIC_WORDS = frozenset({"songbird", "songbirds"})
# one thread: batched decoding of a 135 M model gains little from a second core, and on a shared 2-core
# machine two OpenMP threads measured 9× slower (8 min 40 s vs 58 s for `musegen lyrics` at load ~5)
DECODE_THREADS = 1

def write_lyrics(plan: SongPlan, *, seed: int | None = None, model=None, progress: bool = False,
                 blocklist: frozenset[str] | None = None, batch: int = BATCH,
                 stats: dict | None = None, threads: int | None = DECODE_THREADS,
                 method: str = "plan",
                 on_section: Callable[[int, LyricSection], None] | None = None) -> Lyrics:
    """Write the words of a song: one `LyricSection` per plan section, same order and type.

    Instrumental sections (no syllables) get no lines; `repeat_of` sections copy the earlier words
    verbatim; line i of section k has exactly `plan.sections[k].syllables[i]` syllables (CMU count).
    `model` is a `LyricsModel` (None: `load_lyrics_model()`); same seed, same words. `blocklist` replaces
    the content filter's list; `stats` (a dict) receives counters such as `relaxed_rhymes`. `threads` pins
    torch's intra-op threads while decoding (None: leave them). `method` "plan" plans hook, keywords and
    end words first and reranks candidates (`wordplan`, `rerank`); "plain" is the old decoder (rhyme forced
    at the last word, best mean log-prob), kept for comparison in benchmarks/lyrics.py.
    A prompt that is not English gets English lyrics (planned from its English reading) and, in `stats`,
    a `language_note` saying so. `on_section(k, section)` is called as each section is done, in order (the
    pipeline starts its melody meanwhile).
    """
    if method not in ("plan", "plain"):
        raise InputError(f"method {method!r}: use 'plan' or 'plain'")
    with torch_threads(threads):
        return _write_lyrics(plan, seed, model, progress, blocklist, batch, stats, method, on_section)


def sung_blocklist(mood: str, blocklist: frozenset[str] | None = None) -> frozenset[str]:
    """Words never sung for this prompt, each with its possessive.

    The content filter's (`blocklist`, None: the default), words about the task, and, unless the prompt
    names them, the task's tics and (with the default filter) `content.unprompted_words`.
    """
    prompt_words = set(re.findall(r"[a-z]+", mood.lower()))
    # with the default filter, words of drugs, sexual violence and self-harm only when the prompt names them
    unasked = unprompted_words() if blocklist is None else frozenset()
    bl = default_blocklist() if blocklist is None else blocklist
    bl = bl | PROMPT_WORDS | ((TASK_WORDS | TIC_WORDS | unasked) - prompt_words)
    return bl | {f"{w}'s" for w in bl}  # "writer's", "song's": a banned word's possessive is banned too


def _write_lyrics(plan: SongPlan, seed: int | None, model, progress: bool, blocklist: frozenset[str] | None,
                  batch: int, stats: dict | None, method: str,
                  on_section: Callable[[int, LyricSection], None] | None = None) -> Lyrics:
    from musegen.lyrics.model import load_lyrics_model

    check_plan(plan)
    if method == "plan":
        check_rhymable(plan)
    lm = model if model is not None else load_lyrics_model()
    bl = sung_blocklist(plan.mood, blocklist)
    words = default_words(bl)
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    if stats is not None:
        stats.setdefault("relaxed_rhymes", 0)
    theme = theme_words(plan.mood)
    about, note = prompt_reading(plan.mood)
    about = lyric_topic(about)  # "rock anthem" names the music, not what the words are about
    if stats is not None and note:
        stats["language_note"] = note
    wplan: WordPlan | None = None
    rerank: Reranker | None = None
    ender: EndScorer | None = None
    if method == "plan":
        allowed = {w for w, f in words.freq.items() if f >= FINAL_MIN and w not in WEAK_FINALS}
        wplan = plan_words(plan, seed=seed, allowed=allowed, about=about)
        ender = EndScorer(lm)
        rerank = Reranker(lm.tokenizer.decode, plan.mood, stats=stats if stats is not None else {},
                          ends=ender)
        if stats is not None:
            stats["hook"] = wplan.hook
    used: set[str] = set()
    out: list[LyricSection] = []
    bar = tqdm(total=sum(1 for s in plan.sections if s.syllables and s.repeat_of is None),
               desc="lyrics", unit="section", disable=not progress)
    for k, sec in enumerate(plan.sections):
        if sec.repeat_of is not None:
            src = out[sec.repeat_of]
            out.append(LyricSection(sec.type, [LyricLine(x.text, list(x.syllables)) for x in src.lines],
                                    repeat_of=sec.repeat_of))
        elif not sec.syllables:
            out.append(LyricSection(sec.type, []))
        else:
            planned = wplan.sections[k] if wplan is not None else None
            if rerank is not None and planned is not None:
                rerank.set_plan(f"{about}. {', '.join(planned.keywords)}")
            texts = write_section(lm, sec, theme, used, gen=gen, words=words, banned=bl, batch=batch,
                                  stats=stats, planned=planned, wplan=wplan, rerank=rerank, ender=ender)
            out.append(LyricSection(sec.type, [LyricLine(t, syllabify_line(t)) for t in texts]))
            bar.update(1)
        if on_section is not None:
            on_section(k, out[-1])
    bar.close()
    return Lyrics(out)
