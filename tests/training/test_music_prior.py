import gzip
import json

import pytest

from musegen.errors import InputError
from musegen.music.tokenizer import LeadSheet
from musegen.theory import Key
from musegen.training.music_corpus import sheet_to_dict
from musegen.training.music_prior import add_key_profiles, key_profiles
from musegen.types import Note, SectionMusic


def _sheet(key: str, pitches: list[int], name: str) -> LeadSheet:
    notes = [Note(i * 240, 240, p) for i, p in enumerate(pitches)]
    return LeadSheet(Key.parse(key), 90.0, (4, 4), [SectionMusic("verse", 2, notes, [], [len(notes)])],
                     name=name, source="pop909")


def test_key_profiles_are_tonic_relative_per_mode():
    prof = key_profiles([_sheet("D major", [62, 62, 66, 69], "a"), _sheet("B minor", [59, 62, 59, 66], "b"),
                         _sheet("G major", [67, 71, 74, 67], "c")])
    assert prof["major"][0] == pytest.approx(0.5 * (0.5 + 0.5))  # the tonic, in D and in G
    assert prof["major"][4] == pytest.approx(0.5 * 0.25 + 0.5 * 0.25)  # the major third
    assert prof["minor"][0] == pytest.approx(0.5) and prof["minor"][3] == pytest.approx(0.25)
    assert sum(prof["minor"]) == pytest.approx(1.0)
    with pytest.raises(InputError, match="minor"):
        key_profiles([_sheet("D major", [62], "a")])


def test_add_key_profiles_writes_the_checkpoint_config(tmp_path):
    sheets = [("train", _sheet("C major", [60, 64, 67, 60], "a")),
              ("train", _sheet("A minor", [57, 60, 64], "b")),
              ("valid", _sheet("A minor", [61, 61, 61], "v"))]
    with gzip.open(tmp_path / "sheets.jsonl.gz", "wt") as fh:
        for split, s in sheets:
            fh.write(json.dumps({**sheet_to_dict(s), "split": split}) + "\n")
    ck = tmp_path / "ck"
    ck.mkdir()
    (ck / "config.json").write_text(json.dumps({"n_layer": 2}))
    add_key_profiles(ck, tmp_path)
    cfg = json.loads((ck / "config.json").read_text())
    assert cfg["n_layer"] == 2 and cfg["key_profile"]["minor"][1] == 0.0  # the validation song is left out
    assert "1 major and 1 minor" in cfg["key_profile_source"]
    with pytest.raises(InputError, match=r"no config\.json"):
        add_key_profiles(tmp_path / "nothing", tmp_path)
