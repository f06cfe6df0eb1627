"""A lean Llama decoder for the lyrics model: transformers' arithmetic without its per-call machinery.

SmolLM2 is a Llama. Decoding a line calls the model once per token for a small batch, and in
`transformers` each call walks ~20 Python wrappers per layer (deprecation shims, output capture, mask
builders, cache objects). `LeanLlama` runs the same operations in the same order (RMSNorm in float32,
rotary embedding, grouped-query SDPA, SiLU MLP), so its outputs are bit-identical to
`LlamaModel.forward` (tested), with a plain list of key/value tensors as its cache.

It holds only plain `nn.Linear` layers, so `torch.ao` dynamic quantisation applies to it, and its
quantised state dict loads back without quantising again (see `musegen.lyrics.model`).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

KEEP_CACHED = 4  # merged models kept in the user cache
PROJ = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class LeanConfig:
    """The shape of a Llama decoder."""

    vocab: int
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    eps: float
    rope_theta: float
    sub_vocab: int  # rows of the output projection (the scored sub-vocabulary)

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.hidden // self.heads

    def to_dict(self) -> dict:
        """The fields, for a JSON-like save."""
        return asdict(self)


def config_of(hf_config, sub_vocab: int) -> LeanConfig:
    """A `LeanConfig` from a transformers `LlamaConfig`; ValueError for what the lean decoder cannot run."""
    rope = getattr(hf_config, "rope_parameters", None) or {}
    theta = rope.get("rope_theta", getattr(hf_config, "rope_theta", 10000.0))
    dim = hf_config.hidden_size // hf_config.num_attention_heads
    if rope.get("rope_type", "default") != "default" or getattr(hf_config, "attention_bias", False) \
            or getattr(hf_config, "mlp_bias", False) or hf_config.hidden_act != "silu" \
            or getattr(hf_config, "head_dim", None) not in (None, dim):
        raise ValueError("only plain Llama decoders (default RoPE, no biases, SiLU) run on the lean path")
    return LeanConfig(hf_config.vocab_size, hf_config.hidden_size, hf_config.num_hidden_layers,
                      hf_config.num_attention_heads, hf_config.num_key_value_heads,
                      hf_config.intermediate_size, float(hf_config.rms_norm_eps), float(theta), sub_vocab)


class KVCache:
    """Keys and values per layer, (B, kv_heads, T, head_dim) each; `len` tokens so far."""

    def __init__(self, layers: int) -> None:
        self.kv: list[tuple[torch.Tensor, torch.Tensor] | None] = [None] * layers
        self.len = 0

    def expanded(self, batch: int) -> KVCache:
        """A copy with each row repeated `batch` times (a batch-1 prompt cache → `batch` candidates)."""
        out = KVCache(len(self.kv))
        out.kv = [None if e is None else (e[0].repeat_interleave(batch, 0), e[1].repeat_interleave(batch, 0))
                  for e in self.kv]
        out.len = self.len
        return out

    def copy(self) -> KVCache:
        """A copy that later steps can extend without touching this one (tensors are never modified)."""
        out = KVCache(len(self.kv))
        out.kv, out.len = list(self.kv), self.len
        return out


def _rms(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    x32 = x.to(torch.float32)
    x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return w * x32.to(x.dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _repeat_kv(x: torch.Tensor, n: int) -> torch.Tensor:
    if n == 1:
        return x
    b, h, t, d = x.shape
    return x[:, :, None].expand(b, h, n, t, d).reshape(b, h * n, t, d)


def _qlinear(n_in: int, n_out: int) -> nn.Module:
    """An int8 dynamic Linear awaiting its weights (made 1x1: a full-size one packs a zero matrix first)."""
    from torch.ao.nn.quantized.dynamic import Linear as QLinear

    q = QLinear(1, 1, bias_=False, dtype=torch.qint8)
    q.in_features, q.out_features = n_in, n_out
    return q


def _linear(n_in: int, n_out: int) -> nn.Module:
    """A float Linear with uninitialised weights (random init of 100M weights costs seconds; all are set)."""
    lin = nn.Linear(1, 1, bias=False)
    lin.weight = nn.Parameter(torch.empty(n_out, n_in), requires_grad=False)
    lin.in_features, lin.out_features = n_in, n_out
    return lin


class _Layer(nn.Module):
    def __init__(self, c: LeanConfig, linear: Callable[[int, int], nn.Module]) -> None:
        super().__init__()
        d, kv = c.hidden, c.kv_heads * c.head_dim
        self.norm1 = nn.Parameter(torch.empty(d), requires_grad=False)
        self.norm2 = nn.Parameter(torch.empty(d), requires_grad=False)
        self.q_proj, self.k_proj = linear(d, d), linear(d, kv)
        self.v_proj, self.o_proj = linear(d, kv), linear(d, d)
        self.gate_proj, self.up_proj = linear(d, c.intermediate), linear(d, c.intermediate)
        self.down_proj = linear(c.intermediate, d)


class LeanLlama(nn.Module):
    """Llama decoder body plus the sub-vocabulary output projection `head`.

    The weights are left unset: `from_hf` copies them, or a saved state dict is loaded with
    `load_state_dict(..., assign=True)`. `quantized`: the Linear layers are int8 dynamic ones (per tensor in
    the body, per row in `head`), the layout `model.quantize_lean` makes, so a saved quantised state dict
    loads without quantising again.
    """

    def __init__(self, c: LeanConfig, *, quantized: bool = False) -> None:
        super().__init__()
        self.c = c
        linear = _qlinear if quantized else _linear
        self.embed = nn.Embedding(c.vocab, c.hidden, _weight=torch.empty(c.vocab, c.hidden))
        self.layers = nn.ModuleList(_Layer(c, linear) for _ in range(c.layers))
        self.norm = nn.Parameter(torch.empty(c.hidden), requires_grad=False)
        self.head = linear(c.hidden, c.sub_vocab)
        steps = torch.arange(0, c.head_dim, 2, dtype=torch.float, device="cpu")
        self.register_buffer("inv_freq", 1.0 / (c.rope_theta ** (steps / c.head_dim)), persistent=False)
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_hf(cls, model: nn.Module, sub_ids: torch.Tensor) -> LeanLlama:
        """Copy the weights of a transformers `LlamaForCausalLM` (head rows: `sub_ids`)."""
        body = model.model
        lean = cls(config_of(model.config, len(sub_ids)))
        lean.embed.weight.data = body.embed_tokens.weight.detach().clone()
        lean.norm.data = body.norm.weight.detach().clone()
        lean.head.weight.data = model.get_output_embeddings().weight.detach()[sub_ids].clone()
        lean.inv_freq = body.rotary_emb.inv_freq.detach().clone()
        for mine, theirs in zip(lean.layers, body.layers, strict=True):
            mine.norm1.data = theirs.input_layernorm.weight.detach().clone()
            mine.norm2.data = theirs.post_attention_layernorm.weight.detach().clone()
            for name in PROJ:
                part = theirs.self_attn if name in PROJ[:4] else theirs.mlp
                getattr(mine, name).weight.data = getattr(part, name).weight.detach().clone()
        return lean

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Final-norm hidden states (B, T, D) of `ids` (B, T) after `cache`, which is extended in place."""
        c = self.c
        b, t = ids.shape
        x = self.embed(ids)
        pos = torch.arange(cache.len, cache.len + t).unsqueeze(0).expand(b, t)
        freqs = pos[..., None].float() * self.inv_freq
        e = torch.cat((freqs, freqs), dim=-1)
        cos = (e.cos() * 1.0).to(x.dtype).unsqueeze(1)  # * 1.0: transformers' attention_scaling
        sin = (e.sin() * 1.0).to(x.dtype).unsqueeze(1)
        scale, groups = c.head_dim ** -0.5, c.heads // c.kv_heads
        mask = None
        if t > 1 and cache.len:  # token i sees the prefix and new tokens up to itself
            mask = (torch.arange(cache.len + t)[None, :] <= torch.arange(cache.len, cache.len + t)[:, None])
            mask = mask[None, None].expand(b, 1, t, cache.len + t)
        for i, layer in enumerate(self.layers):
            h = _rms(x, layer.norm1, c.eps)
            q = layer.q_proj(h).view(b, t, -1, c.head_dim).transpose(1, 2)
            k = layer.k_proj(h).view(b, t, -1, c.head_dim).transpose(1, 2)
            v = layer.v_proj(h).view(b, t, -1, c.head_dim).transpose(1, 2)
            q = (q * cos) + (_rotate_half(q) * sin)
            k = (k * cos) + (_rotate_half(k) * sin)
            past = cache.kv[i]
            if past is not None:
                k, v = torch.cat([past[0], k], dim=-2), torch.cat([past[1], v], dim=-2)
            cache.kv[i] = (k, v)
            if mask is None:  # one new token, or a prompt from scratch: SDPA's own causal form
                a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, scale=scale, is_causal=t > 1,
                                                   enable_gqa=True)
            else:  # several tokens after a cached prefix, as transformers runs it (keys repeated per group)
                a = F.scaled_dot_product_attention(q, _repeat_kv(k, groups), _repeat_kv(v, groups),
                                                   attn_mask=mask, dropout_p=0.0, scale=scale)
            a = a.reshape(b, -1, t, c.head_dim).transpose(1, 2).contiguous().reshape(b, t, -1).contiguous()
            x = x + layer.o_proj(a)
            h = _rms(x, layer.norm2, c.eps)
            x = x + layer.down_proj(F.silu(layer.gate_proj(h)) * layer.up_proj(h))
        cache.len += t
        return _rms(x, self.norm, c.eps)


