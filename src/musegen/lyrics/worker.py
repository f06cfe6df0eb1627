"""The lyrics helper process (`python -m musegen.lyrics.worker`): writes the sections `parallel` sends it.

It reads pickled requests on stdin and answers on stdout: ("load", source) loads the model as
`load_lyrics_model(*source)` did; ("song", job) sets up a `generate.SongWriter`, answered ("ready",);
("write", k) answers ("done", section k). Anything that fails answers ("failed", reason) and the parent
writes that section itself. One thread; Ctrl-C is the parent's to handle (it stops this process).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys

# a lower CPU priority than the main process: when its melody thread has a section to write, it takes the CPU
# from this process rather than share the main process's core with the lyrics
NICE = 5


def main() -> None:
    """Serve requests until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if NICE and hasattr(os, "nice"):
        os.nice(NICE)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints stays out of the replies
    inp = sys.stdin.buffer
    import warnings

    warnings.simplefilter("ignore")
    import torch

    from musegen.lyrics.generate import SongWriter
    from musegen.lyrics.model import load_lyrics_model

    torch.set_num_threads(1)
    lm = writer = None
    while True:
        try:
            msg = pickle.load(inp)
        except (EOFError, OSError):
            return
        try:
            if msg[0] == "load":
                adapter, base, quantize = msg[1]
                lm = load_lyrics_model(adapter, base, quantize=quantize)
                continue  # no answer: the first song's "ready" says the model is there
            if msg[0] == "song":
                writer = SongWriter(msg[1], lm)
                reply: tuple = ("ready",)
            elif msg[0] == "write" and writer is not None:
                reply = ("done", writer.section(msg[1]))
            else:
                reply = ("failed", f"unexpected request {msg[0]!r}")
        except Exception as exc:  # the parent writes the section itself (and raises what it raises)
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        pickle.dump(reply, out)
        out.flush()


if __name__ == "__main__":
    main()
