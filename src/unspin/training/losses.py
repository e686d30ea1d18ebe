"""Batches for training: `collate` pads examples into tensors; `batch_loss` is their loss
(token BIO, with the teacher's soft BIO when distilling; token technique membership; span
technique classification), each example weighted, and each technique weighted where
`rare_technique_weights` re-weights the rare ones."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from unspin.training.examples import Example


def batch_loss(
    bio: torch.Tensor,
    tech: torch.Tensor,
    span_logits: torch.Tensor | None,
    batch: dict[str, torch.Tensor],
    *,
    alpha: float = 0.0,
    class_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """The loss of one collated batch; `alpha` weighs the teacher's targets against the gold
    ones. Each example's `weights` entry scales its tokens' and spans' terms, and every term
    keeps the divisor of its unweighted mean, so weights of 1 give the unweighted loss bit
    for bit (the log-probabilities are scaled before `nll_loss`: cross-entropy's own sum).
    `class_weights` (one per technique) scales the technique terms: a token's membership
    term where it is inside a span of the technique, and a span's classification term by its
    gold techniques' weights."""
    tags, weights = batch["tags"], batch["weights"]
    per_token = weights[:, None, None]
    logq = torch.log_softmax(bio.float(), -1) * per_token
    loss = nn.functional.nll_loss(logq.reshape(-1, 3), tags.reshape(-1), ignore_index=-100)
    if alpha:
        soft = batch["soft_bio"]
        taught = ~torch.isnan(soft[..., 0])
        logq = torch.log_softmax(bio.float(), -1)  # its own, as before weights: same gradients
        per = -(torch.nan_to_num(soft) * logq).sum(-1) * weights[:, None]
        soft_loss = per[taught].mean() if taught.any() else 0.0
        loss = (1 - alpha) * loss + alpha * soft_loss
    valid = (tags != -100).float()[..., None]
    bce = nn.functional.binary_cross_entropy_with_logits(tech.float(), batch["member"], reduction="none")
    if class_weights is not None:
        bce = bce * (1 + batch["member"] * (class_weights - 1))
    loss = loss + 0.5 * (bce * valid * per_token).sum() / valid.sum().clamp(min=1) / tech.shape[-1] * 4
    if span_logits is not None:
        logp = torch.log_softmax(span_logits.float(), -1)
        target = (1 - alpha) * batch["targets"] + alpha * batch["teacher_targets"]
        per_span = weights[batch["spans"][:, 0]]
        if class_weights is not None:
            per_span = per_span * (batch["targets"] * class_weights).sum(-1)
        loss = loss - ((target * logp).sum(-1) * per_span).mean()
    return loss


def rare_technique_weights(examples: list[Example], power: float) -> np.ndarray | None:
    """One loss weight per technique, (1 / its share of the gold spans in `examples`) **
    `power`, scaled so that the average gold span weighs 1 (0: none; 0.5: square-root
    inverse frequency). A technique no span has gets the largest weight of the others."""
    if not power:
        return None
    counts = np.sum([t for ex in examples for t in ex.targets], axis=0, dtype=np.float64)
    if not np.ndim(counts) or counts.sum() <= 0:
        return None
    share = counts / counts.sum()
    seen = share > 0
    weights = np.zeros_like(share)
    weights[seen] = share[seen] ** -power
    weights[~seen] = weights[seen].max()
    return (weights / (share * weights).sum()).astype(np.float32)


def collate(batch: list[Example], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(ex.input_ids) for ex in batch)
    n = len(batch)
    n_tech = batch[0].member.shape[1]
    ids = torch.full((n, length), pad_id, dtype=torch.long)
    mask = torch.zeros((n, length), dtype=torch.long)
    tags = torch.full((n, length), -100, dtype=torch.long)
    member = torch.zeros((n, length, n_tech))
    soft = torch.full((n, length, 3), float("nan"))
    spans, targets, taught = [], [], []
    for i, ex in enumerate(batch):
        k = len(ex.input_ids)
        ids[i, :k] = torch.from_numpy(ex.input_ids)
        mask[i, :k] = 1
        tags[i, :k] = torch.from_numpy(ex.tags)
        member[i, :k] = torch.from_numpy(ex.member)
        spans += [[i, *row] for row in ex.spans]
        targets += ex.targets
        if ex.soft_bio is not None:
            soft[i, :k] = torch.from_numpy(ex.soft_bio)
            taught += ex.teacher_targets
        else:
            taught += ex.targets
    return {
        "soft_bio": soft,
        "teacher_targets": torch.from_numpy(np.stack(taught)) if taught else torch.zeros((0, n_tech)),
        "ids": ids,
        "mask": mask,
        "tags": tags,
        "member": member,
        "spans": torch.tensor(spans, dtype=torch.long).reshape(-1, 5),
        "targets": torch.from_numpy(np.stack(targets)) if targets else torch.zeros((0, n_tech)),
        "weights": torch.tensor([ex.weight for ex in batch], dtype=torch.float32),
    }
