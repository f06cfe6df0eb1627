"""What a song's words are about: its prompt without the words that only name its music.

"angry rebellious rock anthem" asks for a rock arrangement of an angry, rebellious song; planned from the
whole prompt, the end words and keywords came from "anthem" and "rock" (hymn, sing, sang, singer, king)
and the lines sang about singing ("When was the last time I sang hymns sing?"). The planner reads the
genre from the whole prompt (`musegen.plan`); the lyrics plan their words from what is left here.
"""

from __future__ import annotations

import re

# words that name a piece of music or its form, never what it is about
FORM_WORDS = frozenset({
    "song", "songs", "anthem", "anthems", "ballad", "ballads", "tune", "tunes", "track", "tracks", "hymn",
    "hymns", "lullaby", "lullabies", "waltz", "waltzes", "banger", "instrumental", "shanty", "shanties",
    "serenade", "ditty",
})
# genre names that mean nothing else in a prompt
GENRE_WORDS = frozenset({
    "pop", "synthwave", "synthpop", "lofi", "lo-fi", "hiphop", "hip-hop", "rap", "rnb", "r&b", "bossa",
    "nova", "reggae", "disco", "edm", "techno", "trance", "dubstep", "punk", "jazz", "jazzy", "blues",
    "bluesy", "gospel", "bluegrass", "funk", "funky", "ambient", "cinematic", "indie", "emo", "grunge", "ska",
    "motown", "americana", "electro", "acoustic", "orchestral",
})
# genre names that are also ordinary words ("a house by the sea", "rock by the shore"): dropped only
# right before another music word ("rock anthem", "country song", "classic rock ballad")
AMBIGUOUS_GENRES = frozenset({"rock", "metal", "heavy", "country", "folk", "house", "soft", "hard", "classic",
                              "electronic", "soul"})
_MUSIC = FORM_WORDS | GENRE_WORDS
_FILLER = frozenset({"the", "and", "for", "with", "about", "from", "into", "some", "our", "your", "their"})
WORD = re.compile(r"[\w'&-]+")


def lyric_topic(prompt: str) -> str:
    """`prompt` without its music words (form and genre names); the whole prompt if nothing else is left.

    A genre name that is also an ordinary word is dropped only right before another music word.
    """
    spans = [(m.start(), m.end()) for m in WORD.finditer(prompt)]
    low = [prompt[a:b].lower() for a, b in spans]
    drop = [w in _MUSIC for w in low]
    for i in range(len(low) - 2, -1, -1):  # right to left: "heavy metal song", "classic rock ballad"
        if low[i] in AMBIGUOUS_GENRES and (drop[i + 1] or low[i + 1] == "music"):
            drop[i] = True
    for i in range(1, len(low)):  # "house music", "jazz music": music named by its genre
        if low[i] == "music" and drop[i - 1]:
            drop[i] = True
    kept = [w for w, d in zip(low, drop, strict=True) if not d]
    if not any(drop) or not any(len(w) >= 3 and w not in _FILLER for w in kept):
        return prompt
    text = prompt
    for (a, b), d in reversed(list(zip(spans, drop, strict=True))):
        if d:
            text = text[:a] + text[b:]
    return re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,;:")

