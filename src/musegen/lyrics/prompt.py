"""The structured prompt the lyrics model is fine-tuned on and prompted with (one format for both)."""

from __future__ import annotations

import re

# chat-format markers of SmolLM2 (ChatML); the fine-tune keeps the base model's format
USER = "<|im_start|>user\n"
ASSISTANT = "<|im_start|>assistant\n"
END = "<|im_end|>"
# format 2's system turn: without one, SmolLM2's chat template implies its "helpful AI assistant", and
# lines drift into that register ("Click here to see …", "Synonyms for the word …"). On 20 prompts of our
# own (not the held-out set; benchmarks/lyrics.py measures): assistant-register lines 3.3 % -> 1.3 %,
# base-model NLL per token 4.94 -> 4.91, prompt retrieval 0.85 -> 0.90 (a shorter wording without "about
# exactly what the user asks for": 2.5 %, 5.00, 0.90).
SYSTEM = ("<|im_start|>system\nYou are a songwriter. You write song lyrics about exactly what the user asks "
          "for, in plain, modern, heartfelt words, and reply with the lyric lines only.<|im_end|>\n")

STOPWORDS = frozenset({
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as",
    "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
    "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
    "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my",
    "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
    "yours", "yourself", "yourselves", "thou", "thee", "thy", "thine", "ye", "hath", "doth", "art",
    "shall", "unto", "upon", "o", "oh", "song", "songs", "lyric", "lyrics", "write", "like",
    "make", "made", "one", "two", "three", "let", "yet", "shalt", "wilt", "dost", "thus",
    "song's"
})


def theme_words(text: str, limit: int = 4) -> list[str]:
    """Content words of a mood prompt or stanza, in order of appearance, without repeats."""
    out: list[str] = []
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) >= 3 and w not in STOPWORDS and w not in out:
            out.append(w)
    return out[:limit]


def format_prompt(section: str, syllables: list[int], rhyme: str, theme: list[str]) -> str:
    """The user turn plus the assistant header; the lines follow, each ending in a newline."""
    head = (
        f"Write a song {section} of {len(syllables)} lines.\n"
        f"Theme: {', '.join(theme) if theme else 'free'}\n"
        f"Syllables: {', '.join(str(s) for s in syllables)}\n"
        f"Rhyme: {rhyme}"
    )
    return f"{USER}{head}{END}\n{ASSISTANT}"


def format_example(section: str, lines: list[str], syllables: list[int], rhyme: str,
                   theme: list[str]) -> tuple[str, str]:
    """(prompt, completion) of one training example (format 1: the old adapter's)."""
    return format_prompt(section, syllables, rhyme, theme), "".join(f"{x}\n" for x in lines) + END


def format_plan_prompt(section: str, about: list[str], syllables: list[int], ends: list[str]) -> str:
    """Format 2: a songwriter system turn, then the topic words and each line's syllables and end word.

    The model writes each line toward its planned end word (Pasini et al. 2024; Hafez) instead of having
    a rhyme forced onto its last token.
    """
    rows = "\n".join(f"Line {i + 1}: {n} syllables · ends with: {e}"
                      for i, (n, e) in enumerate(zip(syllables, ends, strict=True)))
    head = f"Write a song {section} about {', '.join(about) if about else 'life'}.\n{rows}"
    return f"{SYSTEM}{USER}{head}{END}\n{ASSISTANT}"


def format_plan_example(section: str, lines: list[str], syllables: list[int], ends: list[str],
                        about: list[str]) -> tuple[str, str]:
    """(prompt, completion) of one format-2 training example."""
    return format_plan_prompt(section, about, syllables, ends), "".join(f"{x}\n" for x in lines) + END


def format_lines_prompt(section: str, about: list[str], n_lines: int) -> str:
    """Format 3: the songwriter system turn and the topic words; each line then opens with `line_head`."""
    head = f"Write a song {section} about {', '.join(about) if about else 'life'}. {n_lines} lines."
    return f"{SYSTEM}{USER}{head}{END}\n{ASSISTANT}"


def line_head(syllables: int, end: str | None) -> str:
    """Format 3's header before a line: its syllables and (None: a free line) its end word.

    The end word sits right before the line it ends instead of a prompt row away (Pasini et al. 2024 put
    the rhyme word at the start of each line), so even a short fine-tune writes toward it.
    """
    return f"({syllables} syllables, ends with {end})\n" if end else f"({syllables} syllables)\n"
