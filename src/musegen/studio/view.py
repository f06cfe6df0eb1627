"""What the browser is sent about a song: sections and timed lines, melody and chords in seconds, files.

Times are seconds from the song start (the page highlights the sung line from the audio clock);
each line carries the `--line` target the edit endpoints take ("verse 2:3").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from musegen.edit.folder import SONG_JSON, VERSIONS, versions
from musegen.edit.splice import line_notes
from musegen.edit.targets import section_names
from musegen.render.common import seconds, section_labels
from musegen.types import Song

DOWNLOADS = ("song.mid", "song.musicxml", "song.wav", "song.flac", "vocals.wav", "band.wav", "song.lrc",
             "lyrics.txt", SONG_JSON)


def song_view(song: Song, folder: Path) -> dict[str, Any]:
    """The JSON view of `song` stored in `folder`."""
    names, labels = section_names(song), section_labels(song)
    per_line, _ = line_notes(song)
    bar = song.plan.bar_ticks
    sections = []
    for k, (sec, name, label) in enumerate(zip(song.sections, names, labels, strict=True)):
        lines = []
        for i, line in enumerate(sec.lines):
            ns = per_line[(k, i)]
            lines.append({"index": i, "text": line.text, "target": f"{name}:{i + 1}",
                          "start": round(seconds(song, ns[0].onset), 3) if ns else None,
                          "end": round(seconds(song, ns[-1].onset + ns[-1].duration), 3) if ns else None})
        sections.append({"index": k, "name": name, "label": label, "type": sec.type, "bars": sec.bars,
                         "first_bar": sec.start // bar + 1, "start": round(seconds(song, sec.start), 3),
                         "repeat_of": sec.repeat_of, "lines": lines})
    syls = song.syllables()
    notes = [[round(seconds(song, n.onset), 3), round(seconds(song, n.duration), 3), n.pitch,
              "" if n.syllable is None or n.melisma else syls[n.syllable].text] for n in song.vocal]
    chords = [[round(seconds(song, c.onset), 3), round(seconds(song, c.duration), 3), c.symbol]
              for c in song.chords]
    files = [f for f in DOWNLOADS if (folder / f).is_file()]
    stamp = (folder / SONG_JSON).stat().st_mtime_ns if (folder / SONG_JSON).exists() else 0
    return {"name": folder.name, "title": song.plan.title, "mood": song.plan.mood,
            "key": f"{song.plan.key} {song.plan.mode}", "tempo": song.plan.tempo,
            "meter": f"{song.plan.meter[0]}/{song.plan.meter[1]}",
            "duration": round(song.duration_seconds, 3),
            "sections": sections, "notes": notes, "chords": chords, "history": song.history,
            "versions": len(versions(folder)), "files": files, "stamp": str(stamp),
            "has_versions_folder": (folder / VERSIONS).is_dir()}
