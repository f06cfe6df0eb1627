"""Key profiles for the music rerank: each mode's tonic-relative pitch-class histogram of real melodies.

`musegen.music.generate` keeps, of its candidate sections, those closest to the checkpoint's rerank prior.
That prior's pitch-class histogram is rotated to its most frequent class (EVALUATION.md), so it cannot
tell a minor-key line centred on its tonic from one built on the relative major's notes; the key
profile can. Written into a checkpoint's config.json as ``key_profile`` (the default checkpoint's from the
training split of POP909 and OpenEWLD, as its prior):

    python -m musegen.training.music_prior --corpus .devcarry/music2 --checkpoint src/musegen/music/default
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from musegen.errors import InputError
from musegen.music.tokenizer import LeadSheet

PRIOR_SOURCES = ("pop909", "openewld")  # the default prior's sources: pop and sung lead sheets


def key_profiles(sheets: Iterable[LeadSheet], partial: bool = False) -> dict[str, list[float]]:
    """Per mode, the mean tonic-relative pitch-class histogram of the sheets' sections with notes.

    A mode without sections is an error, or left out with `partial` (a style catalog in one mode).
    """
    from musegen.evaluation.melody import key_profile, melody_from_notes

    per: dict[str, list[np.ndarray]] = {"major": [], "minor": []}
    for s in sheets:
        for sec in s.sections:
            if sec.notes and s.key.mode in per:
                per[s.key.mode].append(key_profile(melody_from_notes(sec.notes), s.key.tonic))
    missing = [m for m, v in per.items() if not v]
    if missing and not partial:
        raise InputError(f"key profiles: no {' or '.join(missing)}-key sections among the sheets")
    return {m: [round(float(x), 5) for x in np.mean(v, axis=0)] for m, v in per.items() if v}


def add_key_profiles(checkpoint: Path, corpus: Path, sources: tuple[str, ...] = PRIOR_SOURCES) -> dict:
    """Write the key profiles of `corpus`'s training split (`sources` only) into `checkpoint`/config.json."""
    from musegen.fsutil import atomic_write_text
    from musegen.training.music_corpus import load_sheets

    cfg_path = checkpoint / "config.json"
    if not cfg_path.exists():
        raise InputError(f"--checkpoint {checkpoint}: no config.json; pass a music checkpoint folder")
    sheets = [s for sp, s in load_sheets(corpus / "sheets.jsonl.gz") if sp == "train" and s.source in sources]
    if not sheets:
        raise InputError(f"--corpus {corpus}: no training songs from {', '.join(sources)}")
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["key_profile"] = key_profiles(sheets)
    counts = {m: sum(s.key.mode == m for s in sheets) for m in ("major", "minor")}
    cfg["key_profile_source"] = (f"mean tonic-relative pitch-class histogram of the sections of "
                                 f"{counts['major']} major and {counts['minor']} minor training songs "
                                 f"({', '.join(sources)})")
    atomic_write_text(cfg_path, json.dumps(cfg, indent=1))  # as save_checkpoint writes it
    return {"key_profile": cfg["key_profile"], "source": cfg["key_profile_source"]}


def main(argv: list[str] | None = None) -> None:
    """Command line: add key profiles to a checkpoint's config.json."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="corpus folder with sheets.jsonl.gz")
    ap.add_argument("--checkpoint", type=Path, required=True, help="music checkpoint folder")
    a = ap.parse_args(argv)
    print(json.dumps(add_key_profiles(a.checkpoint, a.corpus), indent=1))


if __name__ == "__main__":
    main()
