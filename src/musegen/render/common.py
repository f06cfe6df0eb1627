"""Small helpers every exporter shares: section labels, tick→second conversion, lyric event text."""

from __future__ import annotations

import unicodedata
from collections import Counter

from musegen.theory import Key
from musegen.types import Song, Syllable

# Section types numbered when a song has more than one of them ("Verse 1", "Verse 2"); a chorus repeats
# itself, so it keeps its plain name, as on printed lyric sheets.
NUMBERED_TYPES = ("verse", "bridge")
_ASCII = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "—": " ", "–": " "})


def section_ordinals(song: Song) -> list[tuple[str, int, int]]:
    """Per section in order: its type, its number among sections of that type (from 1), and their count."""
    counts = Counter(s.type for s in song.sections)
    seen: Counter[str] = Counter()
    out = []
    for s in song.sections:
        seen[s.type] += 1
        out.append((s.type, seen[s.type], counts[s.type]))
    return out


def section_labels(song: Song) -> list[str]:
    """Display names of the song's sections in order, e.g. ["Intro", "Verse 1", "Chorus", "Verse 2"]."""
    labels = []
    for kind, nth, count in section_ordinals(song):
        name = kind.replace("-", " ").title().replace("Pre Chorus", "Pre-Chorus")
        labels.append(f"{name} {nth}" if kind in NUMBERED_TYPES and count > 1 else name)
    return labels


def prefers_flats(song: Song) -> bool:
    """Whether notes and chords of this song are spelled with flats (follows how the plan spells its key)."""
    key = song.plan.key
    if "b" in key[1:] or "#" in key:
        return "b" in key[1:]
    return Key.parse(f"{key} {song.plan.mode}").prefer_flats


def seconds(song: Song, tick: int) -> float:
    """Time in seconds of `tick` at the song's (constant) tempo."""
    return tick / song.ppq * 60.0 / song.plan.tempo


def midi_safe(text: str) -> str:
    """`text` reduced to Latin-1 (what MIDI meta text is read as): typographic quotes become ASCII."""
    text = unicodedata.normalize("NFC", text.translate(_ASCII))
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        else:  # drop accents that Latin-1 cannot hold, keep the base letter
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base)
    return "".join(out)


def lyric_event_text(syl: Syllable) -> str:
    """Karaoke/DAW lyric-event text: a syllable that does not end its word gets a trailing "-"."""
    text = midi_safe(syl.text).strip().replace(" ", "_") or "_"
    return text if syl.word_end else text + "-"


def lyric_starts(song: Song) -> list[bool]:
    """Per vocal note: whether it starts its syllable's lyric.

    False for melisma notes, vocalise notes and any later note that carries an already-sung syllable.
    """
    seen: set[int] = set()
    starts = []
    for n in song.vocal:
        start = n.syllable is not None and not n.melisma and n.syllable not in seen
        if start:
            seen.add(n.syllable)
        starts.append(start)
    return starts


def line_first_notes(song: Song) -> list[list[int | None]]:
    """Per section, per lyric line: index into song.vocal of the note singing its first syllable (or None)."""
    starts = lyric_starts(song)
    first_note = {n.syllable: i for i, n in enumerate(song.vocal) if starts[i]}
    out: list[list[int | None]] = []
    k = 0
    for sec in song.sections:
        row: list[int | None] = []
        for line in sec.lines:
            row.append(first_note.get(k) if line.syllables else None)
            k += len(line.syllables)
        out.append(row)
    return out
