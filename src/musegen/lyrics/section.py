"""One section's lines: each sampled toward an end word, reranked, retried when its end is bent.

`write_section` prompts the model with the section (`section_prompt`), opens each line with its header
(`line_start`: syllables and end word, format 3), samples candidates (`decode.sample_line`) under the exact
syllable count and the rhyme, lets the reranker choose, and keeps the model's cache of the chosen line for
the next. A line that opens a rhyme first ends where the model likes (among common words with rhymes); a
line that rhymes with it writes toward the rhyme the plan and the model (`endprior`) rank best.
`generate.write_lyrics` calls it per section; `musegen edit` reuses it and its helpers.
"""

from __future__ import annotations

import torch

from musegen.errors import ModelError
from musegen.lyrics.decode import START_WORDS, LineSampler, LineSpec, sample_line
from musegen.lyrics.endprior import end_word_prior, header_opening
from musegen.lyrics.endscore import EndScorer, printed_line
from musegen.lyrics.prompt import (
    STOPWORDS,
    SYSTEM,
    format_lines_prompt,
    format_plan_prompt,
    format_prompt,
    line_head,
)
from musegen.lyrics.register import DANGLING, echo_end
from musegen.lyrics.rerank import Reranker
from musegen.lyrics.rhyme import homophones, parse_scheme, rhyming_parts
from musegen.lyrics.vocab import WEAK_FINALS, WordTable
from musegen.lyrics.wordplan import (
    SectionWords,
    WordPlan,
    common_end_words,
    names,
)
from musegen.types import SectionPlan

BATCH = 8  # candidates sampled together per line
ROUNDS = 2  # rounds (the second with twice the candidates) before a rhyme is relaxed
PLAN_ROUNDS = 2  # rounds that must end on the planned end word before any rhyme of the partner may
# a line's candidate end words are reordered by the model's own expectation (`endprior`): plan score plus
# this × the header's end-word log-prob, over the `PRIOR_TOP` best by plan. With `FREE_ROUNDS`, on 20 dev
# prompts (dev set 1; benchmarks/lyrics.py), weight 0 / 0.1 / 0.2 / 0.4: base-model NLL per token 4.97 (no
# free rounds) / 4.86 / 4.76 / 4.78, weak line ends 17.5 / 10.0 / 8.8 / 9.2 %; dev set 2 at 0.1 / 0.2: NLL
# 4.84 / 4.78, weak ends 10.0 / 9.6 %, retrieval 0.95 / 1.0. The 24 best instead of 12: no change
PRIOR_WEIGHT = 0.2
PRIOR_TOP = 12
# rounds a line that opens a rhyme letter (or rhymes with no other line) is first written without a named
# end word: it may end on any common word with enough rhymes for its partners (`MIN_PARTNERS`), and the
# partners then rhyme with what it said. A planned word bent it ("I will always have a plumber"); on dev
# set 1 with the prior at 0.1, weak ends 12.9 -> 10.0 %, exact rhymes 92.5 -> 96.7 %, end words under Zipf 4
# 15.8 -> 7.9 %
FREE_ROUNDS = 2
RHYME_STRENGTH = 3.0  # log-prob bonus steering the last word onto a rhyme (see decode.rhyme_bias)
EXACT_BONUS = 1.0  # reranker score an exact rhyme gets over a near one in the same round
MIN_PARTNERS = 8  # a rhyme word that opens a letter needs this many common partners in the word list
THEME_BIAS = 1.0  # log-prob bonus for word-start tokens of theme words
PLAN_THEME_WEIGHT = 0.5  # with a plan the keywords are in the prompt and the end words: a lighter nudge
# log-prob cost of opening a line with the previous line's first token: the format-3 adapter opened 38 % of
# a stanza's consecutive lines with the same word ("I am … / I am … / I am …"), real songs 8 %; at 1.5, 10 %
# on 20 dev prompts (base-model NLL 4.88 -> 4.87, distinct-2 0.776 -> 0.803)
OPENER_PENALTY = 1.5
REPEAT_PENALTY = 1.5  # log-prob cost of a content word's first token once a line of the section used it
TEMPERATURE = 0.9  # sampling temperature of a line's first round (each later round adds TEMPERATURE_STEP)
TEMPERATURE_STEP = 0.05
# a line whose chosen candidate reaches its end word this unlikely (nats, `endscore`: "I've been on the dance
# floor for wall") is written again on the try's next end word, at most END_RETRIES times; the likelier of
# the two lines is kept. At -16 / -14, weak line ends on 20 dev prompts 27.1 -> 16.7 / 13.8 % (real songs
# 16.5 %; `benchmarks/lyrics.py`). A second retry cut them only to 13.3 % (one: 14.6 %) for 17 % more
# lyrics time
END_RETRY = -14.0
END_RETRIES = 1


