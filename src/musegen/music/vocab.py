"""The music vocabulary: a REMI-family lead-sheet layout, written down as named values.

Token names follow miditok's ``Type_value`` convention. Everything is in a *normalised key*: a major
song is transposed so its tonic is C, a minor song so its tonic is A (both share the white-key scale);
`musegen.music.tokenizer` transposes back at decode. Time is on a 16th-note grid (`STEP` ticks).

A song is one stream::

    BOS Mode_m Tempo_t Meter_n/d Style_s             header (conditioning; HEADER_LEN tokens)
    Section_s                                         each section starts with its type …
      Bar Position_0 Chord_c                          … each bar with the chord sounding at its start
        [Position_p [Chord_c] [Phrase_n PBars_b] [Pitch_p Duration_d [Syl_s]]] …
    … EOS

- ``Syl_s`` announces the syllable the *next* note will carry: it follows the Section token (for the
  section's first note) and each note's Duration (for the note after it in the section), so the model
  knows the syllable before it picks that note's position and pitch. s is ``S``/``U`` (a primary-stressed
  / unstressed syllable; CMU secondary stress counts as unstressed) with ``W`` when the syllable starts a
  word, ``M`` (a melisma note: it continues the previous syllable) or ``X`` (unknown: POP909 and
  Nottingham have no lyrics, and melodies generated without lyrics use it too);

- ``Chord_c`` only at the bar start (always) or at the half bar (only when the chord changes);
- ``Phrase_n PBars_b`` comes right before the first note of a sung phrase: n notes in the phrase,
  spanning b bars (the plan's phrase targets);
- ``Pitch Duration`` is a note; the line is monophonic (a note ends before the next one starts).
"""

from __future__ import annotations

from musegen.theory import CHORD_QUALITIES
from musegen.types import PPQ, SECTION_TYPES

STEP = PPQ // 4  # ticks per grid position (a 16th note)
MAX_POSITIONS = 24  # positions per bar: up to 6/4 or 12/8
PITCH_LO, PITCH_HI = 36, 96  # normalised pitches kept (others are folded by octaves)
DURATIONS = (*range(1, 17), 18, 20, 24, 28, 32)  # note lengths in grid steps (16ths)
MAX_PHRASE_NOTES = 32
MAX_PHRASE_BARS = 8
TEMPO_EDGES = (72, 88, 104, 120, 140)  # quarter BPM bin edges -> 6 bins
METERS = ((4, 4), (3, 4), (2, 4), (6, 8))
QUALITIES = tuple(CHORD_QUALITIES)  # "", "m", "dim", … (musegen.theory spelling)
MODES = ("major", "minor")
STYLES = ("pop", "folk", "other")  # POP909, OpenEWLD, user songs: pop; Nottingham, hymns: folk; other: unused
HEADER_LEN = 5

SPECIALS = ("PAD", "BOS", "EOS")
SYLLABLES = ("X", "M", "S", "U", "SW", "UW")  # appended last, so the older token ids keep their values


def _build() -> list[str]:
    toks = list(SPECIALS)
    toks += [f"Mode_{m}" for m in MODES]
    toks += [f"Tempo_{i}" for i in range(len(TEMPO_EDGES) + 1)]
    toks += [f"Meter_{n}/{d}" for n, d in METERS]
    toks += [f"Style_{s}" for s in STYLES]
    toks += [f"Section_{s}" for s in SECTION_TYPES]
    toks += ["Bar"]
    toks += [f"Position_{p}" for p in range(MAX_POSITIONS)]
    toks += ["Chord_NC"] + [f"Chord_{r}:{q}" for r in range(12) for q in QUALITIES]
    toks += [f"Phrase_{n}" for n in range(1, MAX_PHRASE_NOTES + 1)]
    toks += [f"PBars_{b}" for b in range(1, MAX_PHRASE_BARS + 1)]
    toks += [f"Pitch_{p}" for p in range(PITCH_LO, PITCH_HI + 1)]
    toks += [f"Duration_{d}" for d in DURATIONS]
    toks += [f"Syl_{s}" for s in SYLLABLES]
    return toks


TOKENS: tuple[str, ...] = tuple(_build())
INDEX: dict[str, int] = {t: i for i, t in enumerate(TOKENS)}
VOCAB_SIZE = len(TOKENS)

PAD, BOS, EOS, BAR = INDEX["PAD"], INDEX["BOS"], INDEX["EOS"], INDEX["Bar"]


