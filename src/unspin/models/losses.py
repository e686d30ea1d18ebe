"""The training loss of one batch: token BIO (with the teacher's soft BIO when distilling),
token technique membership and span technique classification, each example weighted."""

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
    """The loss of one collated batch; `alpha` weighs the teacher's targets against the gold
    ones. Each example's `weights` entry scales its tokens' and spans' terms, and every term
    keeps the divisor of its unweighted mean, so weights of 1 give the unweighted loss bit
    for bit (the log-probabilities are scaled before `nll_loss`: cross-entropy's own sum)."""
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
    loss = loss + 0.5 * (bce * valid * per_token).sum() / valid.sum().clamp(min=1) / tech.shape[-1] * 4
    if span_logits is not None:
        logp = torch.log_softmax(span_logits.float(), -1)
        target = (1 - alpha) * batch["targets"] + alpha * batch["teacher_targets"]
        loss = loss - ((target * logp).sum(-1) * weights[batch["spans"][:, 0]]).mean()
    return loss