def _theme_bias(lm, theme: list[str], weight: float = 1.0) -> torch.Tensor:
    """Additive bias over the sub-vocabulary favouring the first token of each theme word."""
    bias = torch.zeros(len(lm.sub_ids))
    pos = lm.sub_pos  # token id -> sub-vocabulary position (built once per model)
    for w in theme:
        for form in (f" {w}",):
            ids = lm.tokenizer.encode(form, add_special_tokens=False)
            if ids and ids[0] in pos:
                bias[pos[ids[0]]] = THEME_BIAS * weight
    return bias


def _opener_bias(lm, prev_ids: list[int] | None) -> torch.Tensor | None:
    """Sub-vocabulary bias against opening a line with the previous line's first token ("I am … / I am …")."""
    if not prev_ids or OPENER_PENALTY <= 0 or prev_ids[0] not in lm.sub_pos:
        return None
    b = torch.zeros(len(lm.sub_ids))
    b[lm.sub_pos[prev_ids[0]]] = -OPENER_PENALTY
    return b


def _line_text(words: list[str], ids: list[int], tokenizer) -> str:
    """The printed line: decoded tokens, first letter and sentence starts capitalised, 'i' as 'I'."""
    return printed_line(tokenizer.decode(ids))


def forbidden_finals(words: WordTable, others: list[str], finals: list[str]) -> frozenset[str]:
    """Words that may not end the next line: other rhymes, the finals, homophones, inflections, names."""
    out = set(names())
    for p in {p for o in others for p in rhyming_parts(o)}:
        out.update(words.by_part.get(p, ()))
    for b in {f.replace("'", "") for f in finals}:
        out.update(words.by_bare.get(b, ()))
    for f in finals:  # mile … miles, watch … watches: an inflection of an earlier end word is no new end
        out.update(words.inflections(f))
    for f in finals:  # sea … see, morning … mourning: the same sound is no rhyme
        out.update(w for w in words.rhyme_words(f) if homophones(w, f))
    return frozenset(out)


def shared_opening(lm, ids: list[int]) -> int:
    """How many of a prompt's first ids are the system turn every section prompt opens with (else 0)."""
    system = lm.tokenizer.encode(SYSTEM, add_special_tokens=False)
    return len(system) if ids[:len(system)] == system else 0


def section_prompt(lm, section: str, syllables: list[int], scheme: str, keywords: list[str],
                   ends: list[str] | None) -> str:
    """The prompt the model reads for a section, in the format its adapter was trained on.

    Format 2 names each line's end word (`ends`); format 3 only the topic (each line's header names its end
    word, `line_start`); without `ends`, or for a format-1 adapter, the old prompt.
    """
    if getattr(lm, "prompt_format", 1) == 3:
        return format_lines_prompt(section, keywords, len(syllables))
    if ends is not None and getattr(lm, "prompt_format", 1) == 2:
        return format_plan_prompt(section, keywords, syllables, ends)
    return format_prompt(section, syllables, scheme, keywords)


