"""Song register: the word lists and line checks of EVALUATION.md.

Archaic and task words, dangling ends, orphan sentence breaks; shared by the corpus filter, the candidate
reranker and the benchmark.
"""

from __future__ import annotations

import re

# archaic filler a contemporary lyric does not use (EVALUATION.md's list and its kin)
ARCHAIC = frozenset({
    "thee", "thou", "thy", "thine", "ye", "hath", "doth", "dost", "shalt", "wilt", "art", "thence", "hence",
    "whence", "hither", "thither", "whither", "yon", "yonder", "ere", "aye", "hark", "lo", "oft", "nay",
    "o'er", "e'er", "ne'er", "'tis", "'twas", "tis", "twas", "wherefore", "betwixt", "twixt", "amongst",
    "whilst", "unto", "anon", "forsooth", "mayhap", "perchance", "prithee", "quoth", "wot", "wert", "hast",
    "canst", "couldst", "wouldst", "shouldst", "didst", "thyself", "methinks", "fain", "albeit", "alas",
    "o", "oh'er", "whereof", "wherein", "thereof", "therein", "sooth", "verily", "behold", "beheld",
    "maiden", "lass", "lassie", "laddie", "bonnie", "bonny", "twain", "wit", "wight", "fro", "morn",
    "eve", "nigh", "ope", "twere", "dwelt", "thereon", "whereon", "begone", "bade", "hie", "thro",
    "tho", "oer", "neath", "mid", "midst", "wherewith", "forth", "hallowed", "sire", "knave", "morrow",
    "oftentimes", "ay", "bosom", "thereto", "wherefrom", "mine's",
})
# words about the task itself (EVALUATION.md: counted when the prompt does not contain them)
TASK_WORDS = frozenset({
    "write", "writes", "writing", "wrote", "written", "song", "songs", "verse", "verses", "chorus",
    "choruses", "bridge", "bridges", "line", "lines", "rhyme", "rhymes", "rhyming", "syllable",
    "syllables", "stanza", "stanzas", "poem", "poems", "lyric", "lyrics",
})
# a line should not end on these (EVALUATION.md's dangling end)
DANGLING = frozenset({
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "with", "for", "from", "at", "by", "into",
    "than", "that", "which", "who", "whose", "when", "while", "if", "as", "they", "we", "he", "she", "i",
    "its", "my", "your", "their", "our", "his", "her",
})
WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
SENTENCE_END = re.compile(r"[.!?;](?=\s)")


def words(line: str) -> list[str]:
    """Lower-case words of a line."""
    return [w.lower() for w in WORD_RE.findall(line)]


def dangling(line: str) -> bool:
    """Whether the line ends on an article, preposition, conjunction or subject pronoun."""
    w = words(line)
    return bool(w) and w[-1] in DANGLING


def orphan_break(line: str) -> bool:
    """Whether a sentence ends inside the line leaving at most two words after it."""
    for m in SENTENCE_END.finditer(line.rstrip()):
        tail = words(line[m.end():])
        if 0 < len(tail) <= 2:
            return True
    return False


def archaic_words(line: str) -> list[str]:
    """The archaic words of a line."""
    return [w for w in words(line) if w in ARCHAIC]


def task_words(line: str, prompt: str = "") -> list[str]:
    """Words about the task in a line that the prompt does not contain."""
    allowed = set(words(prompt))
    return [w for w in words(line) if (b := w.removesuffix("'s")) in TASK_WORDS and b not in allowed]


def _stem(w: str) -> str:
    w = w.removesuffix("'s")
    for suf in ("ings", "ing", "ers", "er", "ed", "es", "s", "y"):  # rainy -> rain, but pray stays pray
        if w.endswith(suf) and len(w) - len(suf) >= (4 if suf == "y" else 3):
            w = w[: -len(suf)]
            break
    w = w[:-1] if len(w) > 3 and w[-1] == w[-2] else w
    w = w[:-1] + "y" if w.endswith("i") else w  # cried, cries -> cry
    return w[:-1] if len(w) > 3 and w.endswith("e") else w  # face, facing -> fac; dance, danced -> danc


def echo_end(line: str) -> bool:
    """Whether the line's last word echoes another form of an earlier word ("praying prayer", "crying cried").

    The end word bolted onto a clause that already said it: another word with the same stem (or the same
    first four letters). The very same word again is a refrain ("day after day", "your love, your love").
    """
    w = words(line)
    if len(w) < 2:
        return False
    last, stem = w[-1], _stem(w[-1])
    for x in w[:-1]:
        if len(x) < 3 or x in DANGLING or x == last:
            continue
        s = _stem(x)
        if s == stem or (len(s) >= 4 and len(stem) >= 4 and s[:4] == stem[:4]):
            return True
    return False


def line_problems(line: str, prompt: str = "") -> list[str]:
    """The hard rejections a line fails ('dangling', 'orphan', 'archaic', 'task'); [] when clean."""
    out = []
    if dangling(line):
        out.append("dangling")
    if orphan_break(line):
        out.append("orphan")
    if archaic_words(line):
        out.append("archaic")
    if task_words(line, prompt):
        out.append("task")
    return out
