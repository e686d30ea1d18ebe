"""Domain-adaptive pretraining: a short masked-LM pass of a base encoder over unlabelled
news before fine-tuning (`unspin model pretrain`, then `unspin model train --init OUT`). Seeded,
checkpointed every `save_every` steps, resumable; writes OUT/encoder (a transformers
folder) and OUT/log.jsonl."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from unspin.errors import InputError
from unspin.runtime import bases
from unspin.runtime.threads import available_cpus
from unspin.runtime.windows import load_tokenizer, special_id, tokenize
from unspin.training.device import native_bf16

ENCODER = "encoder"  # OUT/encoder: what `train --init OUT` loads


@dataclass
class PretrainArguments:
    """Everything a pretraining run depends on; stored as OUT/pretrain.json."""

    base: str = "minilm"
    out: str = "runs/dapt"
    epochs: int = 1
    batch_size: int = 16
    block: int = 256  # tokens per example, [CLS] and [SEP] included
    lr: float = 5e-5
    head_lr: float = 1e-3  # the MLM head starts untrained in sentence encoders: let it catch up
    warmup: float = 0.06
    mask: float = 0.15
    seed: int = 13
    bf16: bool | None = None  # bfloat16 autocast; None: where the CPU has it natively
    save_every: int = 50

    def __post_init__(self) -> None:
        if self.bf16 is None:
            self.bf16 = native_bf16()
        if self.epochs < 1 or self.batch_size < 1 or self.save_every < 1:
            raise InputError("epochs, batch_size and save_every must be at least 1.")
        if not 16 <= self.block <= 512:
            raise InputError(f"block must be between 16 and 512, got {self.block}.")
        if not 0 < self.mask < 1:
            raise InputError(f"mask must be between 0 and 1, got {self.mask}.")


def blocks(texts: Sequence[str], tokenizer: Any, size: int, cls_id: int, sep_id: int) -> np.ndarray:
    """The texts' word pieces end to end (a [SEP] after each text), cut into rows of `size`
    tokens that each start with [CLS]; the last, short row is dropped."""
    stream: list[int] = []
    for text in texts:
        stream.extend(tokenize(tokenizer, text).ids.tolist())
        stream.append(sep_id)
    body = size - 1
    rows = len(stream) // body
    if rows == 0:
        raise InputError(f"Too little text to pretrain on: {len(stream)} word pieces, need {body}.")
    grid = np.asarray(stream[: rows * body], dtype=np.int64).reshape(rows, body)
    return np.concatenate([np.full((rows, 1), cls_id, dtype=np.int64), grid], axis=1)


def mask_tokens(
    ids: torch.Tensor, special: torch.Tensor, rate: float, mask_id: int, vocab: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's masking: `rate` of the ordinary tokens are targets; of those 80% become
    [MASK], 10% a random token, 10% stay. Returns (inputs, labels with -100 elsewhere)."""
    chosen = (torch.rand(ids.shape, generator=gen) < rate) & ~special
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    roll = torch.rand(ids.shape, generator=gen)
    inputs = ids.clone()
    inputs[chosen & (roll < 0.8)] = mask_id
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = torch.randint(vocab, ids.shape, generator=gen)[swap]
    return inputs, labels


def pretrain(
    texts: Sequence[str],
    args: PretrainArguments,
    *,
    on_step: Callable[[int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Masked-LM training of `args.base` on `texts`; resumes from OUT/checkpoint.pt."""
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    on_step = on_step or (lambda *_: None)
    torch.manual_seed(args.seed)
    torch.set_num_threads(available_cpus())
    where = bases.locate(args.base)
    hf_logging.set_verbosity_error()  # the MLM head's fresh weights are expected, not news
    hf_logging.disable_progress_bar()
    model = AutoModelForMaskedLM.from_pretrained(str(where))
    tokenizer = load_tokenizer(Path(args.out) / "none", where)
    cls_id = special_id(tokenizer, "[CLS]", "<s>")
    sep_id = special_id(tokenizer, "[SEP]", "</s>")
    mask_id = special_id(tokenizer, "[MASK]", "<mask>")
    rows = torch.from_numpy(blocks(texts, tokenizer, args.block, cls_id, sep_id))
    special = (rows == cls_id) | (rows == sep_id)
    steps_per_epoch = (len(rows) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    encoder = model.base_model
    head = next(m for name, m in model.named_children() if name != model.base_model_prefix)
    own = {id(p) for p in encoder.parameters()}
    optim = torch.optim.AdamW(
        [
            {"params": list(encoder.parameters()), "lr": args.lr},
            {"params": [p for p in head.parameters() if id(p) not in own], "lr": args.head_lr},
        ],
        weight_decay=0.01,
    )
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pretrain.json").write_text(json.dumps(asdict(args), indent=2))
    ckpt_path, done = out / "checkpoint.pt", 0
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optim.load_state_dict(ckpt["optim"])
        sched.load_state_dict(ckpt["sched"])
        done = ckpt["step"]
    model.train()
    losses: list[float] = []
    t0 = time.time()
    for step in range(done, total):
        epoch, k = divmod(step, steps_per_epoch)
        order = torch.from_numpy(np.random.RandomState(args.seed + epoch).permutation(len(rows)))
        pick = order[k * args.batch_size : (k + 1) * args.batch_size]
        gen = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
        inputs, labels = mask_tokens(
            rows[pick], special[pick], args.mask, mask_id, model.config.vocab_size, gen
        )
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            states = encoder(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            chosen = labels != -100  # the vocabulary-sized head only where it is scored
            logits = head(states[chosen])
        loss = torch.nn.functional.cross_entropy(logits.float(), labels[chosen])
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        sched.step()
        losses.append(float(loss.item()))
        on_step(step + 1, total, losses[-1])
        if (step + 1) % args.save_every == 0 or step + 1 == total:
            recent = float(np.mean(losses[-args.save_every :]))
            with open(out / "log.jsonl", "a") as log:
                log.write(json.dumps({"step": step + 1, "loss": recent}) + "\n")
            state = {"model": model.state_dict(), "optim": optim.state_dict(), "sched": sched.state_dict()}
            torch.save({**state, "step": step + 1}, ckpt_path)
    saved = out / ENCODER
    encoder.save_pretrained(str(saved))
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        if (Path(where) / name).exists():
            shutil.copy(Path(where) / name, saved / name)
    return {"rows": len(rows), "steps": total, "seconds": round(time.time() - t0, 1), "encoder": str(saved)}


def encoder_state(folder: Path) -> dict[str, torch.Tensor] | None:
    """The pretrained encoder's weights as `PropagandaNet` keys (`encoder.*`) when `folder`
    is a `unspin model pretrain` output, else None."""
    weights = folder / ENCODER / "model.safetensors"
    if not weights.exists():
        return None
    from safetensors.torch import load_file

    return {f"encoder.{k}": v for k, v in load_file(str(weights)).items()}
