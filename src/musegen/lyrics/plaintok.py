"""The lyrics model's tokenizer through the `tokenizers` library alone (no `transformers` import).

Generating a song needs four things from the tokenizer: encode, decode, the token strings and the
vocabulary size. `transformers` wraps the same Rust tokenizer but costs seconds to import; this thin
wrapper gives the same ids and text (tested against it) for a `tokenizer.json` whose config does not ask
for `clean_up_tokenization_spaces`; other folders load through `transformers` as before.
"""

from __future__ import annotations

import json
from pathlib import Path


class PlainTokenizer:
    """encode / decode / convert_ids_to_tokens / len, as `transformers`' fast tokenizer gives them."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path / "tokenizer.json"))

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """Token ids of `text`."""
        return self._tok.encode(text, add_special_tokens=add_special_tokens).ids

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        """The text of `ids`."""
        return self._tok.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str | None]:
        """The token string of each id."""
        return [self._tok.id_to_token(i) for i in ids]

    def __len__(self) -> int:
        return self._tok.get_vocab_size(with_added_tokens=True)


def plain_ok(path: Path) -> bool:
    """Whether the tokenizer folder `path` can load as a `PlainTokenizer` with identical behaviour."""
    if not (path / "tokenizer.json").is_file():
        return False
    cfg = path / "tokenizer_config.json"
    try:
        conf = json.loads(cfg.read_text(encoding="utf-8")) if cfg.is_file() else {}
    except (OSError, ValueError):
        return False
    return not conf.get("clean_up_tokenization_spaces", False)
