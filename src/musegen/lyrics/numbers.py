"""Numbers in lyrics, spelled as they are sung: "99" -> "ninety-nine", "1999" -> "nineteen ninety-nine".

`spell_numbers(text)` rewrites every number in a line: cardinals, years, clock times ("3:45" -> "three
forty-five"), ordinals ("21st"), decimals, percentages, currency, decades ("80s", "1980s"), and "&".
Singing reads the result, so a digit can never be silently left without a note.
"""

from __future__ import annotations

import re

__all__ = ["cardinal", "ordinal", "spell_numbers", "year"]

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORD_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}
_CURRENCY = {"$": ("dollar", "dollars"), "£": ("pound", "pounds"), "€": ("euro", "euros")}


def cardinal(n: int) -> str:
    """An integer in words: 99 -> "ninety-nine", 1005 -> "one thousand five", -3 -> "minus three"."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    for size, word in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{cardinal(high)} {word}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError(n)  # pragma: no cover - every n >= 1000 has a scale


def year(n: int) -> str:
    """A year as it is said: 1999 -> "nineteen ninety-nine", 2024 -> "twenty twenty-four".

    1905 -> "nineteen oh five", 2005 -> "two thousand five"; values outside 1100–2099 as `cardinal`.
    """
    if not 1100 <= n <= 2099 or 2000 <= n <= 2009:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} {cardinal(low) if low >= 10 else 'oh ' + cardinal(low)}"


def ordinal(n: int) -> str:
    """21 -> "twenty-first", 12 -> "twelfth", 100 -> "one hundredth"."""
    words = cardinal(n)
    head, sep, last = words.rpartition("-") if "-" in words.split()[-1] else words.rpartition(" ")
    if last in _ORD_IRREGULAR:
        last = _ORD_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def _plural(words: str) -> str:
    """"eighty" -> "eighties", "nineteen eighty" -> "nineteen eighties", "six" -> "sixes"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + ("es" if words.endswith(("x", "s")) else "s")


def _int(digits: str) -> int:
    return int(digits.replace(",", ""))


def _time(m: re.Match) -> str:
    h, mins = int(m["h"]), int(m["m"])
    said = cardinal(h) + (" o'clock" if mins == 0 and not m["ampm"] else
                          "" if mins == 0 else f" oh {cardinal(mins)}" if mins < 10 else f" {cardinal(mins)}")
    return said + _ampm(m["ampm"])


def _ampm(text: str | None) -> str:
    return "" if not text else " " + " ".join(c.upper() for c in text if c.isalpha())


def _number(m: re.Match) -> str:
    cur, digits, frac, suffix = m["cur"], m["num"], m["frac"], (m["suf"] or "")
    low = suffix.lower()
    n = _int(digits)
    if frac:
        said = f"{cardinal(n)} point {' '.join(_ONES[int(d)] for d in frac)}"
    elif low in ("st", "nd", "rd", "th"):
        said = ordinal(n)
    elif low in ("s", "'s"):
        said = _plural(year(n) if len(digits) == 4 else cardinal(n))
    elif m["apos"]:  # '99
        said = cardinal(n)
    elif len(digits) == 4 and "," not in digits:
        said = year(n)
    else:
        said = cardinal(n)
    if low in ("am", "pm", "a.m.", "p.m."):
        said += _ampm(low)
    if m["pct"]:
        said += " percent"
    if cur:
        one, many = _CURRENCY[cur]
        said += f" {one if n == 1 and not frac else many}"
    return said


_TIME_RE = re.compile(
    r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?!\d)(?:\s?(?P<ampm>[ap]\.?m\.?(?![A-Za-z])))?", re.IGNORECASE)
_NUM_RE = re.compile(
    r"(?P<cur>[$£€])?(?P<apos>['’](?=\d\d\b))?(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<pct>%)?(?P<suf>(?:st|nd|rd|th|'s|s)(?![A-Za-z])|\s?[ap]\.?m\.?(?![A-Za-z]))?",
    re.IGNORECASE,
)


def spell_numbers(text: str) -> str:
    """`text` with every number written out in words (and "&" as "and"); text without digits is unchanged.

    >>> spell_numbers("I got 99 problems at 3:45, in 1999")
    'I got ninety-nine problems at three forty-five, in nineteen ninety-nine'
    """
    if not any(c.isdigit() for c in text) and "&" not in text:
        return text
    out = _TIME_RE.sub(_time, text)
    out = _NUM_RE.sub(lambda m: _spaced(m, _number(m), out), out)
    out = re.sub(r"(?<=\S)&(?=\S)", " and ", out)
    out = re.sub(r"&", "and", out)
    return re.sub(r"[ \t]{2,}", " ", out)


def _spaced(m: re.Match, said: str, text: str) -> str:
    """Keep a spelled number apart from letters it was glued to ("4ever" -> "four ever")."""
    before = m.start() > 0 and text[m.start() - 1].isalpha()
    after = m.end() < len(text) and text[m.end()].isalpha()
    return (" " if before else "") + said + (" " if after else "")
