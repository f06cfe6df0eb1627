"""`musegen melody`: melody + chords for a form, written as a lead sheet (MIDI + MusicXML)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from musegen.types import INSTRUMENTAL_SECTIONS, SECTION_TYPES


def _ints(text: str, what: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: expected comma-separated whole numbers, e.g. 8,8,7,9", param_hint=what
        ) from None
    if not vals or min(vals) < 1:
        raise click.BadParameter(f"{text!r}: numbers must be >= 1", param_hint=what)
    return vals


def _pitch(text: str) -> int:
    import pretty_midi

    try:
        return int(text) if text.isdigit() else int(pretty_midi.note_name_to_number(text))
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: use a note name like A3 or a MIDI number", param_hint="--range"
        ) from None


@click.command()
@click.option("--key", default="C major", show_default=True, help='Key, e.g. "A minor", "F#", "Bb major".')
@click.option("--tempo", type=float, default=100.0, show_default=True, help="Quarter-note BPM.")
@click.option("--meter", default="4/4", show_default=True, help="Time signature, e.g. 4/4, 3/4, 6/8.")
@click.option(
    "--form",
    default="verse,chorus",
    show_default=True,
    help=f"Comma-separated sections ({', '.join(SECTION_TYPES)}).",
)
@click.option(
    "--bars", default="8", show_default=True, help="Bars per section: one number or one per section."
)
@click.option(
    "--phrase-notes",
    default="8,8,8,8",
    show_default=True,
    help="Notes per sung phrase for every sung section; separate sections with ';' to vary them.",
)
@click.option("--chords", default=None, help='Given progression, one chord per bar, e.g. "Am,F,C,G".')
@click.option("--range", "vocal_range", default="A3-E5", show_default=True, help="Vocal range LOW-HIGH.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Music checkpoint folder (default: the shipped model).",
)
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same melody).")
@click.option(
    "--candidates",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Samples per section; the best by the rerank score is kept (fewer = faster).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for song.mid, song.musicxml and song.json.",
)
@click.option("--force", is_flag=True, help="Replace the --out folder if it already exists.")
def melody(
    key,
    tempo,
    meter,
    form,
    bars,
    phrase_notes,
    chords,
    vocal_range,
    model_path,
    seed,
    candidates,
    out_dir,
    force,
):
    """Write a melody with chords for a form, honouring notes per phrase, bars and range exactly."""
    from musegen.cli.checks import LateUsageError, check_out

    from musegen.errors import InputError, ModelError, MusegenError
    from musegen.fsutil import atomic_dir
    from musegen.music import generate_melody, load_music_model
    from musegen.music.generate import melody_song
    from musegen.render.midi import write_midi
    from musegen.render.musicxml import write_musicxml
    from musegen.songfile import save_song
    from musegen.theory import Key
    from musegen.types import SectionPlan, SongPlan

    start = time.perf_counter()
    out_dir = check_out(out_dir, force)  # before the model loads
    try:
        k = Key.parse(key)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--key") from None
    if tempo <= 0:
        raise click.BadParameter(f"{tempo}: must be > 0", param_hint="--tempo")
    try:
        num, den = (int(x) for x in meter.split("/"))
        if num < 1 or den not in (2, 4, 8):
            raise ValueError
    except ValueError:
        raise click.BadParameter(f"{meter!r}: expected e.g. 4/4, 3/4 or 6/8", param_hint="--meter") from None
    types = [t.strip().lower() for t in form.split(",") if t.strip()]
    bad = [t for t in types if t not in SECTION_TYPES]
    if not types or bad:
        raise click.BadParameter(
            f"unknown section {bad[0] if bad else form!r}; use {', '.join(SECTION_TYPES)}",
            param_hint="--form",
        )
    nbars = _ints(bars, "--bars")
    if len(nbars) not in (1, len(types)):
        raise click.BadParameter(
            f"{len(nbars)} values for {len(types)} sections; give one or one per section", param_hint="--bars"
        )
    nbars = nbars * len(types) if len(nbars) == 1 else nbars
    groups = [_ints(g, "--phrase-notes") for g in phrase_notes.split(";")]
    lo_hi = vocal_range.split("-")
    if len(lo_hi) != 2:
        raise click.BadParameter(f"{vocal_range!r}: expected LOW-HIGH, e.g. A3-E5", param_hint="--range")
    rng = (_pitch(lo_hi[0]), _pitch(lo_hi[1]))
    given = [c.strip() for c in chords.split(",") if c.strip()] if chords else []
    sections, sung = [], 0
    for t, b in zip(types, nbars, strict=True):
        pn = [] if t in INSTRUMENTAL_SECTIONS else groups[min(sung, len(groups) - 1)]
        sung += t not in INSTRUMENTAL_SECTIONS
        sections.append(SectionPlan(t, b, syllables=list(pn), phrase_notes=list(pn), chords=list(given)))
    plan = SongPlan("Melody", "", k.name, k.mode, float(tempo), (num, den), sections, vocal_range=rng)
    try:
        model = load_music_model(model_path)
        mel = generate_melody(plan, seed=seed, model=model, progress=True, candidates=candidates)
        song = melody_song(plan, mel, meta={"seed": seed, "model": str(model_path or "default")})
        with atomic_dir(out_dir, force=force) as tmp:
            written = [
                write_midi(song, tmp / "song.mid"),
                write_musicxml(song, tmp / "song.musicxml"),
                save_song(song, tmp / "song.json"),
            ]
    except ModelError as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from None
    except InputError as exc:  # the arguments do not fit together (e.g. too many notes for the bars)
        raise LateUsageError(str(exc)) from None
    except MusegenError as exc:  # found during the work (e.g. another run wrote --out): no usage header
        raise click.ClickException(str(exc)) from None
    for p in written:
        click.echo(str(out_dir / p.name))
    n = sum(len(s.notes) for s in mel.sections)
    click.echo(f"{n} notes, {sum(nbars)} bars in {time.perf_counter() - start:.1f} s", err=True)
