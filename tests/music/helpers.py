"""Tiny models and small lead sheets built in the tests (no data files needed)."""

from __future__ import annotations

import torch

from musegen.music import vocab as V
from musegen.music.model import MusicConfig, MusicTransformer
from musegen.music.tokenizer import LeadSheet
from musegen.theory import Key
from musegen.types import ChordEvent, Note, SectionMusic, SectionPlan, SongPlan


def tiny_model(seed: int = 0) -> MusicTransformer:
    """The debug model: same builder as the real one, 2 layers, width 16, random weights."""
    torch.manual_seed(seed)
    return MusicTransformer(MusicConfig.tiny(V.VOCAB_SIZE)).eval()


def small_sheet(key: str = "E minor", meter: tuple[int, int] = (4, 4)) -> LeadSheet:
    """Two sections: an instrumental intro and a verse of two phrases with a half-bar chord change."""
    bar = 480 * 4 * meter[0] // meter[1]
    half = bar // 2 if meter[0] % 2 == 0 else None
    k = Key.parse(key)
    tonic = 52 + k.tonic % 12
    intro_chords = [ChordEvent(0, bar, "Em"), ChordEvent(bar, bar, "C")]
    notes = [
        Note(0, 240, tonic),
        Note(240, 240, tonic + 2),
        Note(480, 480, tonic + 3),
        Note(bar, 720, tonic + 7),
        Note(2 * bar + 120, 120, tonic + 5),
        Note(2 * bar + 240, 360, tonic + 3),
        Note(3 * bar, 480, tonic),
    ]
    verse_chords = [ChordEvent(0, bar, "Em")]
    if half:
        verse_chords += [ChordEvent(bar, half, "Am7"), ChordEvent(bar + half, half, "B7")]
    else:
        verse_chords += [ChordEvent(bar, bar, "B7")]
    verse_chords += [ChordEvent(2 * bar, 2 * bar, "Em")]
    secs = [
        SectionMusic("intro", 2, [], intro_chords, []),
        SectionMusic("verse", 4, notes, verse_chords, [4, 3]),
    ]
    return LeadSheet(k, 100.0, meter, secs, name="test")


def small_plan(**kw) -> SongPlan:
    """A short plan: intro, verse (two lines), chorus, chorus repeat, outro."""
    secs = kw.pop("sections", None) or [
        SectionPlan("intro", 2),
        SectionPlan("verse", 4, syllables=[6, 7], phrase_notes=[6, 8]),
        SectionPlan("chorus", 4, syllables=[5, 5, 5], phrase_notes=[5, 5, 6], phrase_bars=[1, 1, 2]),
        SectionPlan(
            "chorus", 4, syllables=[5, 5, 5], phrase_notes=[5, 5, 6], phrase_bars=[1, 1, 2], repeat_of=2
        ),
        SectionPlan("outro", 2),
    ]
    args = {
        "title": "t",
        "mood": "test",
        "key": "A",
        "mode": "minor",
        "tempo": 92.0,
        "meter": (4, 4),
        "sections": secs,
    }
    args.update(kw)
    return SongPlan(**args)
