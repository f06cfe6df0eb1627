"""`musegen lyrics "<mood prompt>" --form … --syllables … --rhyme …`: print song words as plain text."""

from __future__ import annotations

from pathlib import Path

import click


def _int_list(value: str, name: str) -> list[int]:
    try:
        out = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r}: give whole numbers separated by commas, e.g. 8,8,8,8 "
                                 "(sections separated by /)", param_hint=name) from None
    if not out:
        raise click.BadParameter("empty; give numbers like 8,8,8,8", param_hint=name)
    return out


def _sections(value: str) -> list[str]:
    """One entry per section: `a/b/c` (a single entry applies to every sung section)."""
    return [x.strip() for x in value.split("/")]


@click.command()
@click.argument("prompt")
@click.option("--form", default="verse,chorus,verse,chorus,bridge,chorus", show_default=True,
              help="Sections in order (intro, verse, pre-chorus, chorus, bridge, outro).")
@click.option("--syllables", default="8,8,8,8", show_default=True,
              help="Syllables per line (the number of lines follows): one list for every sung section, or "
                   "one per sung section separated by /, e.g. 8,8,8,8/6,6,6,6/8,8,8,8/6,6,6,6.")
@click.option("--rhyme", default="ABAB", show_default=True,
              help="Rhyme scheme (X = free line): one for every sung section, or one per sung section "
                   "separated by /, e.g. ABAB/AABB/ABAB/AABB.")
@click.option("--seed", type=int, default=None, help="Random seed: the same seed gives the same words.")
@click.option("--adapter", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A LoRA adapter folder (default: the shipped one).")
@click.option("--base", type=click.Path(path_type=Path), default=None,
              help="A local Hugging Face causal-LM folder to use as base (default: SmolLM2-135M-Instruct).")
@click.option("--blocklist", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Words the content filter rejects, one a line (default: the shipped list).")
@click.option("--no-filter", is_flag=True, help="Turn the content filter off.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the text to this file instead of printing it.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
def lyrics(prompt: str, form: str, syllables: str, rhyme: str, seed: int | None, adapter: Path | None,
           base: Path | None, blocklist: Path | None, no_filter: bool, out: Path | None, force: bool) -> None:
    """Write the words of a song about PROMPT, each line with exactly the syllables asked for."""
    from musegen.cli import checks

    from musegen.errors import InputError, ModelError
    from musegen.fsutil import atomic_write_text
    from musegen.lyrics.content import load_blocklist
    from musegen.lyrics.generate import write_lyrics
    from musegen.lyrics.model import load_lyrics_model
    from musegen.lyrics.parallel import prestart
    from musegen.lyrics.parse import lyrics_to_text
    from musegen.lyrics.sections import plan_for_lyrics
    from musegen.lyrics.wordplan import check_rhymable

    syl = [_int_list(x, "--syllables") for x in _sections(syllables)]
    rhymes = _sections(rhyme)
    if out is not None and out.exists() and not force:
        raise click.UsageError(f"--out {out}: already exists; pass --force to overwrite it")
    try:
        # extra rhyme letters are refused there, never silently cut
        plan = plan_for_lyrics(prompt, form.split(","), syl, rhymes)
        check_rhymable(plan)
        bl = frozenset() if no_filter else load_blocklist(blocklist)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    checks.check_environment()  # MUSEGEN_LYRICS_WORKERS, before the model loads
    prestart((adapter, base, True))  # a helper process loads the same model on the other core meanwhile
    try:
        lm = load_lyrics_model(adapter=adapter, base=base, quantize=True)
    except ModelError as exc:
        raise click.UsageError(str(exc)) from None
    stats: dict = {}
    try:
        text = lyrics_to_text(write_lyrics(plan, seed=seed, model=lm, blocklist=bl, stats=stats))
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    if stats.get("language_note"):
        click.echo(f"warning: {stats['language_note']}", err=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
        click.echo(str(out), err=True)
