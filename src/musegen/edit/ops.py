"""`edit_song`: new words and/or notes for one target of a `Song`, everything else kept as it was.

    target (targets.py) → new words (words.py) → new or re-sung notes (notes.py) → splice (splice.py)

Chords and the accompaniment are kept: the new melody is written over the section's own progression,
so the arrangement (which follows the chords) does not change. A repeated chorus is written once and
copied to every repeat, shifted in time.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from typing import Any

from musegen.edit.notes import capacity, new_melody, resing
from musegen.edit.splice import Key, line_notes, splice
from musegen.edit.targets import Target, section_names
from musegen.edit.words import user_line, write_line, write_section_words
from musegen.errors import InputError
from musegen.types import LyricLine, Song, VocalNote

WHATS = ("both", "words", "notes", "text")


class Models:
    """The lyrics and music models an edit needs, loaded on first use and kept (the studio holds one).

    A song written with a fine-tuned style (`song.meta["lyrics_model"] == "style:NAME"`) gets that
    style's adapters; any other gets the shipped defaults. Models passed in are used as they are.
    """

    def __init__(self, lyrics: Any = None, music: Any = None) -> None:
        self._given = {"lyrics": lyrics, "music": music}
        self._loaded: dict[tuple[str, str | None], Any] = {}

    def _path(self, song: Song | None, kind: str) -> str | None:
        name = song.meta.get(f"{kind}_model") if song is not None else None
        if not (isinstance(name, str) and name.startswith("style:")):
            return None
        from musegen.styles.store import get_style

        st = get_style(name.split(":", 1)[1])
        path = st.lyrics_path if kind == "lyrics" else st.music_path
        return None if path is None else str(path)

    def get(self, song: Song | None, kind: str) -> Any:
        """The `kind` ("lyrics" or "music") model for `song` (None: the defaults, for a new song)."""
        if self._given[kind] is not None:
            return self._given[kind]
        path = self._path(song, kind)
        if (kind, path) not in self._loaded:
            if kind == "lyrics":
                from musegen.lyrics import load_lyrics_model

                self._loaded[(kind, path)] = load_lyrics_model(adapter=path) if path else load_lyrics_model()
            else:
                from musegen.music import load_music_model

                self._loaded[(kind, path)] = load_music_model(path)
        return self._loaded[(kind, path)]


@dataclass
class EditResult:
    """The edited song and what happened, for the CLI and the studio to report."""

    song: Song
    target: Target
    what: str
    seed: int
    messages: list[str] = field(default_factory=list)


def history_entry(target: str, what: str, seed: int | None) -> dict[str, Any]:
    """One song.json history record (UTC time, seconds)."""
    return {"target": target, "what": what, "seed": seed,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def edit_song(song: Song, target: Target, what: str = "both", *, text: str | None = None,
              seed: int | None = None, models: Models | None = None, only_this: bool = False) -> EditResult:
    """New words and/or notes for `target` (see `musegen.edit.targets.resolve`); returns a new Song.

    `what`: "words" (same syllable count, rhyme kept), "notes" (new melody, same chords), "both", or
    "text" (`text` as the line's words: on its old notes when the count allows, else sung anew).
    The same song, target, what and seed give the same result.
    """
    if what not in WHATS:
        raise InputError(f"what {what!r}: use one of {', '.join(WHATS)}")
    if (what == "text") != (text is not None):
        raise InputError("--text: give the line's new words with --text \"…\" (and no --words/--notes)")
    seed = random.SystemRandom().randrange(2**31) if seed is None else int(seed)
    models = models or Models()
    names = section_names(song)
    lines_new: dict[Key, LyricLine] = {}
    notes_new: dict[Key, list[VocalNote]] = {}
    messages: list[str] = []
    if what == "text" and (len(target.primary) != 1 or len(target.lines[target.primary[0]]) != 1):
        raise InputError("--text: your words replace one line; pick it with --line, e.g. "
                         "--line \"verse 1:2\"")
    for lead in target.primary:
        wanted = target.lines[lead]
        lines = list(song.sections[lead].lines)
        if what in ("words", "both"):
            lm = models.get(song, "lyrics")
            if len(wanted) == len(lines):
                lines = write_section_words(lm, song, lead, seed=seed)
            else:
                for i in wanted:
                    work = _with_lines(song, lead, lines)
                    lines[i] = write_line(lm, work, lead, i, seed=seed + i)
        if what == "text":
            i = wanted[0]
            lines[i] = user_line(text or "")
            notes, msg = _text_notes(song, lead, i, lines, seed, models)
            messages.append(msg)
            if notes is not None:
                notes_new[(lead, i)] = notes[i]
        if what in ("notes", "both"):
            got = new_melody(song, lead, lines, wanted, seed=seed, model=models.get(song, "music"))
            notes_new.update({(lead, i): ns for i, ns in got.items()})
        for i in wanted:
            lines_new[(lead, i)] = lines[i]
    for j, lead in target.copies.items():
        shift = song.sections[j].start - song.sections[lead].start
        for i in target.lines[j]:
            lines_new[(j, i)] = lines_new[(lead, i)]
            if (lead, i) in notes_new:
                notes_new[(j, i)] = [replace(n, onset=n.onset + shift) for n in notes_new[(lead, i)]]
    new = splice(song, lines_new, notes_new, unlink=target.detached)
    label = target.label + (" --only-this" if only_this else "")
    new.history = [*song.history, history_entry(label, what, seed)]
    touched = ", ".join(f"{names[k]} line{'s' if len(v) > 1 else ''} {', '.join(str(i + 1) for i in v)}"
                        for k, v in sorted(target.lines.items()))
    messages.insert(0, f"changed {what}: {touched}")
    if target.detached:
        messages.append("no longer repeats: " + ", ".join(names[k] for k in target.detached))
    return EditResult(new, target, what, seed, messages)


def _with_lines(song: Song, k: int, lines: list[LyricLine]) -> Song:
    sections = list(song.sections)
    sections[k] = replace(sections[k], lines=list(lines))
    return replace(song, sections=sections)


def _text_notes(song: Song, k: int, i: int, lines: list[LyricLine], seed: int,
                models: Models) -> tuple[dict[int, list[VocalNote]] | None, str]:
    """Notes for your words on line i: the old ones if the count is the same, re-sung, or a new melody."""
    name = f"{section_names(song)[k]} line {i + 1}"
    n_new, n_old = len(lines[i].syllables), len(song.sections[k].lines[i].syllables)
    cap = capacity(song, k, i)
    if n_new > cap:
        raise InputError(f"--text: {n_new} syllables, but {name} holds at most {cap}; give {n_old} to keep "
                         f"its notes, or up to {cap}")
    if n_new == n_old:
        return None, f"{name}: your {n_new} syllables sung on the line's own notes"
    old_notes = line_notes(song)[0][(k, i)]
    if n_new <= 2 * len(old_notes) and 2 * n_new >= len(old_notes):
        return resing(song, k, lines, [i]), (f"{name}: {n_new} syllables (was {n_old}) sung on the line's "
                                             f"{len(old_notes)} notes, split or merged where needed")
    got = new_melody(song, k, lines, [i], seed=seed, model=models.get(song, "music"))
    return got, (f"{name}: {n_new} syllables do not fit the line's {len(old_notes)} notes "
                 f"({n_old} syllables); re-sung with a new melody over the same chords (seed {seed})")
