"""A song's sections written by this process and a helper process on the second CPU, same words either way.

Decoding the 135 M lyrics model is one thread's work: two OpenMP threads on a shared 2-core machine measured
9× slower, and two Python threads sharing the GIL only 1.3× faster. A second process with its own copy of
the model decodes at full speed beside this one. Each section's words depend only on the song and the
section's index (`generate.SongWriter`), so how the sections are shared out changes the time, never the
words. Both take the next section from one queue: the longest first (most syllables; the song's order
among equals), so that neither process is left with a long section at the end, and the melody, which
follows the sections in song order, is not held up behind a long one while shorter ones wait (with the
helper taking sections from the end and this process from the start, a song whose 4-line chorus came third
among 2-line sections had its melody wait 5.2 s after the lyrics). A helper that cannot start, or
fails, only costs time: this process writes what is left. The helper (`worker.py`) is started on first use
(or by `prestart` while a song is planned) and kept for the next song while the model is the same.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from musegen.errors import InputError

WORKERS_ENV = "MUSEGEN_LYRICS_WORKERS"  # "0": never start a helper process


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


DEFAULT_SOURCE = (None, None, True)  # `load_lyrics_model()`'s arguments: the shipped adapter, int8


def helpers_for(lm: Any, workers: int | None) -> int:
    """Helper processes to use for `lm`: 0 or 1 (`workers` None: one if a second CPU is there and allowed)."""
    if getattr(lm, "source", None) is None:  # not loaded by load_lyrics_model: a helper cannot load it
        return 0
    return _wanted(workers)


def workers_setting() -> int | None:
    """The helper count `MUSEGEN_LYRICS_WORKERS` asks for (None: unset, choose by CPUs).

    Raises InputError, naming the variable and what it accepts, for anything but a whole number.
    """
    env = os.environ.get(WORKERS_ENV, "").strip()
    if not env:
        return None
    if not env.isdigit():
        raise InputError(f"{WORKERS_ENV}={env!r}: must be a whole number (0 turns the lyrics helper process "
                         f"off, 1 allows it); unset it to choose by CPUs")
    return int(env)


def _wanted(workers: int | None) -> int:
    if workers is None:
        workers = workers_setting()
        if workers is None:
            workers = 1 if cpus() >= 2 else 0
    return min(max(int(workers), 0), 1)


def prestart(source: tuple = DEFAULT_SOURCE) -> None:
    """Start the helper for a model `source` now, if one will be used: it loads while this process starts."""
    if _wanted(None):
        _helper(source)


class Helper:
    """A helper process holding its own copy of a lyrics model (`worker.main`), spoken to through pipes."""

    def __init__(self, source: tuple) -> None:
        import musegen

        self.source = source
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore")
        root = str(Path(musegen.__file__).resolve().parents[1])  # the same musegen as this process
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        self.proc: subprocess.Popen | None = None
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", "musegen.lyrics.worker"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, env=env)
        except OSError:  # no interpreter to start: this process writes every section
            self.alive = False
            return
        self.alive = self._send(("load", source))

    def _send(self, msg: tuple) -> bool:
        try:
            pickle.dump(msg, self.proc.stdin)  # type: ignore[arg-type]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            return True
        except (OSError, ValueError, pickle.PicklingError):
            self.close()
            return False

    def _ask(self, msg: tuple) -> tuple | None:
        """Send `msg` and read the reply (None: the helper is gone or failed)."""
        if not self.alive or not self._send(msg):
            return None
        try:
            reply = pickle.load(self.proc.stdout)  # type: ignore[arg-type]
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            self.close()
            return None
        if not isinstance(reply, tuple) or reply[0] == "failed":
            self.close()  # a helper that failed once is not trusted with the next section
            return None
        return reply

    def begin(self, job: Any) -> bool:
        """Set up a song (`generate.SongJob`); False when the helper cannot."""
        return self._ask(("song", job)) is not None

    def write(self, k: int) -> tuple | None:
        """Section k of the current song, as `SongWriter.section(k)` gives it (None: the helper failed)."""
        reply = self._ask(("write", k))
        return None if reply is None else reply[1]

    def close(self) -> None:
        """Stop the helper process."""
        self.alive = False
        if self.proc is None:
            return
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]


_HELPER: Helper | None = None
_LOCK = threading.Lock()


def _helper(source: tuple) -> Helper:
    """The kept helper for a model `source` (a new one when the model changed or the last one died)."""
    global _HELPER
    with _LOCK:
        if _HELPER is not None and (_HELPER.source != source or not _HELPER.alive):
            _HELPER.close()
            _HELPER = None
        if _HELPER is None:
            _HELPER = Helper(source)
        return _HELPER


def close_helpers() -> None:
    """Stop the kept helper process, if any (also done at exit)."""
    global _HELPER
    with _LOCK:
        if _HELPER is not None:
            _HELPER.close()
            _HELPER = None


atexit.register(close_helpers)


def write_sections(writer: Any, n: int, settle: Callable[[int, tuple | None, bool], bool], *,
                   workers: int | None = None) -> int:
    """Write `writer.todo()` and call `settle(k, section or None, may_write)` for k = 0 … n-1, in song order.

    `writer` is a `generate.SongWriter`; sections not to write are settled with None. With a helper the
    sections are shared out (see the module doc). Section k is settled as soon as it and all before it are
    there, by whichever thread got it last; `settle` returns False to leave a section to this thread
    (`may_write` False: it would have to write again, which only this thread does). Returns how many
    sections the helper wrote.
    """
    todo = writer.todo()
    sections = writer.job.plan.sections
    left = sorted(todo, key=lambda k: (-sum(sections[k].syllables), k))  # not yet claimed, next first
    done: dict[int, tuple] = {}
    orphans: list[int] = []  # claimed by a helper that failed: written here
    cond = threading.Condition()
    feeding = [False]
    by_helper = [0]
    wanted = set(todo)
    nxt = [0]  # the next section to settle
    settling = threading.Lock()  # one thread settles at a time, in order
    more = [False]  # a section came in while another thread was settling

    def claim() -> int | None:
        with cond:
            return left.pop(0) if left else None

    def advance(here: bool) -> None:
        """Settle what is there, in order (`here`: this thread, which may write again and waits its turn)."""
        while True:
            more[0] = True
            if not settling.acquire(blocking=here):
                return  # the settling thread sees `more` and goes on
            try:
                more[0] = False
                while nxt[0] < n:
                    with cond:
                        if nxt[0] in wanted and nxt[0] not in done:
                            break
                        got = done.get(nxt[0])
                    if not settle(nxt[0], got, here):
                        break
                    with cond:
                        done.pop(nxt[0], None)
                        nxt[0] += 1
                        cond.notify_all()
            finally:
                settling.release()
            if not more[0]:
                return

    helper = _helper(writer.lm.source) if len(todo) > 1 and helpers_for(writer.lm, workers) else None
    feeder = None
    if helper is not None:
        def feed() -> None:
            try:
                if not helper.begin(writer.job):
                    return
                while (k := claim()) is not None:
                    got = helper.write(k)
                    with cond:
                        if got is None:
                            orphans.append(k)
                        else:
                            done[k] = got
                            by_helper[0] += 1
                        cond.notify_all()
                    if got is None:
                        return
                    advance(False)  # the melody gets it now, not when this thread's section is done
            finally:
                with cond:
                    feeding[0] = False
                    cond.notify_all()

        feeding[0] = True
        feeder = threading.Thread(target=feed, name="musegen-lyrics-helper", daemon=True)
        feeder.start()
    try:
        while True:
            advance(True)
            if nxt[0] >= n:
                break
            k = claim()
            if k is None:
                with cond:
                    # wait for the helper: a section it wrote (or one to settle here), or its end
                    while not orphans and feeding[0] and nxt[0] < n and nxt[0] in wanted \
                            and nxt[0] not in done:
                        cond.wait()
                    k = orphans.pop(0) if orphans else None
                    if k is None and not feeding[0] and nxt[0] < n and nxt[0] in wanted \
                            and nxt[0] not in done:
                        k = nxt[0]  # nobody holds it any more (cannot happen; written here rather than hang)
            if k is not None:
                got = writer.section(k)
                with cond:
                    done[k] = got
    except BaseException:
        if feeder is not None and feeder.is_alive():
            close_helpers()  # it may be mid-section: a fresh one serves the next song
        raise
    if feeder is not None:
        feeder.join()
    return by_helper[0]