def _cache_file(key: str) -> Path:
    from musegen.lyrics.base import cache_dir

    return cache_dir() / "models" / "lean" / f"{key}.pt"


def write_lean(key: str, lean: LeanLlama, *, quantized: bool) -> None:
    """Keep a built model in the user cache under `key` (best effort: a failure only costs time later)."""
    from musegen.fsutil import atomic_write_bytes

    buf = io.BytesIO()
    torch.save({"config": lean.c.to_dict(), "quantized": quantized, "state": lean.state_dict()}, buf)
    with contextlib.suppress(OSError):
        path = atomic_write_bytes(_cache_file(key), buf.getvalue())
        # a model is ~250 MB: keep the few most recently used (the default, a style or two)
        kept = sorted(path.parent.glob("*.pt"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[KEEP_CACHED:]:
            old.unlink(missing_ok=True)


def read_lean(key: str) -> LeanLlama | None:
    """The model `write_lean` kept under `key` (~1 s instead of merging and quantising again), else None."""
    path = _cache_file(key)
    if not path.is_file():
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept when others are pruned
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note on quantised storages in weights-only loads
            saved = torch.load(path, weights_only=True, mmap=True)
        lean = LeanLlama(LeanConfig(**saved["config"]), quantized=bool(saved["quantized"]))
        lean.load_state_dict(saved["state"], assign=True)
    except Exception:  # an unreadable or stale cache entry is rebuilt, never fatal
        return None
    return lean
