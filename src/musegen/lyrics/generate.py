"""Song lyrics from a plan: section by section, line by line, under syllable and rhyme constraints.

The song's hook, keywords and end words are planned first (`wordplan`); each section's lines are then
written by `section.write_section` (sampled one at a time by `decode.sample_line` under the exact syllable
count and the rhyme, reranked by `rerank`). A chorus is written once and repeated (`repeat_of`); no line is
used twice in a song. Each section is written on its own (`SongWriter`), so a helper process may write some
of them beside this one (`parallel`) and the words stay the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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
                 on_section: Callable[[int, LyricSection], None] | None = None,
                 workers: int | None = None) -> Lyrics:
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
    pipeline starts its melody meanwhile). `workers`: helper processes that write sections beside this one
    (None: one when a second CPU and a reloadable model are there, see `parallel`; 0: none); the words are
    the same either way.
    """
    if method not in ("plan", "plain"):
        raise InputError(f"method {method!r}: use 'plan' or 'plain'")
    with torch_threads(threads):
        return _write_lyrics(plan, seed, model, progress, blocklist, batch, stats, method, on_section,
                             workers)


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


@dataclass(frozen=True)
class SongJob:
    """What a song's sections are written from (picklable: a section worker builds the same `SongWriter`)."""

    plan: SongPlan
    seed: int | None
    blocklist: frozenset[str] | None
    batch: int
    method: str


class SongWriter:
    """A song's shared setup (words, plan, reranker); `section(k)` writes one section on its own.

    A section depends only on the job and its index, never on the other sections' words: its random
    generator is seeded from the song's seed and the index, and it starts from the word plan as planned
    (`WordPlan.fork`). So sections may be written in any order, or in another process (`parallel`), and
    give the same words; `write_lyrics` then keeps a line from being sung twice (`used`).
    """

    def __init__(self, job: SongJob, lm) -> None:
        plan = job.plan
        self.job, self.lm = job, lm
        self.banned = sung_blocklist(plan.mood, job.blocklist)
        self.words = default_words(self.banned)
        self.theme = theme_words(plan.mood)
        about, self.language_note = prompt_reading(plan.mood)
        self.about = lyric_topic(about)  # "rock anthem" names the music, not what the words are about
        self.wplan: WordPlan | None = None
        self.near: dict[int, int] = {}
        self.ender: EndScorer | None = None
        self.rerank: Reranker | None = None
        if job.method == "plan":
            allowed = {w for w, f in self.words.freq.items() if f >= FINAL_MIN and w not in WEAK_FINALS}
            self.wplan = plan_words(plan, seed=job.seed, allowed=allowed, about=self.about)
            self.near = self.wplan.near_allotment()
            self.ender = EndScorer(lm)
            self.rerank = Reranker(lm.tokenizer.decode, plan.mood, stats={}, ends=self.ender)

    def todo(self) -> list[int]:
        """Indices of the sections to write (sung and not a repeat)."""
        return [k for k, s in enumerate(self.job.plan.sections) if s.syllables and s.repeat_of is None]

    def section(self, k: int, used: frozenset[str] = frozenset()) -> tuple[list[str], list[str], dict]:
        """Section k's printed lines, their word keys (for `used`) and its counters.

        `used`: word keys of lines sung elsewhere in the song, which this section may not repeat.
        """
        sec = self.job.plan.sections[k]
        stats: dict = {}
        gen = torch.Generator().manual_seed(section_seed(self.job.seed, k))
        keys = set(used)
        planned = wplan = None
        rerank = ender = None
        if self.wplan is not None:
            planned, wplan = self.wplan.sections[k], self.wplan.fork(self.near.get(k, 0))
            rerank, ender = self.rerank, self.ender
            rerank.stats = stats
            rerank.set_plan(f"{self.about}. {', '.join(planned.keywords)}")
        texts = write_section(self.lm, sec, self.theme, keys, gen=gen, words=self.words, banned=self.banned,
                              batch=self.job.batch, stats=stats, planned=planned, wplan=wplan, rerank=rerank,
                              ender=ender)
        return texts, sorted(keys - used), stats


def section_seed(seed: int | None, k: int) -> int:
    """The random seed of section k of a song written with `seed`."""
    return ((0 if seed is None else int(seed)) * 1_000_003 + 7919 * (k + 1)) % (2**63)


def _write_lyrics(plan: SongPlan, seed: int | None, model, progress: bool, blocklist: frozenset[str] | None,
                  batch: int, stats: dict | None, method: str,
                  on_section: Callable[[int, LyricSection], None] | None = None,
                  workers: int | None = None) -> Lyrics:
    from musegen.lyrics.model import load_lyrics_model
    from musegen.lyrics.parallel import write_sections

    check_plan(plan)
    if method == "plan":
        check_rhymable(plan)
    lm = model if model is not None else load_lyrics_model()
    writer = SongWriter(SongJob(plan, seed, blocklist, batch, method), lm)
    if stats is not None:
        stats.setdefault("relaxed_rhymes", 0)
        if writer.language_note:
            stats["language_note"] = writer.language_note
        if writer.wplan is not None:
            stats["hook"] = writer.wplan.hook
    out: list[LyricSection] = []
    used: set[str] = set()
    bar = tqdm(total=len(writer.todo()), desc="lyrics", unit="section", disable=not progress)

    def settle(k: int, got: tuple[list[str], list[str], dict] | None, may_write: bool) -> bool:
        """Section k in song order: written (`got`), a repeat or instrumental; its line keys join `used`.

        False (nothing done) when a line is sung in an earlier section and `may_write` is False.
        """
        sec = plan.sections[k]
        clash = got is not None and not used.isdisjoint(got[1])  # a line an earlier section sings
        if clash and not may_write:
            return False
        if sec.repeat_of is not None:
            src = out[sec.repeat_of]
            out.append(LyricSection(sec.type, [LyricLine(x.text, list(x.syllables)) for x in src.lines],
                                    repeat_of=sec.repeat_of))
        elif got is None:
            out.append(LyricSection(sec.type, []))
        else:
            texts, keys, counts = got
            if clash:  # written again, avoiding the lines sung before
                texts, keys, counts = writer.section(k, frozenset(used))
                counts["sections_rewritten"] = counts.get("sections_rewritten", 0) + 1
            used.update(keys)
            if stats is not None:
                for name, v in counts.items():
                    stats[name] = stats.get(name, 0) + v
            out.append(LyricSection(sec.type, [LyricLine(t, syllabify_line(t)) for t in texts]))
            bar.update(1)
        if on_section is not None:
            on_section(k, out[-1])
        return True

    try:
        helped = write_sections(writer, len(plan.sections), settle, workers=workers)
        if stats is not None:
            stats["sections_by_helper"] = helped
    finally:
        bar.close()
    return Lyrics(out)
