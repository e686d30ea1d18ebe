"""The training loss of one batch: token BIO (with the teacher's soft BIO when distilling),
token technique membership and span technique classification."""

from __future__ import annotations

import torch
from torch import nn


def batch_loss(
    bio: torch.Tensor,
    tech: torch.Tensor,
    span_logits: torch.Tensor | None,
    batch: dict[str, torch.Tensor],
    *,
    alpha: float = 0.0,
) -> torch.Tensor:
    """The loss of one collated batch; `alpha` weighs the teacher's targets against the gold ones."""
    tags = batch["tags"]
    loss = nn.functional.cross_entropy(bio.float().reshape(-1, 3), tags.reshape(-1), ignore_index=-100)
    if alpha:
        soft = batch["soft_bio"]
        taught = ~torch.isnan(soft[..., 0])
        logq = torch.log_softmax(bio.float(), -1)
        soft_loss = -(torch.nan_to_num(soft) * logq).sum(-1)[taught].mean() if taught.any() else 0.0
        loss = (1 - alpha) * loss + alpha * soft_loss
    valid = (tags != -100).float()[..., None]
    bce = nn.functional.binary_cross_entropy_with_logits(tech.float(), batch["member"], reduction="none")
    loss = loss + 0.5 * (bce * valid).sum() / valid.sum().clamp(min=1) / tech.shape[-1] * 4
    if span_logits is not None:
        logp = torch.log_softmax(span_logits.float(), -1)
        target = (1 - alpha) * batch["targets"] + alpha * batch["teacher_targets"]
        loss = loss - (target * logp).sum(-1).mean()
    return loss
