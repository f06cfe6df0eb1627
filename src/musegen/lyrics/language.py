"""The lyrics model writes English only: what to say when a prompt is in another language."""

from __future__ import annotations


def prompt_reading(prompt: str) -> tuple[str, str | None]:
    """(English text to plan the words from, a note when the prompt is not English else None)."""
    from musegen.plan.language import read_prompt

    r = read_prompt(prompt)
    if r.language in ("English", "emoji"):
        return r.text, None
    return r.text, (f"the prompt is in {r.language}; the lyrics model writes English only, so the lyrics "
                    f"are English, about {', '.join(r.glossed) or 'the prompt'}")
