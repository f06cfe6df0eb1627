"""New words for lines or sections, through the lyrics stage's own line sampler and section writer.

A line keeps its syllable count and rhymes with its partners (the lines sharing its letter in the
section's rhyme scheme); the model is prompted exactly as `write_lyrics` prompts it, with the section's
earlier lines as context. Your own words (`--text`) are syllabified the same way.
"""

from __future__ import annotations

import torch

from musegen.device import torch_threads
from musegen.errors import InputError, ModelError
from musegen.types import LyricLine, SectionPlan, Song

MAX_TRIES = 5  # sampling rounds before giving up (the rhyme, steered harder each time, dropped in the last)


def word_tables():
    """The lyrics stage's word table (syllables, rhymes) and banned words, as `write_lyrics` uses them."""
    from musegen.lyrics.content import default_blocklist
    from musegen.lyrics.generate import PROMPT_WORDS
    from musegen.lyrics.vocab import default_words

    banned = default_blocklist() | PROMPT_WORDS
    return default_words(banned), banned


def _norm(text: str) -> str:
    from musegen.lyrics.syllables import normalize, words_of

    return " ".join(normalize(w) for w in words_of(text))


def _scheme(song: Song, k: int) -> str:
    from musegen.lyrics.rhyme import parse_scheme

    n = len(song.sections[k].lines)
    rhyme = song.plan.sections[k].rhyme
    try:
        return parse_scheme(rhyme, n)
    except InputError:
        return "X" * n


def write_line(lm, song: Song, k: int, i: int, *, seed: int, threads: int = 1) -> LyricLine:
    """New words for line i of section k: same syllable count, rhyming with its partners, not a repeat."""
    from musegen.lyrics.decode import START_WORDS, LineSampler, LineSpec, sample_line
    from musegen.lyrics.prompt import line_head, theme_words
    from musegen.lyrics.rhyme import last_word
    from musegen.lyrics.section import (
        BATCH,
        MIN_PARTNERS,
        RHYME_STRENGTH,
        end_rank,
        forbidden_finals,
        line_start,
        section_prompt,
    )
    from musegen.lyrics.syllables import syllabify_line

    sec = song.sections[k]
    lines = sec.lines
    target = len(lines[i].syllables)
    scheme = _scheme(song, k)
    letter = scheme[i]
    words, banned = word_tables()
    partners = [last_word(lines[j].text) for j in range(len(lines))
                if j != i and letter != "X" and scheme[j] == letter]
    others = [last_word(lines[j].text) for j in range(len(lines))
              if j != i and (scheme[j] != letter or letter == "X")]
    forbidden = forbidden_finals(words, others, [])  # rhymes of the other letters' end words, and names
    finals = None
    for p in partners:
        ok = words.rhyme_words(p) - forbidden - {p}
        finals = ok if finals is None else (finals & ok or finals)
    used = frozenset(_norm(x.text) for s in song.sections for x in s.lines)
    recurs = letter != "X" and letter in scheme[i + 1:] and not partners
    starts = frozenset(tuple(_norm(x.text).split()[:START_WORDS]) for j, x in enumerate(lines) if j != i)
    spec = LineSpec(target, finals=finals or None, forbidden_finals=forbidden, banned=banned, used_lines=used,
                    min_partners=MIN_PARTNERS if recurs else 0, used_starts=starts)
    with torch_threads(threads):
        gen = torch.Generator().manual_seed(int(seed))
        # formats 2 and 3 name each line's end word: today's
        prompt = section_prompt(lm, sec.type, [len(x.syllables) for x in lines], scheme,
                                theme_words(song.plan.mood), [last_word(x.text) or "free" for x in lines])
        cache, logp = lm.prefill(lm.tokenizer.encode(prompt, add_special_tokens=False))
        fmt3 = getattr(lm, "prompt_format", 1) == 3
        for j in range(i):  # the section's earlier lines, as the model wrote (or you typed) them
            head = line_head(len(lines[j].syllables), last_word(lines[j].text)) if fmt3 else ""
            ids = lm.tokenizer.encode(head + lines[j].text + "\n", add_special_tokens=False)
            cache, logp = lm.prefill(ids, cache)
        sampler = LineSampler(words, lm.tokens)
        text = None
        tried: set[str] = set()
        rank = end_rank(words, None)
        for r in range(MAX_TRIES):
            if r == MAX_TRIES - 1 and finals is not None:
                # the rhyme word first, the line sampled up to it (the sampler found no rhyme in its tiers);
                # a format-3 line already opens with its rhyme word
                text = None if fmt3 else _lead_in(lm, cache, logp, spec, sampler, gen, target)
                if text is not None:
                    break
                finals, spec.min_partners = None, 0  # keep the syllable count, give up the rhyme
            start = line_start(lm, cache, logp, target, finals or None, tried, rank)
            if start is None:  # format 3: every rhyme word tried
                finals, spec.min_partners = None, 0
                start = line_start(lm, cache, logp, target, None, tried, rank)
            hcache, hlogp, _, spec.finals = start
            got = sample_line(lm, hcache, hlogp, spec, sampler, batch=BATCH * (1 + r % 2), gen=gen,
                              temperature=0.9 + 0.1 * r, rhyme_strength=RHYME_STRENGTH * (1 + r))
            if got is not None:
                text = lm.tokenizer.decode(got.ids).strip()
                break
    if text is None:
        raise ModelError(f"the lyrics model could not write a new {target}-syllable line in {MAX_TRIES} "
                         "tries; try another --seed")
    text = text[:1].upper() + text[1:]
    return LyricLine(text, syllabify_line(text))


