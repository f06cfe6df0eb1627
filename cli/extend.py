"""`musegen extend SONG_DIR --add "bridge after chorus 2"`: a new section that fits the song."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("song_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--add", "add", required=True,
              help='What and where: "bridge after chorus 2", "verse before 4", "chorus" (before the outro).')
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same section.")
@click.option("--no-audio", is_flag=True,
              help="Re-render without audio (faster; the old audio no longer matches and is removed).")
@click.option("--force", is_flag=True, help="Re-render even if SONG_DIR holds files musegen did not write "
                                            "(they are dropped).")
def extend(song_dir: Path, add: str, seed: int | None, no_audio: bool, force: bool) -> None:
    """Add a section to the song in SONG_DIR, with words and music in its key, chords, rhyme and hook.

    Undo it with `musegen edit SONG_DIR --undo`.
    """
    from musegen.cli.checks import song_folder_errors

    from musegen.edit import extend_folder

    with song_folder_errors(song_dir):
        result = extend_folder(song_dir, add, seed=seed, force=force, audio=not no_audio)
    for msg in result.messages:
        click.echo(msg)
    for k in result.target.lines:
        for line in result.song.sections[k].lines:
            click.echo(f"  {line.text}")
    click.echo(f"seed {result.seed}; undo with: musegen edit {song_dir} --undo")
