"""`musegen render SONG.json --out DIR`: write MIDI, MusicXML, audio, lyrics.txt and LRC from a song.json."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command()
@click.argument("song_json", metavar="SONG.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for song.json, song.mid, song.musicxml, song.wav/.flac, lyrics.txt, song.lrc.")
@click.option("--format", "audio_format", type=click.Choice(["wav", "flac"]), default="wav",
              show_default=True, help="Audio file format.")
@click.option("--soundfont", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A General MIDI .sf2/.sf3 soundfont (default: the shipped TimGM6mb.sf2).")
@click.option("--no-audio", is_flag=True, help="Skip audio rendering (MIDI, MusicXML and lyrics only).")
@click.option("--force", is_flag=True, help="Replace the --out folder if it already exists.")
@click.option("--vocals", type=click.Choice(["on", "off"]), default="on", show_default=True,
              help="on: a voice sings the lyrics (song.wav plus vocals/band stems); off: the vocal line "
                   "plays on a GM synth voice.")
@click.pass_context
def render(ctx: click.Context, song_json: Path, out_dir: Path, audio_format: str, soundfont: Path | None,
           no_audio: bool, force: bool, vocals: str) -> None:
    """Render SONG.json (as written by `musegen generate`) into a song folder."""
    from musegen.cli import checks

    from musegen.errors import InputError, MusegenError
    from musegen.render import write_song_folder
    from musegen.songfile import load_song

    start = time.perf_counter()
    out_dir = checks.check_out(out_dir, force)
    soundfont = checks.check_audio(ctx, no_audio, audio_format, soundfont)
    try:
        song = load_song(song_json)
    except MusegenError as exc:
        raise click.BadParameter(str(exc), param_hint="SONG.json") from None
    try:
        written = write_song_folder(song, out_dir, audio_format=None if no_audio else audio_format,
                                    soundfont=soundfont, force=force, vocals=vocals == "on")
    except InputError as exc:  # e.g. the song cannot be rendered as asked
        raise checks.LateUsageError(str(exc)) from None
    except MusegenError as exc:  # found during the work (e.g. another run wrote --out): no usage header
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # e.g. the disk fills up or permissions change while writing
        raise click.ClickException(f"--out {out_dir}: cannot write ({exc.strerror or exc}); "
                                   "choose another folder") from None
    for path in written:
        click.echo(str(path))
    click.echo(f"Rendered {song.plan.title!r} ({song.duration_seconds:.0f} s of music) "
               f"in {time.perf_counter() - start:.1f} s", err=True)
