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


class BranchCache:
    """`batch` continuations of one batch-1 prefix (a prompt's candidate lines).

    The prefix's keys and values are read once per step for every row instead of being copied per row, and
    each row's own tokens go into buffers of `capacity` tokens allocated once, so a step concatenates
    nothing. `len` counts the prefix and the tokens so far; the prefix cache is never modified.
    """

    def __init__(self, prefix: KVCache, batch: int, capacity: int) -> None:
        self.prefix, self.batch, self.capacity = prefix, batch, capacity
        self.k: list[torch.Tensor | None] = [None] * len(prefix.kv)
        self.v: list[torch.Tensor | None] = [None] * len(prefix.kv)
        self.n = 0  # tokens of each row so far
        self.live: torch.Tensor | None = None  # the rows later steps run (None: all)

    def keep(self, rows: list[int]) -> None:
        """Later steps run only these rows (in this order); the others keep the tokens they have."""
        self.live = None if rows == list(range(self.batch)) else torch.tensor(rows)

    @property
    def len(self) -> int:
        """Positions so far: the prefix and each row's own tokens."""
        return self.prefix.len + self.n

    def row(self, r: int, n: int) -> KVCache:
        """A batch-1 cache of the prefix and the first `n` own tokens of row `r` (a copy of them).

        A row that stopped running holds only the tokens it had then.
        """
        if n > self.n:
            raise ValueError(f"BranchCache.row: {n} tokens asked, {self.n} held")
        out = KVCache(len(self.k))
        for i, (k, v) in enumerate(zip(self.k, self.v, strict=True)):
            past = self.prefix.kv[i]
            if k is None or n == 0:
                out.kv[i] = past
                continue
            ko, vo = k[r:r + 1, :, :n], v[r:r + 1, :, :n]
            out.kv[i] = (ko.clone(), vo.clone()) if past is None else \
                (torch.cat((past[0], ko), -2), torch.cat((past[1], vo), -2))
        out.len = self.prefix.len + n
        return out

    def put(self, i: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store layer `i`'s new keys and values (B, kv_heads, t, d); return the rows' own so far."""
        t = k.shape[2]
        if self.n + t > self.capacity:
            raise ValueError(f"BranchCache: {self.n + t} tokens exceed its capacity of {self.capacity}")
        if self.k[i] is None:
            b, h, _, d = k.shape
            self.k[i] = k.new_empty(b, h, self.capacity, d)
            self.v[i] = v.new_empty(b, h, self.capacity, d)
        if self.live is not None:  # the running rows' own tokens, gathered (a few dozen at most)
            self.k[i][self.live, :, self.n:self.n + t] = k
            self.v[i][self.live, :, self.n:self.n + t] = v
            return self.k[i][self.live, :, :self.n + t], self.v[i][self.live, :, :self.n + t]
        self.k[i][:, :, self.n:self.n + t] = k
        self.v[i][:, :, self.n:self.n + t] = v
        return self.k[i][:, :, :self.n + t], self.v[i][:, :, :self.n + t]


def _branch_attention(q: torch.Tensor, kp: torch.Tensor | None, vp: torch.Tensor | None, ks: torch.Tensor,
                      vs: torch.Tensor, scale: float) -> torch.Tensor:
    """Attention of q (B, H, t, d) over one shared prefix kp/vp (1, h, T, d) and own keys ks/vs (B, h, S, d).

    The t new tokens are the last of the S own ones (causal among them); query head j reads key head
    j // (H // h), as grouped-query attention does.
    """
    b, heads, t, d = q.shape
    h, s = ks.shape[1], ks.shape[2]
    g = heads // h
    qg = q.view(b, h, g, t, d)
    own = torch.matmul(qg, ks.unsqueeze(2).transpose(-1, -2)) * scale  # (B, h, g, t, S)
    if t > 1:  # new token j sits at own position S - t + j and sees own positions up to it
        seen = torch.arange(s)[None, :] <= torch.arange(s - t, s)[:, None]
        own = own.masked_fill(~seen, float("-inf"))
    if kp is None or kp.shape[2] == 0:
        w = torch.softmax(own, dim=-1)
        return torch.matmul(w, vs.unsqueeze(2)).view(b, heads, t, d)
    n = kp.shape[2]
    qp = qg.permute(1, 0, 2, 3, 4).reshape(h, b * g * t, d)  # every row's queries against the one prefix
    pre = (torch.matmul(qp, kp[0].transpose(-1, -2)) * scale).view(h, b, g, t, n).permute(1, 0, 2, 3, 4)
    w = torch.softmax(torch.cat((pre, own), dim=-1), dim=-1)
    wp = w[..., :n].permute(1, 0, 2, 3, 4).reshape(h, b * g * t, n)
    out = torch.matmul(wp, vp[0]).view(h, b, g, t, d).permute(1, 0, 2, 3, 4)
    out = out + torch.matmul(w[..., n:], vs.unsqueeze(2))
    return out.reshape(b, heads, t, d)


def _attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, cache: KVCache, i: int,
               mask: torch.Tensor | None, scale: float, groups: int) -> torch.Tensor:
    """Layer `i`'s attention as transformers runs it; its keys and values join `cache`."""
    past = cache.kv[i]
    if past is not None:
        k, v = torch.cat([past[0], k], dim=-2), torch.cat([past[1], v], dim=-2)
    cache.kv[i] = (k, v)
    if mask is None:  # one new token, or a prompt from scratch: SDPA's own causal form
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, scale=scale, is_causal=q.shape[2] > 1,
                                              enable_gqa=True)
    # several tokens after a cached prefix (keys repeated per group)
    return F.scaled_dot_product_attention(q, _repeat_kv(k, groups), _repeat_kv(v, groups), attn_mask=mask,
                                          dropout_p=0.0, scale=scale)


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