def line_start(lm, cache, logp, syllables: int, finals: frozenset[str] | None, tried: set[str],
               rank=None, pending: list[int] | None = None, prior: float | None = None) -> tuple | None:
    """What the next line is sampled after: (cache, log-probs, header ids, allowed end words).

    For a format-3 model the line opens with a header naming its syllables and one end word, never a
    dangling or weak one, not yet in `tried` (which it joins): the first of `finals` by `rank` (a word ->
    sort key; None: alphabetical), or, with `prior` > 0 (None: `PRIOR_WEIGHT`), of its `PRIOR_TOP` first
    the one whose plan score (`rank.plan`, if it has one) plus `prior` × the model's log-prob of it in the
    header (`endprior`) is highest. None when every word was tried. `finals` None: a header without an
    end word. Other formats: no header. `pending`: ids of the previous line not yet in `cache`, run before
    the header (format 3 only: other formats take `cache` and `logp` as they are).
    """
    if getattr(lm, "prompt_format", 1) != 3:
        return cache, logp, [], finals
    pending = pending or []
    prior = PRIOR_WEIGHT if prior is None else prior
    end = None
    opened = None  # (opening ids, cache after them) when the prior read the header's opening
    if finals is not None:
        # a pronoun or conjunction would end every candidate of the try dangling ("… summer they")
        left = sorted((w for w in finals - tried if w not in DANGLING and w not in WEAK_FINALS),
                      key=rank or (lambda w: w))
        if not left:
            return None
        end = left[0]
        if prior > 0 and len(left) > 1:
            opening = header_opening(lm, syllables)
            ocache, olast = lm.prefill([*pending, *opening], cache)
            top = left[:PRIOR_TOP]
            lp = end_word_prior(lm, ocache, olast, top)
            plan = getattr(rank, "plan", None)
            end = max(top, key=lambda w: (plan(w) if plan else 0.0) + prior * lp[w])
            opened = opening, ocache
        tried.add(end)
    head = lm.tokenizer.encode(line_head(syllables, end), add_special_tokens=False)
    if opened is not None and head[:len(opened[0])] == opened[0]:  # the header goes on from its opening
        hcache, hlogp = lm.prefill(head[len(opened[0]):], opened[1])
    else:
        hcache, hlogp = lm.prefill([*pending, *head], cache)
    return hcache, hlogp, head, None if end is None else frozenset({end})


def _prefer_exact(rerank: Reranker | None, exact: frozenset[str] | None, allowed: frozenset[str] | None,
                  loose: frozenset[str]):
    """The candidate picker: `rerank`, with `EXACT_BONUS` for an exact rhyme where near ones are allowed."""
    if rerank is None or not exact or not allowed or not (allowed & loose):
        return rerank
    return lambda cands: rerank(cands, bonus=[EXACT_BONUS * (c.words[-1] in exact) for c in cands])


class EndRank:
    """Sort key of candidate end words: the plan's score (best first), then the word's frequency."""

    def __init__(self, words: WordTable, wplan: WordPlan | None) -> None:
        self.words, self.pl = words, wplan.planner if wplan is not None else None

    def plan(self, w: str) -> float:
        """The word's score in the song's plan (0 for a word the plan does not know)."""
        pl = self.pl
        return float(pl.score[pl.pool.index[w]]) if pl is not None and w in pl.pool.index else 0.0

    def __call__(self, w: str) -> tuple[float, float, str]:
        """The sort key: best plan score first, then the commoner word."""
        return -self.plan(w), -float(self.words.freq.get(w, 0)), w


def end_rank(words: WordTable, wplan: WordPlan | None) -> EndRank:
    """Sort key of candidate end words (`EndRank`)."""
    return EndRank(words, wplan)


