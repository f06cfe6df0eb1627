"""Song lyrics from a plan: section by section, line by line, under syllable and rhyme constraints.

Each section is prompted with the structured prompt the adapter was trained on (section type, lines,
syllables per line, rhyme scheme, theme words from the mood prompt); its lines are then sampled one at a
time by `decode.sample_line`, which enforces the exact syllable count and the rhyme on the final word.
A chorus is written once and repeated (`repeat_of`); no line is used twice in a song.
"""

from __future__ import annotations

import re

import torch
from tqdm import tqdm

from musegen.errors import InputError, ModelError
from musegen.lyrics.content import default_blocklist
from musegen.lyrics.decode import START_WORDS, LineSampler, LineSpec, sample_line
from musegen.lyrics.prompt import format_prompt, theme_words
from musegen.lyrics.rhyme import parse_scheme, rhyming_parts
from musegen.lyrics.syllables import syllabify_line
from musegen.lyrics.vocab import WordTable, default_words
from musegen.types import SECTION_TYPES, LyricLine, Lyrics, LyricSection, SectionPlan, SongPlan

BATCH = 8  # candidates sampled together per line
ROUNDS = 2  # rounds (the second with twice the candidates) before a rhyme is relaxed
RHYME_STRENGTH = 3.0  # log-prob bonus steering the last word onto a rhyme (see decode.rhyme_bias)
MIN_PARTNERS = 8  # a rhyme word that opens a letter needs this many common partners in the word list
THEME_BIAS = 1.0  # log-prob bonus for word-start tokens of theme words
# words about the task itself, which a small model copies from the prompt: never sung
PROMPT_WORDS = frozenset({"syllable", "syllables", "rhyme", "rhymes", "theme", "extract", "extracts",
                          "stanza", "stanzas", "verse", "verses", "chorus"})
MAX_SYLLABLES = 16
# one thread: batched decoding of a 135 M model gains little from a second core, and on a shared 2-core
# machine two OpenMP threads measured 9× slower (8 min 40 s vs 58 s for `musegen lyrics` at load ~5)
DECODE_THREADS = 1


def _theme_bias(lm, theme: list[str]) -> torch.Tensor:
    """Additive bias over the sub-vocabulary favouring the first token of each theme word."""
    bias = torch.zeros(len(lm.sub_ids))
    pos = {int(t): i for i, t in enumerate(lm.sub_ids)}
    for w in theme:
        for form in (f" {w}",):
            ids = lm.tokenizer.encode(form, add_special_tokens=False)
            if ids and ids[0] in pos:
                bias[pos[ids[0]]] = THEME_BIAS
    return bias


def _line_text(words: list[str], ids: list[int], tokenizer) -> str:
    """The printed line: decoded tokens, first letter capitalised, 'i' as 'I'."""
    text = tokenizer.decode(ids).strip()
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:]


def _forbidden_finals(words: WordTable, others: list[str], finals: list[str]) -> frozenset[str]:
    """Words that may not end the next line: rhymes of other letters' finals, and the finals themselves."""
    parts = {p for o in others for p in rhyming_parts(o)}
    bare = {f.replace("'", "") for f in finals}
    return frozenset(w for w in words.syl
                     if w.replace("'", "") in bare or (parts and not parts.isdisjoint(rhyming_parts(w))))


def check_plan(plan: SongPlan) -> None:
    """Raise InputError for a plan the lyrics stage cannot honour."""
    for k, sec in enumerate(plan.sections):
        if sec.type not in SECTION_TYPES:
            raise InputError(f"section {k}: unknown type {sec.type!r}; use one of {', '.join(SECTION_TYPES)}")
        if sec.repeat_of is not None and not 0 <= sec.repeat_of < k:
            raise InputError(f"section {k}: repeat_of={sec.repeat_of} must name an earlier section")
        for n in sec.syllables:
            if not 1 <= n <= MAX_SYLLABLES:
                raise InputError(f"section {k}: {n} syllables per line (--syllables); "
                                 f"use 1 to {MAX_SYLLABLES}")
        parse_scheme(sec.rhyme, len(sec.syllables), what=f"section {k} rhyme")


