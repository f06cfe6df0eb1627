"""compose(): mood prompt → finished `Song`. Start reading here; each stage is one call.

    plan → lyrics (or the user's lyrics) → melody + chords → alignment → arrangement

The renderer (`musegen.render.write_song_folder`) turns the Song into files.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from musegen.types import Lyrics, LyricSection, Melody, Song, SongPlan

STAGES = ("plan", "lyrics", "music", "align", "arrange")


def compose(prompt: str, *, seed: int | None = None, lyrics_text: str | None = None,
            style: str | None = None, progress: bool = False, lyrics_model: Any = None,
            music_model: Any = None, lyrics_source: str = "<lyrics>", timings: dict[str, float] | None = None,
            max_seconds: float | None = None, prefetch_voice: bool = False, **overrides: Any) -> Song:
    """Write a song for a mood prompt (or sing `lyrics_text`, sections marked `[Verse]`, `[Chorus]` …).

    `overrides` are `make_plan`'s: key, mode, tempo, meter, form, bars, groove, drums, instruments,
    phrase_bars. `seed=None` draws one (stored in `song.meta["seed"]`); the same seed gives the same song.
    `lyrics_model`/`music_model` are loaded models to reuse; None loads the defaults (or the fine-tuned
    `style`'s). `timings`, when given, receives the seconds spent in each stage. A plan longer than
    `max_seconds` raises InputError before any model loads. While the lyrics are written (one thread), the
    melody is written section by section on the other core (for a prompt song without a style's copy guard;
    `timings["music"]` is then the wait after the lyrics), and the MusicXML writer and, with
    `prefetch_voice`, the singing voice load.
    """
    from musegen.conductor import align, arrange
    from musegen.device import torch_threads
    from musegen.plan import make_plan, plan_from_lyrics

    seed = random.SystemRandom().randrange(2**31) if seed is None else int(seed)
    if lyrics_text is None:
        from musegen.lyrics.parallel import workers_setting

        workers_setting()  # a bad MUSEGEN_LYRICS_WORKERS fails here, before any model loads
    timings = {} if timings is None else timings
    stage = _StageBar(progress, timings)
    with stage("plan"):
        if lyrics_text is None:
            plan = make_plan(prompt, style=style, seed=seed, **overrides)
        else:
            from musegen.lyrics.parse import parse_lyrics_text

            user = parse_lyrics_text(lyrics_text, source=lyrics_source)
            plan = plan_from_lyrics(user, prompt, style=style, seed=seed, **overrides)
    if max_seconds is not None:
        _check_length(plan, max_seconds, stage)
    lyrics_model, music_model, model_names, guard = _models(plan, style, lyrics_model, music_model)
    if lyrics_text is None:
        from musegen.lyrics.parallel import DEFAULT_SOURCE, prestart

        source = DEFAULT_SOURCE if lyrics_model is None else getattr(lyrics_model, "source", None)
        if source is not None:  # a helper process loads the same lyrics model on the other core meanwhile
            prestart(source)
    # the melody is written section by section while the lyrics are (same notes as one after the other)
    overlap = lyrics_text is None and guard is None
    warm = _prefetch(music_model is None and not overlap, prefetch_voice) if lyrics_text is None else None
    checks: dict[str, dict] = {}

    def compose_music(s: int, words: Any = None) -> Melody:
        from musegen.music import generate_melody, load_music_model

        model = music_model if music_model is not None else load_music_model()
        return generate_melody(plan, seed=s, model=model, progress=progress and not overlap,
                               lyrics=lyrics if words is None else words)

    feed = _LyricsFeed(len(plan.sections)) if overlap else None
    music = _Background(compose_music, seed, feed) if feed is not None else None
    # one thread for the whole overlap: each stage pins and restores it, and no restore may reach the other
    threads = torch_threads(1) if overlap else contextlib.nullcontext()
    with threads:
        try:
            with stage("lyrics"):
                if lyrics_text is None:
                    from musegen.lyrics import write_lyrics

                    def write(s: int) -> Lyrics:
                        return write_lyrics(plan, seed=s, model=lyrics_model, progress=progress,
                                            on_section=None if feed is None else feed.put)

                    if guard is None:
                        lyrics = write(seed)
                    else:  # a fine-tuned style must not copy its catalog's words
                        lyrics, checks["lyrics"] = guard.pick(write, guard.word_run, guard.max_words, seed)
                else:
                    lyrics = _with_instrumental_sections(user, plan)
        finally:
            if feed is not None:
                feed.close()  # a failed or interrupted lyrics stage stops the melody too
        if warm is not None:
            warm.join()  # the music model's cache is filled before the stage reads it
        with stage("music"):
            if music is not None:
                melody = music.result()
            elif guard is None:
                melody = compose_music(seed)
            else:  # nor its catalog's tunes
                melody, checks["music"] = guard.pick(compose_music, guard.note_run, guard.max_notes, seed)
    with stage("align"):
        song = align(plan, lyrics, melody)
    with stage("arrange"):
        song = arrange(song)
    stage.close()
    from musegen import __version__

    song.meta = {"seed": seed, "musegen": __version__, "prompt": prompt,
                 "user_lyrics": lyrics_text is not None, **model_names}
    if checks:
        song.meta["copy_guard"] = checks
    if plan.warnings:  # substitutes, contradictions, lyrics language: one list every stage may add to
        song.meta.setdefault("warnings", []).extend(plan.warnings)
    return song


def _prefetch(music: bool, voice: bool) -> threading.Thread:
    """Load what later stages need into their caches, on the core the lyrics decoder leaves idle.

    Nothing here draws random numbers or writes outputs; a failure is left for the stage that needs the
    thing, which raises it with its own message.
    """

    def run() -> None:
        with contextlib.suppress(Exception):
            if music:
                from musegen.music import load_music_model

                load_music_model()
            import music21  # noqa: F401 - the MusicXML writer imports it on first use (~1 s)
        if voice:
            with contextlib.suppress(Exception):
                import scipy.signal  # noqa: F401 - the singer's resampler and the vocal compressor (~1 s)

                from musegen.sing.model import load_voice

                load_voice(1)

    t = threading.Thread(target=run, name="musegen-prefetch", daemon=True)
    t.start()
    return t


class _CancelledError(Exception):
    """The lyrics stage ended before the section the melody waits for."""


class _LyricsFeed:
    """Lyrics that arrive section by section, read like a `Lyrics`: `sections[k]` waits for section k."""

    def __init__(self, n: int) -> None:
        self._items: list[LyricSection | None] = [None] * n
        self._cond = threading.Condition()
        self._closed = False

    @property
    def sections(self) -> _LyricsFeed:
        return self

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, k: int) -> LyricSection:
        with self._cond:
            self._cond.wait_for(lambda: self._items[k] is not None or self._closed)
            item = self._items[k]
        if item is None:
            raise _CancelledError(f"lyrics section {k} was never written")
        return item

    def put(self, k: int, section: LyricSection) -> None:
        """Section k is written."""
        with self._cond:
            self._items[k] = section
            self._cond.notify_all()

    def close(self) -> None:
        """No more sections will come: a reader still waiting gets `_CancelledError`."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _Background:
    """`fn(seed, feed)` on a daemon thread; `result()` waits for it and raises what it raised."""

    def __init__(self, fn: Any, seed: int, feed: _LyricsFeed) -> None:
        self._out: Any = None
        self._err: BaseException | None = None

        def run() -> None:
            try:
                self._out = fn(seed, feed)
            except BaseException as e:  # handed to the caller by result()
                self._err = e

        self._thread = threading.Thread(target=run, name="musegen-melody", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._err is not None:
            raise self._err
        return self._out


def _check_length(plan: SongPlan, max_seconds: float, stage: _StageBar) -> None:
    """InputError when the planned song is longer than `max_seconds` (e.g. a 200-line lyric file)."""
    from musegen.errors import InputError

    quarters = sum(s.bars for s in plan.sections) * plan.meter[0] * 4 / plan.meter[1]
    seconds = quarters * 60.0 / plan.tempo
    if seconds > max_seconds:
        stage.close()
        raise InputError(f"the song would last {seconds / 60:.0f} min ({sum(s.bars for s in plan.sections)} "
                         f"bars at {plan.tempo:g} BPM), over the {max_seconds / 60:g} min limit; shorten the "
                         "lyrics or raise --max-minutes")


def _models(
    plan: SongPlan, style: str | None, lyrics_model: Any, music_model: Any
) -> tuple[Any, Any, dict, Any]:
    """Models for a fine-tuned style (its folder's adapters), else whatever was passed (None = defaults).

    The fourth value is the style's copy guard (`musegen.styles.guard.Guard`), None without a style.
    """
    names = {"lyrics_model": "default" if lyrics_model is None else "given",
             "music_model": "default" if music_model is None else "given"}
    if style is None or plan.style != style:
        return lyrics_model, music_model, names, None
    from musegen.plan.mood import load_table

    if style in load_table().styles:  # a built-in arrangement style: default models
        return lyrics_model, music_model, names, None
    from musegen.styles.guard import load_guard
    from musegen.styles.store import get_style

    st = get_style(style)
    if lyrics_model is None and st.lyrics_path is not None:
        from musegen.lyrics import load_lyrics_model

        lyrics_model = load_lyrics_model(adapter=st.lyrics_path)
        names["lyrics_model"] = f"style:{style}"
    if music_model is None and st.music_path is not None:
        from musegen.music import load_music_model

        music_model = load_music_model(st.music_path)
        names["music_model"] = f"style:{style}"
    return lyrics_model, music_model, names, load_guard(st)


def _with_instrumental_sections(user: Lyrics, plan: SongPlan) -> Lyrics:
    """The user's sections between the plan's intro and outro (see `plan_from_lyrics`)."""
    sung = [LyricSection(sec.type, sec.lines, None if sec.repeat_of is None else sec.repeat_of + 1)
            for sec in user.sections]
    return Lyrics([LyricSection(plan.sections[0].type, []), *sung, LyricSection(plan.sections[-1].type, [])])


class _StageBar:
    """One tqdm bar over the stages (when `progress`), and seconds per stage into `timings`."""

    def __init__(self, progress: bool, timings: dict[str, float]) -> None:
        self.timings = timings
        self.bar = None
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=len(STAGES), desc="musegen", unit="stage", leave=False)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.bar is not None:
            self.bar.set_description(f"musegen: {name}")
        start = time.perf_counter()
        try:
            yield
        except BaseException:
            self.close()  # clear the bar so that the error line stands alone
            raise
        self.timings[name] = time.perf_counter() - start
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
