"""`musegen lyrics` through CliRunner with a tiny base model (the real one is exercised by benchmarks)."""

import pytest
from click.testing import CliRunner
from lyrics_tiny import tiny_base_dir
from musegen.cli.main import main

from musegen.evaluation.lyrics import line_syllables, parse_plain


@pytest.fixture(autouse=True, scope="module")
def _private_cache(private_model_cache):
    """Tiny merged models stay out of the user's model cache."""


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_base_dir(tmp_path_factory.mktemp("tiny-base"))


@pytest.fixture(scope="module")
def tiny_adapter(base, tmp_path_factory):
    from peft import LoraConfig, get_peft_model

    from musegen.lyrics.base import load_base

    model, _ = load_base(base)
    out = tmp_path_factory.mktemp("adapter")
    get_peft_model(model, LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj"])).save_pretrained(out)
    return out


def test_lyrics_prints_the_plain_text_format(base, tiny_adapter, tmp_path):
    args = ["lyrics", "stormy sea", "--form", "intro,verse,chorus,chorus", "--syllables", "5,4",
            "--rhyme", "AA", "--seed", "3", "--base", str(base), "--adapter", str(tiny_adapter)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    stanzas = parse_plain(res.output)
    assert [h for h, _ in stanzas] == ["verse", "chorus", "chorus"]
    assert stanzas[1][1] == stanzas[2][1]
    for _, lines in stanzas:
        assert [line_syllables(x) for x in lines] == [5, 4]
    out = tmp_path / "words.txt"
    assert CliRunner().invoke(main, [*args, "--out", str(out)]).exit_code == 0
    assert out.read_text() == res.output
    again = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert again.exit_code != 0 and "--force" in again.output


@pytest.mark.parametrize(("extra", "msg"), [(["--syllables", "8,x"], "--syllables"),
                                            (["--form", "verse,solo"], "--form"),
                                            (["--rhyme", "A-B"], "--rhyme"),
                                            (["--syllables", "40", "--rhyme", "A"], "syllables per line"),
                                            (["--syllables", "8,8/6,6,6", "--form", "verse"], "--syllables"),
                                            (["--syllables", "1,1,1,1"], "section 0 (verse)"),
                                            (["--rhyme", "ABAB/AABB/ABAB", "--form", "verse,chorus,chorus"],
                                             "repeats section"),
                                            (["--adapter", "/nonexistent"], "--adapter")])
def test_bad_arguments_are_one_line_usage_errors(base, extra, msg):
    res = CliRunner().invoke(main, ["lyrics", "rain", "--base", str(base), *extra])
    assert res.exit_code == 2 and msg in res.output and "Traceback" not in res.output


def test_per_section_syllables_and_rhyme(base, tiny_adapter):
    args = ["lyrics", "stormy sea", "--form", "verse,chorus,verse,chorus",
            "--syllables", "6,6,6,6/5,5,5/6,6,6,6/5,5,5", "--rhyme", "AABB/AXA/ABAB/AXA",
            "--seed", "2", "--base", str(base), "--adapter", str(tiny_adapter)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    stanzas = parse_plain(res.output)
    assert [len(lines) for _, lines in stanzas] == [4, 3, 4, 3]
    assert [line_syllables(x) for x in stanzas[1][1]] == [5, 5, 5]
    assert stanzas[1][1] == stanzas[3][1]  # the chorus is written once


def test_a_prompt_in_another_language_gets_english_lyrics_and_a_warning(base, tiny_adapter):
    args = ["lyrics", "夜の雨", "--form", "verse", "--syllables", "5,5", "--rhyme", "AA", "--seed", "1",
            "--base", str(base), "--adapter", str(tiny_adapter)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "Japanese" in res.stderr and "English" in res.stderr
    (_, lines), = parse_plain(res.stdout)
    assert len(lines) == 2 and all(x.isascii() for x in lines)