def write_section(lm, sec: SectionPlan, theme: list[str], used: set[str], *, gen: torch.Generator,
                  words: WordTable, banned: frozenset[str], batch: int = BATCH,
                  stats: dict | None = None) -> list[str]:
    """The lines of one section (each exact in syllables, rhyming as `sec.rhyme` asks)."""
    n = len(sec.syllables)
    scheme = parse_scheme(sec.rhyme, n)
    sampler = LineSampler(words, lm.tokens)
    prompt = format_prompt(sec.type, sec.syllables, scheme, theme)
    cache, logp = lm.prefill(lm.tokenizer.encode(prompt, add_special_tokens=False))
    bias = _theme_bias(lm, theme)
    lines: list[str] = []
    finals: list[str] = []
    starts: list[tuple[str, ...]] = []
    for i, syl in enumerate(sec.syllables):
        letter = scheme[i]
        first = next((j for j in range(i) if scheme[j] == letter and letter != "X"), None)
        others = [finals[j] for j in range(i) if scheme[j] != letter or letter == "X"]
        forbidden = _forbidden_finals(words, others, finals)
        recurs = letter != "X" and letter in scheme[i + 1:]
        spec = LineSpec(syl, finals=None, forbidden_finals=forbidden,
                        min_partners=MIN_PARTNERS if recurs else 0, used_lines=frozenset(used), banned=banned,
                        used_starts=frozenset(starts))
        if first is not None:
            spec.finals = words.rhyme_words(finals[first]) - forbidden
        got = None
        if spec.finals is not None and not spec.finals:
            spec.finals = None  # nothing left to rhyme with
            if stats is not None:
                stats["relaxed_rhymes"] = stats.get("relaxed_rhymes", 0) + 1
        for r in range(ROUNDS + 3):
            if r == ROUNDS and spec.finals is not None:
                spec.finals = None  # give up on this rhyme rather than on the syllable count
                if stats is not None:
                    stats["relaxed_rhymes"] = stats.get("relaxed_rhymes", 0) + 1
            if r >= ROUNDS:
                spec.min_partners = 0 if r > ROUNDS else min(spec.min_partners, 2)
            n_cand = batch * (4 if r == ROUNDS + 2 else 1 + r % 2)  # the last try casts a wide net
            got = sample_line(lm, cache, logp + bias, spec, sampler, batch=n_cand, gen=gen,
                              temperature=0.9 + 0.1 * r, rhyme_strength=RHYME_STRENGTH * (1 + r))
            if got is not None:
                break
        if got is None:
            raise ModelError(f"the lyrics model could not write a {syl}-syllable line for a {sec.type} "
                             f"in {ROUNDS + 3} tries; try another --seed or adapter")
        ids, ws, _ = got
        line = _line_text(ws, ids, lm.tokenizer)
        lines.append(line)
        finals.append(ws[-1])
        used.add(" ".join(ws))
        starts.append(tuple(ws[:START_WORDS]))
        cache, logp = lm.prefill(ids, cache)
    return lines


def write_lyrics(plan: SongPlan, *, seed: int | None = None, model=None, progress: bool = False,
                 blocklist: frozenset[str] | None = None, batch: int = BATCH,
                 stats: dict | None = None, threads: int | None = DECODE_THREADS) -> Lyrics:
    """Write the words of a song: one `LyricSection` per plan section, same order and type.

    Instrumental sections (no syllables) get no lines; `repeat_of` sections copy the earlier words
    verbatim; line i of section k has exactly `plan.sections[k].syllables[i]` syllables (CMU count).
    `model` is a `LyricsModel` (None: `load_lyrics_model()`); same seed, same words. `blocklist` replaces
    the content filter's list; `stats` (a dict) receives counters such as `relaxed_rhymes`. `threads` pins
    torch's intra-op threads while decoding (None: leave them).
    """
    n_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _write_lyrics(plan, seed, model, progress, blocklist, batch, stats)
    finally:
        torch.set_num_threads(n_threads)


def _write_lyrics(plan: SongPlan, seed: int | None, model, progress: bool, blocklist: frozenset[str] | None,
                  batch: int, stats: dict | None) -> Lyrics:
    from musegen.lyrics.model import load_lyrics_model

    check_plan(plan)
    lm = model if model is not None else load_lyrics_model()
    bl = (default_blocklist() if blocklist is None else blocklist) | PROMPT_WORDS
    words = default_words(bl)
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    if stats is not None:
        stats.setdefault("relaxed_rhymes", 0)
    theme = theme_words(plan.mood)
    used: set[str] = set()
    out: list[LyricSection] = []
    bar = tqdm(total=sum(1 for s in plan.sections if s.syllables and s.repeat_of is None),
               desc="lyrics", unit="section", disable=not progress)
    for sec in plan.sections:
        if sec.repeat_of is not None:
            src = out[sec.repeat_of]
            out.append(LyricSection(sec.type, [LyricLine(x.text, list(x.syllables)) for x in src.lines],
                                    repeat_of=sec.repeat_of))
            continue
        if not sec.syllables:
            out.append(LyricSection(sec.type, []))
            continue
        texts = write_section(lm, sec, theme, used, gen=gen, words=words, banned=bl, batch=batch, stats=stats)
        out.append(LyricSection(sec.type, [LyricLine(t, syllabify_line(t)) for t in texts]))
        bar.update(1)
    bar.close()
    return Lyrics(out)


def plan_for_lyrics(prompt: str, form: list[str], syllables: list[int], rhyme: str, *,
                    bars: int = 8) -> SongPlan:
    """A minimal `SongPlan` for writing words alone: every sung section gets `syllables` and `rhyme`.

    Intro/outro are instrumental; a chorus or pre-chorus after the first repeats the first (`repeat_of`).
    """
    if not prompt.strip():
        raise InputError("prompt: empty; describe the mood, e.g. \"rainy night, lost love\"")
    if not form:
        raise InputError("--form: empty; give sections like verse,chorus,verse,chorus")
    if not syllables:
        raise InputError("--syllables: empty; give syllables per line like 8,8,8,8")
    parse_scheme(rhyme, len(syllables))  # names --rhyme in its error
    sections: list[SectionPlan] = []
    first: dict[str, int] = {}
    for k, t in enumerate(form):
        t = t.strip().lower()
        if t not in SECTION_TYPES:
            raise InputError(f"--form: unknown section {t!r}; use {', '.join(SECTION_TYPES)}")
        if t in ("intro", "outro"):
            sections.append(SectionPlan(t, bars))
            continue
        rep = first.get(t) if t in ("chorus", "pre-chorus") else None
        first.setdefault(t, k)
        sections.append(SectionPlan(t, bars, list(syllables), rhyme, repeat_of=rep))
    plan = SongPlan(title=prompt.strip()[:40], mood=prompt, key="C", mode="major", tempo=100.0, meter=(4, 4),
                    sections=sections)
    check_plan(plan)
    return plan
