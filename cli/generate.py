"""`musegen generate "<prompt>" --out DIR`: mood prompt (or your lyrics) → a finished song folder."""

from __future__ import annotations

import time
from pathlib import Path

import click

METRICS_SHOWN = (("syllable_coverage", "syllable coverage", "{:.0%}"),
                 ("stressed_on_strong", "stressed on strong beats", "{:.0%}"),
                 ("unstressed_on_strong", "unstressed on strong beats", "{:.0%}"),
                 ("rests_inside_words", "rests inside words", "{:.0f}"),
                 ("lines_without_closing_rest", "lines without a closing rest", "{:.0f}"))


@click.command()
@click.argument("prompt", required=False, default="")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for song.json, song.mid, song.musicxml, song.wav/.flac, lyrics.txt, song.lrc.")
@click.option("--lyrics", "lyrics_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sing your own lyrics: a text file with [Verse], [Chorus] … headers.")
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same song.")
@click.option("--format", "audio_format", type=click.Choice(["wav", "flac"]), default="wav",
              show_default=True, help="Audio file format.")
@click.option("--no-audio", is_flag=True, help="Skip audio rendering.")
@click.option("--force", is_flag=True, help="Replace DIR if it already exists.")
@click.option("--key", default=None, help='Key, e.g. "A minor", "Eb", "F#m" (default: from the mood).')
@click.option("--tempo", type=float, default=None, help="Tempo in quarter notes per minute.")
@click.option("--meter", default=None, help="Meter: 4/4, 3/4, 2/4, 6/8 or 12/8.")
@click.option("--form", default=None,
              help="Form: standard, short, pre-chorus, double-chorus, no-bridge, or a list like "
                   '"intro,verse,chorus,outro".')
@click.option("--bars", default=None,
              help="Bars of each sung section (one number) or one per section (comma list).")
@click.option("--style", default=None,
              help="Genre (default: the one nearest the prompt): pop, ballad, rock, punk, metal, country, "
                   "folk, bluegrass, blues, jazz, bossa, reggae, hiphop, rnb, funk, gospel, disco, house, "
                   "synthwave, lofi, ambient, cinematic, lullaby, waltz, march, shanty, children; or a "
                   "fine-tuned style.")
@click.option("--instruments", default=None,
              help="The band, exactly, as a comma list of instrument words, e.g. 'piano, upright bass, "
                   "strings, no drums'. Words: piano, electric piano, organ, harpsichord, music box, "
                   "acoustic/nylon/electric/jazz/distorted guitar, ukulele, mandolin, banjo, harp, sitar, "
                   "bass, upright bass, slap bass, synth bass, 808s, tuba, strings, violin, fiddle, cello, "
                   "choir, brass, trumpet, sax, flute, clarinet, harmonica, accordion, bagpipes, synth, "
                   "synth pad, drums (all of them: README). The prompt's own words ('with a ukulele', "
                   "'piano only', 'no drums', 'acoustic') work too.")
@click.option("--soundfont", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A General MIDI .sf2/.sf3 soundfont for the audio (default: the shipped one).")
@click.option("--vocals", type=click.Choice(["on", "off"]), default="on", show_default=True,
              help="on: a voice sings the lyrics (song.wav plus vocals/band stems); off: the vocal line "
                   "plays on a GM synth voice.")
@click.option("--max-minutes", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Refuse songs planned longer than this (long lyric files); raise it to allow them.")
@click.pass_context
def generate(ctx: click.Context, prompt: str, out_dir: Path, lyrics_file: Path | None, seed: int | None,
             audio_format: str, no_audio: bool, force: bool, key: str | None, tempo: float | None,
             meter: str | None, form: str | None, bars: str | None, style: str | None, soundfont: Path | None,
             max_minutes: float, vocals: str, instruments: str | None) -> None:
    """Write a whole song for a mood PROMPT, e.g. musegen generate "melancholic rainy night" --out song."""
    from musegen.cli import checks

    from musegen.errors import MusegenError

    # every argument and the output folder are checked here, before any model loads
    if not prompt.strip() and lyrics_file is None:
        raise click.UsageError('give a mood PROMPT (e.g. "melancholic rainy night") or --lyrics FILE')
    out_dir = checks.check_out(out_dir, force)
    soundfont = checks.check_audio(ctx, no_audio, audio_format, soundfont)
    checks.check_key(key)
    checks.check_environment()
    checks.check_plan_options(tempo, meter, form, bars, style, lyrics_file is not None)
    lyrics_text = checks.read_lyrics(lyrics_file) if lyrics_file is not None else None
    if instruments is not None:
        from musegen.errors import InputError
        from musegen.plan.instruments import parse_instrument_list

        try:
            parse_instrument_list(instruments)
        except InputError as exc:
            raise click.BadParameter(str(exc).removeprefix("--instruments "), param_hint="--instruments") \
                from None
    overrides = {k: v for k, v in (("key", key), ("tempo", tempo), ("meter", meter), ("form", form),
                                   ("bars", bars), ("instruments", instruments)) if v is not None}
    from musegen.pipeline import compose
    from musegen.render import write_song_folder

    start = time.perf_counter()
    timings: dict[str, float] = {}
    try:
        song = compose(prompt, seed=seed, lyrics_text=lyrics_text, style=style, progress=True,
                       lyrics_source=str(lyrics_file), timings=timings, max_seconds=max_minutes * 60,
                       prefetch_voice=vocals == "on" and not no_audio, **overrides)
        t = time.perf_counter()
        written = write_song_folder(song, out_dir, audio_format=None if no_audio else audio_format,
                                    soundfont=soundfont, force=force, vocals=vocals == "on")
        timings["render"] = time.perf_counter() - t
    except MusegenError as exc:  # found during the work (e.g. another run wrote --out): one line, no usage
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"--out {out_dir}: cannot write ({exc.strerror or exc}); "
                                   "choose another folder") from None
    _summary(song, written, timings, time.perf_counter() - start)


def _summary(song, written: list[Path], timings: dict[str, float], total: float) -> None:
    plan = song.plan
    secs = song.duration_seconds
    click.echo(f"{plan.title!r}  (seed {song.meta.get('seed')})")
    click.echo(f"  key {plan.key} {plan.mode}, {plan.tempo:g} BPM, {plan.meter[0]}/{plan.meter[1]}, "
               f"style {plan.style} ({plan.groove}{', drums' if plan.drums else ', no drums'})")
    click.echo(f"  form {' '.join(plan.form)}  [{sum(s.bars for s in plan.sections)} bars]")
    click.echo(f"  duration {int(secs // 60)}:{int(secs % 60):02d}")
    if song.meta.get("vocals"):
        v = song.meta["vocals"]
        moved = f", sung {v['transpose']:+d} semitones" if v["transpose"] else ""
        click.echo(f"  voice: {v['voice']} ({v.get('model', 'hibari-tts')}; {v['license']}){moved}")
    click.echo("  alignment: " + ", ".join(f"{label} {fmt.format(song.metrics[k])}"
                                             for k, label, fmt in METRICS_SHOWN if k in song.metrics))
    for w in song.meta.get("warnings", []):
        click.echo(f"  warning: {w}", err=True)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    click.echo(f"  time: {stages}; total {total:.1f} s")
    click.echo("  files:")
    for p in written:
        click.echo(f"    {p}")
