"""What a normal run prints: our progress and summary on the terminal, errors as one line on stderr.

Third-party deprecation/future warnings and library log chatter (transformers, torch, huggingface_hub)
are not the user's business in a normal run; `musegen --verbose` keeps them all visible.
"""

from __future__ import annotations

import logging
import os
import warnings

NOISY_LOGGERS = ("transformers", "torch", "huggingface_hub", "accelerate", "peft", "music21", "urllib3")


def configure_output(verbose: bool) -> None:
    """Silence third-party warnings and logs unless `verbose` (then show library INFO logs too)."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
        warnings.simplefilter("default")
        return
    # read by transformers / huggingface_hub when they are first imported (the commands import lazily)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", category=UserWarning,
                            module=r"(torch|transformers|pretty_midi|music21)")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