def _direct(mod: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """`mod`'s forward: for an int8 dynamic Linear its quantised op itself, else the module."""
    packed = getattr(mod, "_packed_params", None)
    if packed is None or packed.dtype != torch.qint8 or (getattr(mod, "version", None) or 0) < 4:
        return mod
    params = packed._packed_params
    return lambda x: torch.ops.quantized.linear_dynamic(x, params, reduce_range=True)


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

    def _calls(self) -> list[tuple[Callable[[torch.Tensor], torch.Tensor], ...]]:
        """Per layer, its projections (`PROJ` order) as plain calls: an int8 one runs its op directly.

        The same op with the same arguments as the module's forward, without nn.Module's and the quantised
        Linear's per-call Python (6 % of a decoding step: 7 projections x 30 layers per token).
        """
        got = self.__dict__.get("_call_table")
        if got is None or got[0] is not self.layers:
            table = [tuple(_direct(getattr(layer, name)) for name in PROJ) for layer in self.layers]
            got = (self.layers, table)
            self.__dict__["_call_table"] = got
        return got[1]

    @torch.inference_mode()
    def forward(self, ids: torch.Tensor, cache: KVCache | BranchCache) -> torch.Tensor:
        """Final-norm hidden states (B, T, D) of `ids` (B, T) after `cache`, which is extended in place.

        With a `KVCache` the arithmetic is transformers' own; with a `BranchCache` the attention reads the
        shared prefix once for all rows (the same result up to float rounding).
        """
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
        branch = isinstance(cache, BranchCache)
        if t > 1 and cache.len and not branch:  # token i sees the prefix and new tokens up to itself
            mask = (torch.arange(cache.len + t)[None, :] <= torch.arange(cache.len, cache.len + t)[:, None])
            mask = mask[None, None].expand(b, 1, t, cache.len + t)
        for i, (layer, f) in enumerate(zip(self.layers, self._calls(), strict=True)):
            h = _rms(x, layer.norm1, c.eps)
            q = f[0](h).view(b, t, -1, c.head_dim).transpose(1, 2)
            k = f[1](h).view(b, t, -1, c.head_dim).transpose(1, 2)
            v = f[2](h).view(b, t, -1, c.head_dim).transpose(1, 2)
            q = (q * cos) + (_rotate_half(q) * sin)
            k = (k * cos) + (_rotate_half(k) * sin)
            if branch:
                ks, vs = cache.put(i, k, v)
                kp, vp = cache.prefix.kv[i] or (None, None)
                a = _branch_attention(q, kp, vp, ks, vs, scale)
            else:
                a = _attention(q, k, v, cache, i, mask, scale, groups)
            a = a.reshape(b, -1, t, c.head_dim).transpose(1, 2).contiguous().reshape(b, t, -1).contiguous()
            x = x + f[3](a)
            h = _rms(x, layer.norm2, c.eps)
            x = x + f[6](F.silu(f[4](h)) * f[5](h))
        if branch:
            cache.n += t
        else:
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
