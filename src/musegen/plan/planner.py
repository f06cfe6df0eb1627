"""Mood prompt (or the user's lyrics) → `SongPlan`. Every attribute can be overridden by the caller."""

from __future__ import annotations

import random
import re

from musegen.errors import InputError
from musegen.plan.form import (
    FORMS,
    choose_layout,
    link_repeats,
    parse_bars,
    parse_form,
    phrase_bars_for,
    section_phrase_bars,
    sung_section,
)
from musegen.plan.instruments import Request, apply_request, lexicon, parse_instrument_list, read_instruments
from musegen.plan.language import read_prompt, title_from_prompt
from musegen.plan.mood import load_table, mood_attributes, style_scores, word_genres
from musegen.theory import Key
from musegen.types import INSTRUMENTAL_SECTIONS, SECTION_TYPES, Lyrics, SectionPlan, SongPlan

MAJOR_KEYS = ("C", "D", "Eb", "E", "F", "G", "A", "Bb")
MINOR_KEYS = ("A", "B", "C", "D", "E", "F#", "G")
TEMPO_RANGE = (30.0, 260.0)
# The sung line's register, for the voice that sings it (hibari af_heart, musegen.sing): Whisper tiny.en
# word error rate on the same songs with the line moved as a whole (benchmarks/vocals.py measures, dev songs):
# a lullaby 0.178 / 0.170 / 0.347 with its median at A3 / D4 / G4, a ballad 0.075 / 0.058 / 0.075 / 0.092
# at G3 / B3 / Eb4 / G4; peaks at C5 blur ("moon" heard "mine"). A genre's range (a human tessitura) whose
# middle is above VOICE_MIDDLE is moved down to it, keeping its span, and its top is kept at VOICE_TOP.
VOICE_MIDDLE = 62  # D4
VOICE_TOP = 71  # B4
AMBIGUOUS = 0.03  # two genres this close in similarity: the prompt fits both, say which was chosen
WORD_GENRE = 0.62  # one word this close to a clashing genre: a mixed request, say which was chosen


def parse_meter(meter: str | tuple[int, int]) -> tuple[int, int]:
    """"3/4" or (3, 4) → (3, 4); only meters the arranger and alignment know."""
    if isinstance(meter, str):
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", meter)
        if not m:
            raise InputError(f"--meter {meter!r}: expected e.g. 4/4, 3/4 or 6/8")
        meter = (int(m.group(1)), int(m.group(2)))
    if tuple(meter) not in ((4, 4), (3, 4), (2, 4), (6, 8), (12, 8)):
        raise InputError(f"--meter {meter[0]}/{meter[1]}: supported meters are 4/4, 3/4, 2/4, 6/8, 12/8")
    return (int(meter[0]), int(meter[1]))


def parse_key(key: str, mode: str | None = None) -> tuple[str, str | None]:
    """"A", "A minor", "Am" → (tonic name, mode or None when the text gave none)."""
    k = Key.parse(key if mode is None else f"{key.split()[0]} {mode}")
    t = key.strip()
    explicit = mode is not None or len(t.split()) == 2 or (t.endswith("m") and len(t) > 1)
    return k.name, (k.mode if explicit else None)


