"""Training examples: each window of each article with its BIO tags, token technique
membership, the gold technique spans that lie wholly inside it, and its weight in the loss."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tokenizers import Tokenizer

from unspin import taxonomy
from unspin.doc import Document
from unspin.io.ptc import Label
from unspin.runtime import windows as W
from unspin.runtime.settings import Settings
from unspin.scoring import merge
from unspin.training.teacher import Teaching


@dataclass
class Example:
    input_ids: np.ndarray
    tags: np.ndarray
    member: np.ndarray
    spans: list[list[int]] = field(default_factory=list)  # first, last, len b., repeat b.
    targets: list[np.ndarray] = field(default_factory=list)  # soft technique targets
    soft_bio: np.ndarray | None = None  # teacher BIO probabilities per token; NaN: none
    teacher_targets: list[np.ndarray] = field(default_factory=list)  # teacher's, per span
    weight: float = 1.0  # scales each of this example's terms in the loss


@dataclass
class Stats:
    windows: int = 0
    spans: int = 0
    skipped_spans: int = 0  # gold spans cut by a window edge or not on any token


def build_examples(
    doc: Document,
    labels: list[Label],
    tokenizer: Tokenizer,
    settings: Settings,
    stats: Stats | None = None,
    teaching: Teaching | None = None,
    *,
    pseudo: bool = False,
    confident: float = 0.6,
    ignore: list[tuple[int, int]] | None = None,
    weight: float = 1.0,
    techniques: tuple[str, ...] | list[str] | None = None,
) -> list[Example]:
    """Examples for one article; technique spans cut by a window edge are counted and
    skipped for the span head (their tokens still get BIO tags). With `teaching`, each
    example also carries the teacher's soft targets. With `pseudo` (an unlabelled article)
    the teacher stands in for the annotators: BIO tags where its top tag reaches
    `confident` (elsewhere none), its token technique probabilities, and its own spans.
    Tokens of an `ignore` span (propaganda of a technique PTC lacks) outside every labelled
    span get no BIO tag (-100): neither positives nor negatives. Every example carries
    `weight`. `techniques`: the model's labels in output order (default PTC's 14)."""
    stats = stats if stats is not None else Stats()
    index = {name: k for k, name in enumerate(techniques or taxonomy.NAMES)}
    n_tech = len(index)
    tokens = W.tokenize(tokenizer, doc.text, settings.line_marks)
    by_offsets: dict[tuple[int, int], np.ndarray] = {}
    if pseudo:
        if teaching is None or teaching.tech is None:
            raise ValueError("Pseudo-labelled examples need the teacher's token probabilities.")
        bio = np.nan_to_num(teaching.bio, nan=0.0)
        tags = np.where(bio.max(1) >= confident, bio.argmax(1), -100).astype(np.int64)
        member = np.nan_to_num(teaching.tech, nan=0.0).astype(np.float32)
        by_offsets = {k: v / max(float(v.sum()), 1e-6) for k, v in teaching.found.items()}
    else:
        tags = W.bio_tags(tokens, merge((lab.start, lab.end) for lab in labels))
        labelled = [(lab.start, lab.end, index[lab.technique]) for lab in labels if lab.technique]
        member = W.membership(tokens, labelled, n_tech)
        for start, end, k in labelled:
            by_offsets.setdefault((start, end), np.zeros(n_tech, dtype=np.float32))[k] += 1.0
    for start, end in ignore or []:
        rng = W.token_range(tokens, start, end)
        if rng is not None:
            inside = tags[rng[0] : rng[1]]
            inside[inside == W.O] = -100
    out = []
    placed: set[tuple[int, int]] = set()
    for w in W.make_windows(tokens, doc.text, size=settings.max_len - 2, stride=settings.stride):
        ids = np.concatenate([[settings.cls_id], tokens.ids[w.lo : w.hi], [settings.sep_id]])
        ex = Example(
            ids,
            np.concatenate([[-100], tags[w.lo : w.hi], [-100]]),
            np.concatenate([np.zeros((1, n_tech)), member[w.lo : w.hi], np.zeros((1, n_tech))]).astype(
                np.float32
            ),
            weight=weight,
        )
        if teaching is not None:
            edge = np.full((1, 3), np.nan, dtype=np.float32)
            ex.soft_bio = np.concatenate([edge, teaching.bio[w.lo : w.hi], edge])
        for (start, end), counts in by_offsets.items():
            rng = W.token_range(tokens, start, end)
            if rng is None or rng[0] < w.lo or rng[1] > w.hi:
                continue
            a, b = rng
            placed.add((start, end))
            ex.spans.append(
                [
                    a - w.lo + 1,
                    b - 1 - w.lo + 1,
                    W.length_bucket(b - a),
                    W.repeat_bucket(doc.text, start, end),
                ]
            )
            ex.targets.append(counts / counts.sum())
            if teaching is not None:
                ex.teacher_targets.append(
                    ex.targets[-1] if pseudo else teaching.spans.get((start, end), ex.targets[-1])
                )
        out.append(ex)
    stats.windows += len(out)
    stats.spans += len(by_offsets)
    stats.skipped_spans += len(set(by_offsets) - placed)
    return out
