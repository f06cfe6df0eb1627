import re

import pytest

from musegen.render.common import seconds, section_labels
from musegen.render.lyrics_text import lrc_text, lyrics_text, write_lrc, write_lyrics_txt
from musegen.types import Section


def _read_sheet(text):
    """EVALUATION.md's reading: [Header] lines, blank lines between stanzas, one lyric line per text line."""
    stanzas, cur = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if m := re.fullmatch(r"\[(.+)\]", line):
            cur = (m.group(1), [])
            stanzas.append(cur)
        elif line:
            cur[1].append(line)
    return stanzas


def test_lyric_sheet(tmp_path, song):
    text = write_lyrics_txt(song, tmp_path / "lyrics.txt").read_text()
    sung = [(s.type.title(), [ln.text for ln in s.lines]) for s in song.sections if s.lines]
    assert _read_sheet(text) == sung
    assert [h for h, _ in sung] == ["Verse", "Chorus", "Verse", "Chorus"]
    assert text.startswith("[Verse]\nHello, my yesterday\n") and "\n\n[Chorus]\n" in text
    assert text.endswith("again.\n") and "\n\n\n" not in text


def test_lyric_sheet_reads_back_with_the_lyrics_parser(song):
    from musegen.lyrics.parse import lyrics_to_text, parse_lyrics_text

    text = lyrics_text(song)
    parsed = parse_lyrics_text(text, source="lyrics.txt")
    sung = [s for s in song.sections if s.lines]
    assert [(s.type, [ln.text for ln in s.lines]) for s in parsed.sections] == [
        (s.type, [ln.text for ln in s.lines]) for s in sung]
    assert [s.repeat_of for s in parsed.sections] == [None, None, None, 1]
    assert lyrics_to_text(parsed) == text  # the very format `musegen lyrics` prints


def test_section_labels_number_repeated_verses_and_bridges(song):
    song.sections.insert(5, Section("bridge", 2, 0))
    song.sections.insert(2, Section("pre-chorus", 2, 0))
    assert section_labels(song) == ["Intro", "Verse 1", "Pre-Chorus", "Chorus", "Verse 2", "Chorus", "Bridge",
                                    "Outro"]


def test_lrc_lines_are_timed_at_their_first_note(tmp_path, any_song):
    text = write_lrc(any_song, tmp_path / "song.lrc").read_text()
    rows = text.splitlines()
    assert rows[0] == f"[ti:{any_song.plan.title}]"
    timed = [re.fullmatch(r"\[(\d\d):(\d\d)\.(\d\d)\](.*)", r) for r in rows[3:]]
    assert all(timed)
    lines = [ln for s in any_song.sections for ln in s.lines]
    assert [m.group(4) for m in timed[:-1]] == [ln.text for ln in lines] and timed[-1].group(4) == ""
    firsts = []
    k = 0
    for ln in lines:
        note = next(n for n in any_song.vocal if n.syllable == k)
        firsts.append(seconds(any_song, note.onset))
        k += len(ln.syllables)
    got = [int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3)) / 100 for m in timed[:-1]]
    assert got == pytest.approx(firsts, abs=0.006)
    assert got == sorted(got)


def test_instrumental_song_has_empty_sheet(song):
    for s in song.sections:
        s.lines = []
    song.vocal = []
    assert lyrics_text(song) == ""
    assert lrc_text(song).count("\n") == 3