def _lead_in(lm, cache, logp, spec, sampler, gen: torch.Generator, target: int) -> str | None:
    """A line of `target` syllables ending on one of `spec.finals`, or None if none fits.

    The rhyme word is drawn first (up to eight, by the seed) and the model writes the words before it.
    """
    from dataclasses import replace

    from musegen.lyrics.decode import sample_line
    from musegen.lyrics.section import BATCH
    from musegen.lyrics.syllables import count_line

    fits = sorted(w for w in spec.finals if 0 < sampler.words.syl.get(w, 0) < target)
    order = torch.randperm(len(fits), generator=gen).tolist()[:8]
    for w in (fits[j] for j in order):
        head = replace(spec, syllables=target - sampler.words.syl[w], finals=None, min_partners=0)
        got = sample_line(lm, cache, logp, head, sampler, batch=BATCH, gen=gen)
        if got is None:
            continue
        text = f"{lm.tokenizer.decode(got.ids).strip().rstrip(',.;:!?')} {w}"
        if count_line(text) == target:
            return text
    return None


def write_section_words(lm, song: Song, k: int, *, seed: int) -> list[LyricLine]:
    """New words for every line of section k, as `write_lyrics` writes a section (same counts and rhyme)."""
    from musegen.lyrics.prompt import theme_words
    from musegen.lyrics.section import write_section
    from musegen.lyrics.syllables import syllabify_line

    sec = song.sections[k]
    plan = SectionPlan(sec.type, sec.bars, [len(x.syllables) for x in sec.lines], _scheme(song, k))
    words, banned = word_tables()
    used = {_norm(x.text) for s in song.sections for x in s.lines}
    gen = torch.Generator().manual_seed(int(seed))
    with torch_threads(1):
        theme = theme_words(song.plan.mood)
        texts = write_section(lm, plan, theme, used, gen=gen, words=words, banned=banned)
    return [LyricLine(t, syllabify_line(t)) for t in texts]


def user_line(text: str, what: str = "--text") -> LyricLine:
    """Your own line, syllabified; empty or multi-line text is refused."""
    from musegen.lyrics.syllables import syllabify_line

    clean = " ".join(text.split())
    if "\n" in text.strip() or not clean:
        raise InputError(f"{what} {text!r}: give one line of words, e.g. {what} \"I walk the empty road\"")
    syls = syllabify_line(clean)
    if not syls:
        raise InputError(f"{what} {text!r}: no singable words in it; use letters, e.g. "
                         "\"I walk the empty road\"")
    return LyricLine(clean, syls)
