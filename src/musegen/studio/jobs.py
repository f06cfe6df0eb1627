"""One worker thread runs the studio's jobs (generate, edit, extend, undo) in the order they came.

Requests only enqueue; two edits of a song can never run at once, and a client polls the job for its
stage and result. Finished jobs are kept (the newest `KEEP`) so a slow client still finds its answer.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from musegen.errors import MusegenError

KEEP = 200


@dataclass
class Job:
    """A queued piece of work and what the client may see of it."""

    id: str
    kind: str
    run: Callable[[Job], dict[str, Any]]
    state: str = "queued"  # queued | running | done | error
    stage: str = ""
    progress: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def view(self) -> dict[str, Any]:
        """The job as JSON for the client."""
        return {"id": self.id, "kind": self.kind, "state": self.state, "stage": self.stage,
                "progress": round(self.progress, 3), "result": self.result, "error": self.error,
                "seconds": round((self.finished or time.time()) - self.created, 2)}


class Worker:
    """A FIFO of jobs and the one thread that runs them."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="musegen-studio-worker", daemon=True)
        self._thread.start()

    def submit(self, kind: str, run: Callable[[Job], dict[str, Any]]) -> Job:
        """Queue `run(job)`; it returns the job's result dict or raises a MusegenError."""
        with self._lock:
            job = Job(str(next(self._ids)), kind, run)
            self._jobs[job.id] = job
            for old in sorted(self._jobs.values(), key=lambda j: j.created)[:-KEEP]:
                if old.state in ("done", "error"):
                    del self._jobs[old.id]
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id (None: unknown or forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._lock:
            return sum(j.state in ("queued", "running") for j in self._jobs.values())

    def stop(self) -> None:
        """Finish the queued jobs, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout=60)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            job.state = "running"
            try:
                job.result = job.run(job)
                job.state, job.progress = "done", 1.0
            except MusegenError as exc:
                job.state, job.error = "error", str(exc)
            except Exception as exc:  # an internal error: the client gets one line, the log the trace
                traceback.print_exc()
                job.state = "error"
                job.error = f"internal error ({exc.__class__.__name__}: {exc}); see the log"
            job.finished = time.time()
