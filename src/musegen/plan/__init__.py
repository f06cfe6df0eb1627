"""Mood prompt → `SongPlan` (key, mode, tempo, meter, form, phrase lengths, rhymes, instruments)."""

from musegen.plan.mood import mood_attributes, style_scores
from musegen.plan.planner import make_plan, parse_key, parse_meter, plan_from_lyrics

__all__ = ["make_plan", "mood_attributes", "parse_key", "parse_meter", "plan_from_lyrics", "style_scores"]
