"""The music transformer: a small decoder-only GPT over lead-sheet tokens (nanoGPT-style, SDPA attention).

Checkpoints are folders: config.json (the `MusicConfig`) + model.safetensors (+ tokenizer.json, README.md).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


class KVCache:
    """Preallocated key/value buffers, (B, n_head, block_size, head_dim) per layer, filled up to `len`.

    Writing in place keeps a decoding step O(1) in memory traffic (no torch.cat of the whole history).
    """

    def __init__(self, k: list[torch.Tensor], v: list[torch.Tensor], length: int = 0) -> None:
        self.k, self.v, self.len = k, v, length

    @classmethod
    def empty(cls, cfg: MusicConfig, batch: int, device: torch.device, dtype=torch.float32) -> KVCache:
        """A cache for `batch` rows of up to block_size tokens."""
        shape = (batch, cfg.n_head, cfg.block_size, cfg.n_embd // cfg.n_head)
        return cls(
            [torch.zeros(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)],
            [torch.zeros(shape, device=device, dtype=dtype) for _ in range(cfg.n_layer)],
        )

    def select(self, row: int, length: int) -> KVCache:
        """A batch-1 copy of one row, keeping its first `length` positions."""
        return KVCache(
            [k[row : row + 1].clone() for k in self.k], [v[row : row + 1].clone() for v in self.v], length
        )

    def repeat(self, n: int) -> KVCache:
        """The batch-1 cache copied into `n` rows."""
        return KVCache(
            [k.repeat(n, 1, 1, 1) for k in self.k], [v.repeat(n, 1, 1, 1) for v in self.v], self.len
        )


@dataclass
class MusicConfig:
    """Model shape."""

    vocab_size: int = 325
    block_size: int = 1024
    n_layer: int = 6
    n_head: int = 4
    n_embd: int = 256
    dropout: float = 0.1

    @classmethod
    def tiny(cls, vocab_size: int = 325) -> MusicConfig:
        """The debug model of the tests: 2 layers, width 16."""
        return cls(vocab_size=vocab_size, block_size=256, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with an optional KV cache."""

    def __init__(self, cfg: MusicConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.dropout = cfg.dropout
        self.resid_drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        """(B, T, C) -> (B, T, C); with a cache, T new positions follow its `len` filled ones."""
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        # (B, T, C) -> (B, nh, T, hd)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        start = 0
        if cache is not None:  # write the new keys/values in place, attend over the filled part
            start = cache.len
            cache.k[layer][:, :, start : start + t] = k
            cache.v[layer][:, :, start : start + t] = v
            k, v = cache.k[layer][:, :, : start + t], cache.v[layer][:, :, : start + t]
        # with earlier positions cached, new queries see all of them: only the new block needs a mask
        causal = t > 1
        mask = None
        if causal and start > 0:
            mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(diagonal=start)
            causal = False
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=causal, dropout_p=self.dropout if self.training else 0.0
        )
        y = y.transpose(1, 2).contiguous().view(b, t, c)  # (B, nh, T, hd) -> (B, T, C)
        return self.resid_drop(self.c_proj(y))


class Block(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, cfg: MusicConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd),
            nn.GELU(),
            nn.Linear(4 * cfg.n_embd, cfg.n_embd),
            nn.Dropout(cfg.dropout),
        )

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        """Attention then MLP, each around a residual."""
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class MusicTransformer(nn.Module):
    """Decoder-only transformer; `forward(idx, cache)` -> logits (B, T, V) (the cache advances in place)."""

    def __init__(self, cfg: MusicConfig) -> None:
        super().__init__()
        self.config = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        """Parameter count (tied weights once, position table included)."""
        return sum(p.numel() for p in self.parameters())

    def new_cache(self, batch: int) -> KVCache:
        """An empty KV cache for `batch` rows on the model's device."""
        return KVCache.empty(self.config, batch, self.wte.weight.device, self.wte.weight.dtype)

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Logits (B, T, V) for every position of `idx` (B, T), after the cache's positions if given."""
        start = cache.len if cache is not None else 0
        t = idx.shape[1]
        if start + t > self.config.block_size:
            raise ValueError(f"sequence of {start + t} tokens exceeds block_size {self.config.block_size}")
        pos = torch.arange(start, start + t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for i, blk in enumerate(self.blocks):
            x = blk(x, cache, i)
        if cache is not None:
            cache.len += t
        return self.lm_head(self.ln_f(x))


# ----------------------------------------------------------------------------- checkpoints
def save_checkpoint(model: MusicTransformer, folder: str | Path, extra: dict | None = None) -> Path:
    """Write config.json + model.safetensors (+ tokenizer.json) into `folder`."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to("cpu", torch.float32).contiguous()
        for k, v in model.state_dict().items()
        if k != "lm_head.weight"
    }  # tied to wte.weight
    save_file(state, str(folder / "model.safetensors.tmp"), metadata={"format": "pt"})
    (folder / "model.safetensors.tmp").replace(folder / "model.safetensors")
    cfg = {"model_type": "musegen-music", **asdict(model.config), **(extra or {})}
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    try:  # the tokenizer layout travels with the weights (plain-torch training machines lack nothing here)
        from musegen.music.tokenizer import save_tokenizer

        save_tokenizer(folder / "tokenizer.json")
    except ImportError:  # pragma: no cover
        pass
    return folder


def load_checkpoint(folder: str | Path, device: str | torch.device = "cpu") -> MusicTransformer:
    """Load a checkpoint folder written by `save_checkpoint` (eval mode)."""
    from safetensors.torch import load_file

    from musegen.errors import ModelError

    folder = Path(folder)
    cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
    if not cfg_path.exists() or not w_path.exists():
        raise ModelError(f"{folder}: not a music checkpoint (needs config.json and model.safetensors)")
    try:
        raw = json.loads(cfg_path.read_text())
    except ValueError as exc:
        raise ModelError(f"{cfg_path}: invalid JSON ({exc})") from exc
    if raw.get("model_type") != "musegen-music":
        raise ModelError(f"{cfg_path}: model_type is {raw.get('model_type')!r}, expected 'musegen-music'")
    fields = MusicConfig.__dataclass_fields__
    cfg = MusicConfig(**{k: v for k, v in raw.items() if k in fields})
    model = MusicTransformer(cfg)
    try:
        state = load_file(str(w_path))
        state["lm_head.weight"] = state["wte.weight"]
        model.load_state_dict(state)
    except (RuntimeError, KeyError, OSError) as exc:
        raise ModelError(
            f"{w_path}: weights do not fit config.json ({exc}); re-export the checkpoint"
        ) from exc
    model.config_extra = {k: v for k, v in raw.items() if k not in fields}
    return model.to(device).eval()
