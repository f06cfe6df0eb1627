"""Checks of command-line input that run before any model loads: one clear line per mistake.

Each function raises `click.UsageError`/`BadParameter` naming the option and the fix, or returns the
parsed value the command goes on with. The rules themselves live in the library (plan parsers,
`musegen.fsutil.check_output_dir`, `musegen.render.check_soundfont`); this module only words them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click


class LateUsageError(click.ClickException):
    """A bad argument found only during the work: exit status 2, one line, no usage header.

    The usage header would suggest the command line itself was malformed.
    """

    exit_code = 2


@contextmanager
def song_folder_errors(song_dir: Path) -> Iterator[None]:
    """Library errors met while changing the song in `song_dir`, as one line each (no usage header)."""
    from musegen.errors import MusegenError

    try:
        yield
    except MusegenError as exc:  # found once the song is read: one line, exit status 2
        raise LateUsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{song_dir}: cannot write ({exc.strerror or exc}); check the folder") \
            from None


def option_given(ctx: click.Context, name: str) -> bool:
    """Whether the user typed option `name` (not its default)."""
    src = ctx.get_parameter_source(name)
    return src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")


def check_out(out_dir: Path, force: bool) -> Path:
    """--out: a sane new (or empty, or --force) folder we can create files in."""
    from musegen.errors import MusegenError
    from musegen.fsutil import check_output_dir

    try:
        return check_output_dir(out_dir, force=force)
    except MusegenError as exc:
        raise click.UsageError(str(exc)) from None


def check_audio(ctx: click.Context, no_audio: bool, audio_format: str | None,
                soundfont: Path | None) -> Path | None:
    """--format/--soundfont/--vocals against --no-audio, and the soundfont itself (exists, is a soundfont)."""
    if no_audio:
        given = [opt for opt, param in (("--format", "audio_format"), ("--soundfont", "soundfont"),
                                        ("--vocals", "vocals")) if option_given(ctx, param)]
        if given:
            raise click.UsageError(f"{'/'.join(given)}: no audio is rendered with --no-audio; "
                                   "drop one of them")
        return None
    from musegen.errors import MusegenError
    from musegen.render import check_soundfont

    try:
        return check_soundfont(soundfont)
    except MusegenError as exc:
        raise click.BadParameter(str(exc).removeprefix("--soundfont "), param_hint="--soundfont") from None


def check_environment() -> None:
    """The environment variables musegen reads (`MUSEGEN_LYRICS_WORKERS`), before any model loads."""
    from musegen.errors import InputError
    from musegen.lyrics.parallel import workers_setting

    try:
        workers_setting()
    except InputError as exc:
        raise click.UsageError(str(exc)) from None


def check_key(key: str | None) -> None:
    """--key: a key musegen knows; a respelled tonic (Cb -> B) is said, not silently changed."""
    if key is None:
        return
    from musegen.errors import InputError
    from musegen.plan.planner import parse_key

    try:
        tonic, mode = parse_key(key)
    except InputError as exc:
        raise click.BadParameter(f"{key!r}: {_strip(str(exc), 'key')}", param_hint="--key") from None
    given = key.strip().split()[0]
    given = given[:-1] if len(given) > 1 and given.endswith("m") else given
    if given[:1].upper() + given[1:] != tonic:
        click.echo(f"note: --key {key}: written as {tonic} {mode or ''}".rstrip()
                   + " (musegen spells each key one way)", err=True)


def check_plan_options(tempo: float | None, meter: str | None, form: str | None, bars: str | None,
                       style: str | None, lyrics_given: bool) -> None:
    """--tempo, --meter, --form, --bars and --style, as the planner will read them."""
    from musegen.errors import InputError
    from musegen.plan.form import parse_bars, parse_form
    from musegen.plan.planner import TEMPO_RANGE, parse_meter

    if tempo is not None and not TEMPO_RANGE[0] <= tempo <= TEMPO_RANGE[1]:
        raise click.BadParameter(f"{tempo:g}: choose a tempo between {TEMPO_RANGE[0]:g} and "
                                 f"{TEMPO_RANGE[1]:g} BPM", param_hint="--tempo")
    if lyrics_given and (form is not None or bars is not None):
        raise click.UsageError("--form/--bars: with --lyrics the file's [Verse]/[Chorus] sections and lines "
                               "set the form and length; drop --form/--bars (split long lines instead)")
    try:
        if meter is not None:
            parse_meter(meter)
        sections = parse_form(form) if form is not None else None
        if bars is not None:
            values = parse_bars(bars)
            if isinstance(values, list) and sections is None:
                raise InputError(f"--bars {bars}: a list of {len(values)} numbers needs --form with as many "
                                 "sections; give one number (bars of every sung section) or add --form")
            if sections is not None:
                parse_bars(bars, len(sections))
        if style is not None:
            _check_style(style)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None


def _check_style(style: str) -> None:
    from musegen.plan.mood import load_table
    from musegen.styles.store import get_style

    if style not in load_table().styles:
        get_style(style, what="--style")


def read_lyrics(lyrics_file: Path):
    """--lyrics FILE read and parsed (every line singable), or BadParameter naming the file."""
    from musegen.errors import InputError
    from musegen.lyrics.parse import parse_lyrics_text

    try:
        text = lyrics_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.BadParameter(f"{lyrics_file}: no such file", param_hint="--lyrics") from None
    except (UnicodeDecodeError, OSError) as exc:
        why = "not UTF-8 text; save it as UTF-8" if isinstance(exc, UnicodeDecodeError) else \
            (exc.strerror or str(exc))
        raise click.BadParameter(f"{lyrics_file}: cannot read it ({why})", param_hint="--lyrics") from None
    try:
        parse_lyrics_text(text, source=str(lyrics_file))
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--lyrics") from None
    return text


def _strip(message: str, prefix: str) -> str:
    """`message` without a leading "<prefix> …:" (the hint already names the option)."""
    if message.startswith(prefix):
        return message.split(": ", 1)[-1]
    return message
