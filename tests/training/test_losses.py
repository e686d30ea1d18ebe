"""The batch loss: weights of 1 give today's unweighted loss bit for bit; each weight
scales every term of its example."""

import numpy as np
import pytest
import torch
from torch import nn

from unspin.training.examples import Example
from unspin.training.losses import batch_loss, collate, rare_technique_weights

N_TECH, LENGTH = 14, 9


def unweighted(bio, tech, span_logits, batch, alpha):
    """The loss as Trainer.train computed it before examples had weights (commit 7f977f3, verbatim)."""
    ce = nn.CrossEntropyLoss(ignore_index=-100)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    loss = ce(bio.float().reshape(-1, 3), batch["tags"].reshape(-1))
    if alpha:
        soft = batch["soft_bio"]
        taught = ~torch.isnan(soft[..., 0])
        logq = torch.log_softmax(bio.float(), -1)
        soft_loss = -(torch.nan_to_num(soft) * logq).sum(-1)[taught].mean() if taught.any() else 0.0
        loss = (1 - alpha) * loss + alpha * soft_loss
    valid = (batch["tags"] != -100).float()[..., None]
    loss = (
        loss
        + 0.5
        * (bce(tech.float(), batch["member"]) * valid).sum()
        / valid.sum().clamp(min=1)
        / tech.shape[-1]
        * 4
    )
    if span_logits is not None:
        logp = torch.log_softmax(span_logits.float(), -1)
        target = (1 - alpha) * batch["targets"] + alpha * batch["teacher_targets"]
        loss = loss - (target * logp).sum(-1).mean()
    return loss


def example(rng, length, weight, *, taught):
    tags = rng.integers(0, 3, length)
    tags[[0, -1]] = -100  # [CLS], [SEP]
    tags[2] = -100  # an ignored token
    ex = Example(
        rng.integers(5, 50, length),
        tags,
        (rng.random((length, N_TECH)) < 0.2).astype(np.float32),
        spans=[[1, 2, 1, 0], [3, 3, 0, 0]],
        targets=[np.eye(N_TECH, dtype=np.float32)[k] for k in (4, 7)],
        weight=weight,
    )
    if taught:
        soft = rng.dirichlet(np.ones(3), length).astype(np.float32)
        soft[[0, -1]] = np.nan
        ex.soft_bio = soft
        ex.teacher_targets = [rng.dirichlet(np.ones(N_TECH)).astype(np.float32) for _ in ex.spans]
    return ex


def loss_and_grads(weights, alpha, fn=None):
    rng = np.random.default_rng(3)
    batch = collate(
        [example(rng, LENGTH, weights[0], taught=True), example(rng, LENGTH - 2, weights[1], taught=False)], 0
    )
    torch.manual_seed(0)
    bio = torch.randn(2, LENGTH, 3, requires_grad=True)
    tech = torch.randn(2, LENGTH, N_TECH, requires_grad=True)
    spans = torch.randn(len(batch["spans"]), N_TECH, requires_grad=True)
    loss = fn(bio, tech, spans, batch, alpha) if fn else batch_loss(bio, tech, spans, batch, alpha=alpha)
    return loss, torch.autograd.grad(loss, [bio, tech, spans])


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_weights_of_one_give_the_unweighted_loss_bit_for_bit(alpha):
    new, new_grads = loss_and_grads((1.0, 1.0), alpha)
    old, old_grads = loss_and_grads((1.0, 1.0), alpha, unweighted)
    assert torch.equal(new, old)
    assert all(torch.equal(a, b) for a, b in zip(new_grads, old_grads, strict=True))


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_a_weight_scales_every_term_of_its_example(alpha):
    first, second = loss_and_grads((1.0, 0.0), alpha)[0], loss_and_grads((0.0, 1.0), alpha)[0]
    both = loss_and_grads((1.0, 1.0), alpha)[0]
    assert first.item() > 0 and second.item() > 0
    # Every term is linear in the weights over a fixed divisor: a term left unweighted
    # would count in both halves.
    assert both.item() == pytest.approx(first.item() + second.item(), rel=1e-6)
    scaled = loss_and_grads((0.3, 1.0), alpha)[0]
    assert scaled.item() == pytest.approx(0.3 * first.item() + second.item(), rel=1e-6)


def test_collate_carries_the_weights():
    rng = np.random.default_rng(0)
    batch = collate([example(rng, 5, 0.25, taught=False), example(rng, 7, 1.0, taught=False)], 0)
    assert batch["weights"].tolist() == [0.25, 1.0] and batch["weights"].dtype == torch.float32


def test_rare_technique_weights_follow_inverse_share():
    rng = np.random.default_rng(1)
    examples = [example(rng, LENGTH, 1.0, taught=False) for _ in range(2)]
    examples[1].targets = [np.eye(N_TECH, dtype=np.float32)[4]] * 2  # technique 4: 3 spans, 7: 1
    assert rare_technique_weights(examples, 0.0) is None
    w = rare_technique_weights(examples, 0.5)
    assert w[7] / w[4] == pytest.approx(3**0.5, rel=1e-6)
    assert (0.75 * w[4] + 0.25 * w[7]) == pytest.approx(1.0, rel=1e-6)  # the average gold span weighs 1
    assert w[0] == pytest.approx(w[7])  # a technique no span has: the largest weight seen
    linear = rare_technique_weights(examples, 1.0)
    assert linear[7] / linear[4] == pytest.approx(3.0)


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_class_weights_of_one_change_nothing_and_others_weigh_the_technique_terms(alpha):
    def with_weights(values):
        return lambda bio, tech, spans, batch, a: batch_loss(
            bio, tech, spans, batch, alpha=a, class_weights=torch.tensor(values, dtype=torch.float32)
        )

    plain, plain_grads = loss_and_grads((1.0, 1.0), alpha)
    ones, ones_grads = loss_and_grads((1.0, 1.0), alpha, with_weights([1.0] * N_TECH))
    assert torch.allclose(plain, ones) and all(
        torch.allclose(a, b) for a, b in zip(plain_grads, ones_grads, strict=True)
    )
    heavy = [1.0] * N_TECH
    heavy[7] = 5.0
    _, grads = loss_and_grads((1.0, 1.0), alpha, with_weights(heavy))
    _, _, span_grads = grads
    # The spans of technique 7 (the second of each example) pull five times harder; the others as before.
    assert torch.allclose(span_grads[1::2], 5 * plain_grads[2][1::2])
    assert torch.allclose(span_grads[0::2], plain_grads[2][0::2])
    bio_grads, tech_grads = grads[0], grads[1]
    assert torch.equal(bio_grads, plain_grads[0])  # the BIO term has no technique
    assert not torch.allclose(tech_grads[..., 7], plain_grads[1][..., 7])
    assert torch.allclose(tech_grads[..., 4], plain_grads[1][..., 4])