def write_section(lm, sec: SectionPlan, theme: list[str], used: set[str], *, gen: torch.Generator,
                  words: WordTable, banned: frozenset[str], batch: int = BATCH,
                  stats: dict | None = None, planned: SectionWords | None = None,
                  wplan: WordPlan | None = None, rerank: Reranker | None = None,
                  ender: EndScorer | None = None) -> list[str]:
    """The lines of one section (each exact in syllables, rhyming as `sec.rhyme` asks).

    With `planned` words (from `wplan`) a line that opens a rhyme letter first ends freely on a common
    word with enough rhymes (`FREE_ROUNDS`; a chorus's first line on the hook), then on one of its planned
    options; a rhyming line on one of the best related rhymes of its partner; then on any rhyme; then
    freely. `rerank` chooses among each line's candidates; `ender` (the one `rerank` scores
    ends with) reads the section's lines as they are written, and a line whose end is bent (`END_RETRY`)
    is written again on the next end word its tries allow.
    """
    n = len(sec.syllables)
    scheme = parse_scheme(sec.rhyme, n)
    sampler = LineSampler(words, lm.tokens)
    rank = end_rank(words, wplan)
    common = common_end_words() if planned is not None else None  # what a planned song's lines may end on
    prompt = section_prompt(lm, sec.type, sec.syllables, scheme, planned.keywords if planned else theme,
                            planned.ends if planned else None)
    ids = lm.tokenizer.encode(prompt, add_special_tokens=False)
    cache, logp = lm.prefill_prompt(ids, shared_opening(lm, ids))
    pending: list[int] = []  # the last line's ids not yet run (with the next line's header)
    bias = _theme_bias(lm, planned.keywords, PLAN_THEME_WEIGHT) if planned else _theme_bias(lm, theme)
    if rerank is not None:
        rerank.new_section()
    if ender is not None:
        ender.new_section()
    lines: list[str] = []
    finals: list[str] = []
    starts: list[tuple[str, ...]] = []
    prev_ids: list[int] | None = None  # the previous line's tokens (its first one is not the next line's)
    for i, syl in enumerate(sec.syllables):
        letter = scheme[i]
        first = next((j for j in range(i) if scheme[j] == letter and letter != "X"), None)
        others = [finals[j] for j in range(i) if scheme[j] != letter or letter == "X"]
        forbidden = forbidden_finals(words, others, finals)
        recurs = letter != "X" and letter in scheme[i + 1:]
        spec = LineSpec(syl, finals=None, forbidden_finals=forbidden,
                        min_partners=MIN_PARTNERS if recurs else 0, used_lines=frozenset(used), banned=banned,
                        used_starts=frozenset(starts), search_tail=False,  # the rounds widen the search
                        free_finals=common)
        rhyme_set = None if first is None else words.rhyme_words(finals[first]) - forbidden
        loose: frozenset[str] = frozenset()  # near rhymes a round may end on (the reranker prefers exact)
        tries: list[frozenset[str] | None] = []
        hook: frozenset[str] | None = None  # the chorus hook's tries (never rewritten for an echo)
        if planned is not None and wplan is not None:
            known = frozenset(words.syl) - forbidden
            # the end word the plan names for the line joins its planned options
            told = planned.ends[i] if planned.ends[i] in known else None
            if first is None:
                if sec.type == "chorus" and i == 0 and wplan.hook in known:
                    hook = frozenset({wplan.hook})
                    tries += [hook] * PLAN_ROUNDS  # the chorus opens on its hook
                else:
                    tries += [None] * FREE_ROUNDS  # its own end word first, then the planned ones
                opts = planned.options[i] & known if planned.options else frozenset()
                opts |= {told} if told else set()
                tries += [opts] * ROUNDS if opts else []
            else:
                good = wplan.rhymes_for(finals[first], max(1, syl - 1)) & known
                if planned.near[i] and finals[first] == planned.ends[first] and planned.ends[i] in known:
                    good |= {planned.ends[i]}  # a planned near rhyme (capped share, see wordplan)
                # the first rounds may also end on any exact rhyme, or on a near one while the song's share
                # allows: the model's own choice among many, instead of a forced word ("dance … sheep")
                if wplan.near_left() > 0:
                    loose = words.near_words(finals[first]) & common - forbidden
                good |= (rhyme_set or frozenset()) & common | loose
                tries += [good] * ROUNDS if good else []
        planned_tries = len(tries)
        if rhyme_set:
            tries += [rhyme_set] * ROUNDS
        elif first is None:
            tries += [None] * ROUNDS
        tries += [None] * 3  # give up on the rhyme rather than on the syllable count
        got = None
        tried: set[str] = set()
        opener = _opener_bias(lm, prev_ids)  # the same for every try of this line
        bent: tuple | None = None  # the likeliest line set aside for a bent end: (end log-prob, its take)
        retries = END_RETRIES if ender is not None and rerank is not None else 0
        for r, finals_set in enumerate(tries):
            if bent is not None and r >= len(tries) - 3:
                break  # the line set aside keeps its rhyme: better than a last-resort try without one
            is_hook = hook is not None and finals_set is hook
            # the hook's second round writes toward the same word again (a chorus opens on its hook)
            start = line_start(lm, cache, logp, syl, finals_set, set() if is_hook else tried, rank, pending)
            if start is None:
                continue  # format 3: every word of this set was tried
            hcache, hlogp, _, spec.finals = start
            if finals_set is None and first is not None and stats is not None and r == len(tries) - 3:
                stats["relaxed_rhymes"] = stats.get("relaxed_rhymes", 0) + 1
            if finals_set is None:
                spec.min_partners = spec.min_partners if r < len(tries) - 2 else 0
            n_cand = batch * (4 if r == len(tries) - 1 else 1 + r % 2)  # the last try casts a wide net
            got = sample_line(lm, hcache, hlogp + bias, spec, sampler, batch=n_cand, gen=gen,
                              temperature=TEMPERATURE + TEMPERATURE_STEP * r,
                              rhyme_strength=RHYME_STRENGTH * (1 + min(r, 3)),
                              pick=_prefer_exact(rerank, rhyme_set, finals_set, loose),
                              word_bias=bias if planned is not None else None,
                              first_bias=opener)
            if got is not None and echo_end(" ".join(got.words)) and r < len(tries) - 3 \
                    and (hook is None or finals_set is not hook):
                # every candidate bolted the end word onto a clause that said it already ("crying cried"):
                # another end word, unless only the last-resort tries are left (or it is the chorus's hook)
                if stats is not None:
                    stats["echo_ends_retried"] = stats.get("echo_ends_retried", 0) + 1
                got = None
                continue
            if got is None:
                continue
            take = (got, r, spec.finals, rerank.chosen_vec if rerank is not None else None)
            end = rerank.last_end if rerank is not None else 0.0
            if bent is not None and bent[0] > end:
                end, take = bent  # the line set aside reached its end more naturally
            if end < END_RETRY and retries > 0 and r + 1 < len(tries) - 3 \
                    and (not is_hook or tries[r + 1] is hook):
                # the end word is bolted on ("… the dance floor for wall"): the next end word this line allows
                # (the hook line: the hook again, never another word)
                retries -= 1
                bent = (end, take)
                if stats is not None:
                    stats["bent_ends_retried"] = stats.get("bent_ends_retried", 0) + 1
                got = None
                continue
            break
        if got is None and bent is not None:
            take = bent[1]  # the later tries wrote nothing: the line set aside
        elif got is None:
            raise ModelError(f"the lyrics model could not write a {syl}-syllable line for a {sec.type} "
                             f"in {len(tries)} tries; try another --seed or adapter")
        got, r, spec.finals, vec = take
        if stats is not None and planned is not None:
            # a line of the free rounds ended on a word of its own, not a planned one
            key = "unplanned_ends" if r >= planned_tries or tries[r] is None else "planned_ends"
            stats[key] = stats.get(key, 0) + 1
        if rerank is not None:
            rerank.chosen_vec = vec
            rerank.accept()
        ids, ws = got.ids, got.words
        prev_ids = ids
        exact = rhyme_set or frozenset()
        if stats is not None and first is not None and spec.finals is not None and ws[-1] not in exact:
            stats["near_rhymes"] = stats.get("near_rhymes", 0) + 1  # a near rhyme (capped share)
        if ws[-1] in loose and wplan is not None:
            wplan.took_near()
        line = _line_text(ws, ids, lm.tokenizer)
        if ender is not None:
            ender.accept(line)
        lines.append(line)
        finals.append(ws[-1])
        if wplan is not None:
            wplan.take(ws[-1])
        used.add(" ".join(ws))
        starts.append(tuple(ws[:START_WORDS]))
        if getattr(lm, "prompt_format", 1) == 3:  # the header and the line from the batch's own rows
            cache, pending = got.rows_after()
        else:
            cache, logp = got.cache_after(lm)
        if planned is not None:  # a section says a content word once: no "summer … summer's … summer"
            bias = bias - REPEAT_PENALTY * _theme_bias(lm, [w for w in ws if w not in STOPWORDS], 1.0)
    return lines
