"""The plain tokenizer gives transformers' ids, text and token strings."""

import random

from musegen.lyrics.base import load_tokenizer, tokenizer_dir
from musegen.lyrics.plaintok import PlainTokenizer, plain_ok


def test_same_ids_text_and_tokens_as_transformers():
    hf, plain = load_tokenizer(), PlainTokenizer(tokenizer_dir())
    assert len(plain) == len(hf)
    for text in ("The night is long, and I'm  still here!\n", " don't  you know?\n\n", "雨夜的忧伤 🌧️ café",
                 "<|im_start|>user\nWrite a verse<|im_end|>\n"):
        ids = plain.encode(text)
        assert ids == hf.encode(text, add_special_tokens=False)
        assert plain.decode(ids) == hf.decode(ids)
    r = random.Random(0)
    for _ in range(300):
        ids = [r.randrange(len(hf)) for _ in range(r.randrange(1, 10))]
        assert plain.decode(ids) == hf.decode(ids)
    some = list(range(0, len(hf), 97))
    assert plain.convert_ids_to_tokens(some) == hf.convert_ids_to_tokens(some)


def test_folders_it_cannot_match_are_left_to_transformers(tmp_path):
    assert plain_ok(tokenizer_dir())
    assert not plain_ok(tmp_path)  # no tokenizer.json
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "tokenizer_config.json").write_text('{"clean_up_tokenization_spaces": true}')
    assert not plain_ok(tmp_path)