def _span(prefix: str) -> range:
    ids = [i for t, i in INDEX.items() if t.startswith(prefix)]
    assert ids == list(range(ids[0], ids[-1] + 1)), prefix  # every group is contiguous
    return range(ids[0], ids[-1] + 1)


MODE = _span("Mode_")
TEMPO = _span("Tempo_")
METER = _span("Meter_")
STYLE = _span("Style_")
SECTION = _span("Section_")
POSITION = _span("Position_")
CHORD = _span("Chord_")
PHRASE = _span("Phrase_")
PBARS = _span("PBars_")
PITCH = _span("Pitch_")
DURATION = _span("Duration_")
SYL = _span("Syl_")
SYL_X, SYL_M = SYL[0], SYL[1]
# the stress a syllable-start Syl token announces (1 stressed, 0 unstressed); Syl_X and Syl_M have none
SYL_STRESS: dict[int, int] = {SYL[2]: 1, SYL[3]: 0, SYL[4]: 1, SYL[5]: 0}  # Syl_S, Syl_U, Syl_SW, Syl_UW

assert (
    3 + 2 + 6 + 4 + 3 + 6 + 1 + MAX_POSITIONS + 1 + 12 * len(QUALITIES) + 32 + 8 + 61 + len(DURATIONS)
    + len(SYLLABLES)
    == VOCAB_SIZE
)
assert PAD == 0 and TOKENS[BAR] == "Bar"


def mode_token(mode: str) -> int:
    """Token of a mode name."""
    return MODE[MODES.index(mode)]


def tempo_token(bpm: float) -> int:
    """Token of the tempo bin that holds `bpm`."""
    return TEMPO[sum(bpm >= e for e in TEMPO_EDGES)]


def meter_token(meter: tuple[int, int]) -> int:
    """Token of a meter; meters outside `METERS` use the closest trained one by pulse."""
    num, den = meter
    if (num, den) in METERS:
        return METER[METERS.index((num, den))]
    if den == 8 and num % 3 == 0:
        return METER[METERS.index((6, 8))]
    if num % 3 == 0:
        return METER[METERS.index((3, 4))]
    return METER[METERS.index((4, 4))]


def style_token(style: str) -> int:
    """Token of a corpus style ("pop", "folk"; anything else is "other")."""
    return STYLE[STYLES.index(style if style in STYLES else "other")]


SOURCE_STYLE = {"pop909": "pop", "nottingham": "folk", "openewld": "pop", "openhymnal": "folk"}


def section_token(kind: str) -> int:
    """Token of a section type."""
    return SECTION[SECTION_TYPES.index(kind)]


def position_token(pos: int) -> int:
    """Token of a grid position within the bar."""
    return POSITION[pos]


def chord_token(root: int | None, quality: str = "") -> int:
    """Token of a chord in the normalised key (root None = no chord)."""
    if root is None:
        return CHORD[0]
    return CHORD[1 + (root % 12) * len(QUALITIES) + QUALITIES.index(quality)]


def chord_of(tok: int) -> tuple[int, str] | None:
    """(root, quality) of a chord token (None for no chord)."""
    k = tok - CHORD[0]
    if k == 0:
        return None
    return (k - 1) // len(QUALITIES), QUALITIES[(k - 1) % len(QUALITIES)]


def duration_token(steps: int) -> int:
    """Token of the representable duration closest to `steps` grid steps."""
    best = min(range(len(DURATIONS)), key=lambda i: (abs(DURATIONS[i] - steps), DURATIONS[i]))
    return DURATION[best]


def duration_of(tok: int) -> int:
    """Grid steps of a duration token."""
    return DURATIONS[tok - DURATION[0]]


def syl_token(stress: int | None, word_start: bool = False, melisma: bool = False) -> int:
    """Token of the syllable a note carries: CMU stress (1 primary; 0/2 unstressed), None = unknown."""
    if melisma:
        return SYL_M
    if stress is None:
        return SYL_X
    name = ("S" if stress == 1 else "U") + ("W" if word_start else "")
    return SYL[SYLLABLES.index(name)]


def value(tok: int) -> int:
    """Integer value of a Position/Phrase/PBars/Pitch token."""
    for group, base in ((POSITION, 0), (PHRASE, 1), (PBARS, 1), (PITCH, PITCH_LO)):
        if tok in group:
            return tok - group[0] + base
    raise ValueError(f"token {TOKENS[tok]} has no integer value")


def describe(tokens: list[int]) -> str:
    """Readable text of a token list, for debugging."""
    return " ".join(TOKENS[t] for t in tokens)
