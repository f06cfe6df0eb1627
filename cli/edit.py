"""`musegen edit SONG_DIR --line "verse 2:3" [--words|--notes|--text "…"]`: change one part, keep the rest."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("song_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--line", default=None, help='A lyric line: "verse 2:3" (section, colon, line number).')
@click.option("--section", default=None, help='A section: "chorus", "verse 2", or its number, e.g. 4.')
@click.option("--bars", default=None, help="Bars, e.g. 9-12: every lyric line sung there.")
@click.option("--words", "what", flag_value="words", help="New words only (same syllables, rhyme kept).")
@click.option("--notes", "what", flag_value="notes", help="A new melody only (same words and chords).")
@click.option("--text", default=None, help='Your own words for the --line, e.g. "I walk the empty road".')
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same edit.")
@click.option("--only-this", is_flag=True, help="Change only this appearance of a repeated chorus.")
@click.option("--undo", "undo", type=int, is_flag=False, flag_value=1, default=None, metavar="[N]",
              help="Go back N versions (default 1: before the last edit), byte for byte.")
@click.option("--no-audio", is_flag=True,
              help="Re-render without audio (faster; the old audio no longer matches and is removed).")
@click.option("--force", is_flag=True, help="Re-render even if SONG_DIR holds files musegen did not write "
                                            "(they are dropped).")
def edit(song_dir: Path, line: str | None, section: str | None, bars: str | None, what: str | None,
         text: str | None, seed: int | None, only_this: bool, undo: int | None, no_audio: bool,
         force: bool) -> None:
    """Change one line, section or bars of the song in SONG_DIR; everything else stays as it was.

    Without --words/--notes/--text both the words and the melody are written anew. The folder is
    re-rendered (song.json, MIDI, MusicXML, audio, lyrics) and the previous version kept for --undo.
    """
    from musegen.cli.checks import song_folder_errors

    from musegen.edit import edit_folder, undo_folder

    targets = [n for n, v in (("--line", line), ("--section", section), ("--bars", bars)) if v is not None]
    with song_folder_errors(song_dir):
        if undo is not None:
            if targets or what or text is not None or seed is not None or only_this:
                raise click.UsageError("--undo: give it alone (it puts back the version before the last "
                                       "edit)")
            res = undo_folder(song_dir, steps=undo, force=force, audio=not no_audio)
            h = res.undone
            click.echo(f"undid {h['what']} of {h['target']} (seed {h['seed']}, {h['time']}); "
                       f"{song_dir}/song.json is the previous version again")
            return
        if len(targets) != 1:
            got = f" (got {', '.join(targets)})" if targets else ""
            raise click.UsageError(f'give exactly one target: --line "verse 2:3", --section chorus or '
                                   f'--bars 9-12{got}')
        if text is not None and what is not None:
            raise click.UsageError("--text: your words replace the line's words; drop --words/--notes")
        if text is not None and line is None:
            raise click.UsageError('--text: pick the line it replaces with --line, e.g. --line "verse 1:2"')
        kind = "text" if text is not None else (what or "both")
        result = edit_folder(song_dir, line=line, section=section, bars=bars, what=kind, text=text, seed=seed,
                             only_this=only_this, force=force, audio=not no_audio)
    for msg in result.messages:
        click.echo(msg)
    from musegen.edit import section_names

    song = result.song
    names = section_names(song)
    for k, lines in sorted(result.target.lines.items()):
        for i in lines:
            click.echo(f"  {names[k]}:{i + 1}  {song.sections[k].lines[i].text}")
    click.echo(f"seed {result.seed}; undo with: musegen edit {song_dir} --undo")