def make_plan(prompt: str, *, key: str | None = None, mode: str | None = None, tempo: float | None = None,
              meter: str | tuple[int, int] | None = None, form: str | list[str] | None = None,
              bars: str | int | list[int] | None = None, style: str | None = None, seed: int | None = None,
              groove: str | None = None, drums: bool | None = None,
              instruments: dict[str, int] | str | None = None, phrase_bars: int | None = None) -> SongPlan:
    """Plan a song for a mood prompt (any language, emoji too).

    Genre, key, mode, tempo, meter, form, bars, lines, rhymes and instruments.

    `instruments` is a part → GM program dict, or a comma list of instrument words ("piano, upright bass,
    no drums") that sets the parts exactly; instruments named in the prompt override the genre's.
    """
    if not prompt or not prompt.strip():
        raise InputError("prompt: give a few words describing the mood, e.g. 'melancholic rainy night'")
    rng = random.Random(seed)
    attrs = mood_attributes(prompt)
    table = load_table()
    style_name, style_def, warnings = _pick_style(prompt, style, table.styles)
    reading = read_prompt(prompt)
    if reading.language not in ("English", "emoji"):
        warnings.append(f"the prompt is in {reading.language}: the mood was read from "
                        f"{', '.join(reading.glossed) or 'its words'}; the lyrics are written in English "
                        "(the lyrics model writes English only)")
    parts, drums_, more = _instruments(prompt, instruments, style_def, style_name)
    warnings += more

    # key and mode: minor for sad or dark moods; tonic is a seeded pick among singable keys
    key_mode = None
    if key is not None:
        tonic, key_mode = parse_key(key, mode)
    elif mode is not None:
        key_mode = Key.parse(f"C {mode}").mode
    sad = attrs["valence"] < 0 or (attrs["darkness"] > 0.6 and attrs["valence"] < 0.3)
    mode_ = key_mode or ("minor" if sad else "major")
    tonic = tonic if key is not None else rng.choice(MINOR_KEYS if mode_ == "minor" else MAJOR_KEYS)

    meter_ = parse_meter(meter) if meter is not None else tuple(style_def["meter"])
    lo, hi = style_def["tempo"]
    tempo_ = float(round(lo + (hi - lo) * attrs["energy"])) if tempo is None else float(tempo)
    if not TEMPO_RANGE[0] <= tempo_ <= TEMPO_RANGE[1]:
        lo_t, hi_t = TEMPO_RANGE
        raise InputError(f"--tempo {tempo}: choose a tempo between {lo_t:g} and {hi_t:g} BPM")

    groove_ = groove or style_def["groove"]
    if groove is None and attrs["swing"] > 0.65 and groove_ in ("straight", "folk") and meter_ == (4, 4):
        groove_ = "shuffle"
    if groove is None and meter_[0] == 3 and groove_ in ("straight", "folk", "four-on-floor"):
        groove_ = "waltz"
    from musegen.conductor.grooves import groove_names

    if groove_ not in groove_names():
        raise InputError(f"groove {groove_!r}: choose one of {', '.join(groove_names())}")

    forms = _forms(form, rng, attrs["energy"])
    form_ = forms[0]
    pb = phrase_bars or phrase_bars_for(meter_, tempo_)
    if bars is None:
        form_, bar_list = choose_layout(forms, meter_, tempo_, pb, rng, fixed_pb=phrase_bars is not None)
    else:
        b = parse_bars(bars, len(form_))
        bar_list = b if isinstance(b, list) else [
            max(2, b // 2) if t in INSTRUMENTAL_SECTIONS else (max(pb, b // 2) if t == "pre-chorus" else b)
            for t in form_]
    melisma_rate = 0.15 + 0.45 * (1.0 - attrs["energy"])
    sections = []
    for t, b in zip(form_, bar_list, strict=True):
        if t in INSTRUMENTAL_SECTIONS:
            sections.append(SectionPlan(type=t, bars=b))
        else:
            p = min(section_phrase_bars(t, b, pb, meter_, tempo_, phrase_bars is not None), b)
            sections.append(sung_section(t, b - b % p, p, meter_, attrs["energy"], melisma_rate, rng,
                                             tempo=tempo_))
    return SongPlan(
        title=title_from_prompt(prompt), mood=prompt.strip(), key=tonic, mode=mode_, tempo=tempo_,
        meter=meter_, sections=link_repeats(sections), style=style_name, groove=groove_,
        instruments=parts, drums=drums_ if drums is None else bool(drums),
        attributes={**attrs, "melisma_rate": round(melisma_rate, 3)},
        vocal_range=voice_range(tuple(style_def.get("vocal_range", (57, 76)))), warnings=warnings,
    )


def voice_range(genre_range: tuple[int, int]) -> tuple[int, int]:
    """The sung line's range (MIDI pitches) for a genre's vocal range.

    Moved down, span kept, until its middle is at most VOICE_MIDDLE; then its top cut to VOICE_TOP (never
    narrower than an octave).
    """
    lo, hi = genre_range
    down = max(0, -(-(lo + hi - 2 * VOICE_MIDDLE) // 2))  # ceil of (middle - VOICE_MIDDLE)
    lo, hi = lo - down, hi - down
    return lo, max(min(hi, VOICE_TOP), lo + 12)


def plan_from_lyrics(lyrics: Lyrics, prompt: str = "", **overrides) -> SongPlan:
    """A plan whose sung sections, lines and syllable counts are those of the user's lyrics.

    The mood (for key, tempo, style …) comes from `prompt`, or from the lyrics' own words when empty.
    An intro and an outro are added around the sung sections.
    """
    sung = [s for s in lyrics.sections if s.lines]
    if not sung:
        raise InputError("--lyrics: the file has no lyric lines; put lines under [Verse]/[Chorus] headers")
    mood = prompt.strip() or " ".join(line.text for line in sung[0].lines[:4])
    overrides.pop("form", None)
    bars_override = overrides.pop("bars", None)
    base = make_plan(mood, form="intro,verse,outro", **overrides)
    pb = overrides.get("phrase_bars") or phrase_bars_for(base.meter, base.tempo)
    quarters = pb * base.meter[0] * 4 / base.meter[1]
    rng = random.Random(overrides.get("seed"))
    intro, outro = base.sections[0], base.sections[-1]
    sections: list[SectionPlan] = [intro]
    for sec in lyrics.sections:
        syl = [max(1, len(line.syllables)) for line in sec.lines]
        if not syl:
            sections.append(SectionPlan(type=sec.type, bars=int(bars_override or 4)))
            continue
        # a line with more syllables than the phrase holds comfortably gets a longer phrase
        per_line = [pb * (2 if s > quarters * 2 - 2 else 1) for s in syl]
        repeat_of = None if sec.repeat_of is None else sec.repeat_of + 1  # +1: the intro comes first
        notes = [s + (1 if rng.random() < base.attributes["melisma_rate"] * 0.5 else 0) for s in syl]
        kind = sec.type if sec.type in SECTION_TYPES else "verse"
        sp = SectionPlan(type=kind, bars=sum(per_line), syllables=syl, rhyme="", phrase_bars=per_line,
                         phrase_notes=notes, repeat_of=repeat_of)
        if repeat_of is not None and sections[repeat_of].syllables == syl:
            src = sections[repeat_of]
            sp.phrase_notes, sp.phrase_bars, sp.bars = list(src.phrase_notes), list(src.phrase_bars), src.bars
        sections.append(sp)
    sections.append(outro)
    base.sections = sections
    base.title = title_from_prompt(prompt) if prompt.strip() else title_from_prompt(sung[0].lines[0].text)
    return base


def _pick_style(prompt: str, style: str | None, styles: dict) -> tuple[str, dict, list[str]]:
    """The genre (built-in arrangement style) nearest the prompt, or the one asked for; plus warnings."""
    if style in styles:
        return style, styles[style], []
    if style is not None:
        from musegen.styles.store import get_style

        get_style(style)  # raises InputError naming the style and listing what exists
    scores = style_scores(prompt)
    ranked = sorted(scores, key=lambda s: (-scores[s], s))
    name, second = ranked[0], ranked[1]
    warnings = []
    a, b = styles[name], styles[second]
    apart = a["tempo"][0] > b["tempo"][1] or b["tempo"][0] > a["tempo"][1] or a["drums"] != b["drums"]
    if style is None and scores[name] - scores[second] < AMBIGUOUS and apart:
        warnings.append(f"the prompt fits both {name} and {second}: chose {name} "
                        f"(similarity {scores[name]:.2f} vs {scores[second]:.2f}); pass --style to choose")
    elif style is None:  # one word pulling to a genre that cannot share the song ("dubstep lullaby")
        lex = lexicon()
        skip = set(lex["instruments"]) | {m for ms in lex["modifiers"].values() for m in ms}
        for word, g, score in word_genres(prompt, skip):
            x = styles[g]
            clash = x["tempo"][0] > a["tempo"][1] or a["tempo"][0] > x["tempo"][1] or x["drums"] != a["drums"]
            if g != name and score >= WORD_GENRE and clash:
                warnings.append(f"'{word}' points to {g}, the rest of the prompt to {name}: chose {name}; "
                                f"pass --style {g} for the other")
                break
    if style is not None:  # a fine-tuned style: its models, arranged like the nearest built-in genre
        return style, styles[name], []
    return name, styles[name], warnings


def _instruments(prompt: str, instruments: dict[str, int] | str | None, genre: dict,
                 name: str) -> tuple[dict[str, int], bool, list[str]]:
    """Parts (role → GM program) and drums: the genre's, then the prompt's words, then `instruments`."""
    parts, drums = dict(genre["instruments"]), bool(genre["drums"])
    if isinstance(instruments, dict):
        return dict(instruments), drums, []
    req = read_instruments(prompt)
    if isinstance(instruments, str):  # --instruments sets the parts exactly; it wins over the prompt
        given = parse_instrument_list(instruments)
        req = Request(named=given.named, removed=given.removed, only=True,
                      acoustic=given.acoustic or req.acoustic)
    return apply_request(parts, drums, req, name)


def _forms(form: str | list[str] | None, rng: random.Random, energy: float) -> list[tuple[str, ...]]:
    """Candidate forms: the user's one, or the stock forms in a seeded order (the layout picks one)."""
    if form is not None:
        return [parse_form(form if isinstance(form, str) else ",".join(form))]
    names = ["standard", "short", "double-chorus", "no-bridge"] + (["pre-chorus"] if energy >= 0.5 else [])
    rng.shuffle(names)
    return [FORMS[n] for n in names]
