"""Exports of a finished `Song`: song.json, song.mid, song.musicxml, song.wav/.flac, lyrics.txt, song.lrc.

`write_song_folder` writes them all into one folder atomically; each exporter also stands alone
(`midi.write_midi`, `musicxml.write_musicxml`, `audio.render_audio`, `lyrics_text.write_lrc` /
`write_lyrics_txt`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from musegen.errors import InputError
from musegen.fsutil import atomic_dir
from musegen.types import Song

AUDIO_FORMATS = ("wav", "flac")
__all__ = ["AUDIO_FORMATS", "check_soundfont", "write_song_folder"]


def check_soundfont(soundfont: str | os.PathLike | None) -> Path:
    """The soundfont to render with (None: the shipped one), checked to be a whole SoundFont 2 file.

    InputError naming the file when it is missing, empty, truncated or not a soundfont, so that a bad
    `--soundfont` is refused before any composing rather than after it.
    """
    from musegen.render.audio import resolve_soundfont

    path = resolve_soundfont(soundfont)
    what = f"--soundfont {soundfont}" if soundfont is not None else f"default soundfont {path}"
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise InputError(f"{what}: cannot be read ({exc.strerror or exc})") from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise InputError(f"{what}: not a SoundFont file (no RIFF/sfbk header); pass a .sf2 or .sf3 "
                         "General MIDI soundfont")
    declared = int.from_bytes(head[4:8], "little") + 8
    if size < declared:
        raise InputError(f"{what}: truncated ({size} of {declared} bytes); download or copy it again")
    return path


def write_song_folder(
    song: Song,
    out_dir: str | os.PathLike,
    *,
    audio_format: str | None = "wav",
    soundfont: str | os.PathLike | None = None,
    force: bool = False,
    vocals: bool = False,
) -> list[Path]:
    """Write every export of `song` into `out_dir` (all or nothing) and return the written paths.

    `vocals`: the lyrics are sung (`musegen.sing`) in song.<audio_format>, with the stems vocals.<fmt> and
    band.<fmt>, and song.json records the voice under meta["vocals"]; otherwise the vocal line plays on
    its GM program.

    Files: song.json, song.mid, song.musicxml, song.<audio_format> (None: no audio), lyrics.txt, song.lrc.
    An existing non-empty `out_dir` raises OutputExistsError unless `force`; a bad `audio_format` or a
    missing soundfont raises InputError before anything is written.
    """
    from musegen.render.lyrics_text import write_lrc, write_lyrics_txt
    from musegen.songfile import save_song

    if audio_format is not None and audio_format not in AUDIO_FORMATS:
        raise InputError(f"--format {audio_format}: unknown audio format; "
                         f"use one of {', '.join(AUDIO_FORMATS)}")
    sf_path = check_soundfont(soundfont) if audio_format is not None else None
    out = Path(out_dir)
    names = ["song.json", "song.mid", "song.musicxml", "lyrics.txt", "song.lrc"]
    if audio_format is not None:
        names[3:3] = [f"song.{audio_format}"] + ([f"vocals.{audio_format}", f"band.{audio_format}"] * vocals)
    with atomic_dir(out, force=force) as tmp:
        song.meta.pop("vocals", None)
        if audio_format is not None and vocals:
            from musegen.render.audio import render_mix

            # the scores are written on the other core while the audio renders (neither changes the song)
            with ThreadPoolExecutor(1, thread_name_prefix="musegen-scores") as pool:
                scores = pool.submit(_write_scores, song, tmp)
                info = render_mix(song, tmp / f"song.{audio_format}", soundfont=sf_path)[1]
                scores.result()  # (an audio error propagates once the scores thread has finished)
            song.meta["vocals"] = info
        else:
            _write_scores(song, tmp)
        save_song(song, tmp / "song.json")
        if audio_format is not None and not vocals:
            from musegen.render.audio import render_audio

            render_audio(song, tmp / f"song.{audio_format}", soundfont=sf_path)
        write_lyrics_txt(song, tmp / "lyrics.txt")
        write_lrc(song, tmp / "song.lrc")
        _share(tmp)
    return [out / n for n in names]


def _write_scores(song: Song, folder: Path) -> None:
    """song.mid and song.musicxml into `folder`."""
    from musegen.render.midi import write_midi
    from musegen.render.musicxml import write_musicxml

    write_midi(song, folder / "song.mid")
    write_musicxml(song, folder / "song.musicxml")


def _share(folder: Path) -> None:
    """Give the finished folder the usual permissions (temp files are created private: 0700/0600)."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for f in folder.iterdir():
        f.chmod(0o666 & ~umask)
