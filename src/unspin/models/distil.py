"""Soft targets from a teacher model (for example the accurate tier) for training a
student (the fast tier): per-token BIO probabilities carried onto the student's tokens
through character offsets, and technique probabilities for every gold span."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from unspin.doc import Document
from unspin.io import ptc
from unspin.models import windows as W
from unspin.models.fusion import carry_rows


@dataclass
class Teaching:
    """What the teacher says about one article, on the student's tokens."""

    bio: np.ndarray  # (n_student_tokens, 3); NaN rows where no teacher token lies
    spans: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)  # gold span -> probs


def teach(
    teacher: Any,
    docs: list[Document],
    labels: dict[str, list[ptc.Label]],
    tokenizer: Tokenizer,
    *,
    track: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
) -> dict[str, Teaching]:
    """Run `teacher` (a Predictor or FusedPredictor) over `docs`, keyed by article id."""
    out: dict[str, Teaching] = {}
    encoded = teacher.encode(d.text for d in docs)
    for doc, enc in track(zip(docs, encoded, strict=True)):
        stitched = teacher.stitched(enc)
        student = W.tokenize(tokenizer, doc.text)
        missing = np.full((len(student), 3), np.nan, dtype=np.float32)
        bio = carry_rows(
            stitched.doc.tokens.offsets,
            student.offsets,
            len(doc.text),
            stitched.bio.astype(np.float32),
            missing,
        )
        gold = sorted({(lab.start, lab.end) for lab in labels.get(str(doc.id), []) if lab.technique})
        raws = teacher.classify(enc, [(s, e, 1.0) for s, e in gold])
        out[str(doc.id)] = Teaching(
            bio, {g: r.probs.astype(np.float32) for g, r in zip(gold, raws, strict=True)}
        )
    return out
