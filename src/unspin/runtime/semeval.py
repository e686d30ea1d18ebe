"""Raw predictions to label rows: one technique per span, plus a second where the model
gives it nearly as much weight (PTC spans often carry two)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from unspin import taxonomy
from unspin.io.ptc import Label
from unspin.runtime.decode.bio import RawSpan, techniques_for


def si_labels(article_id: str, raws: Sequence[RawSpan]) -> list[Label]:
    return [Label(article_id, r.start, r.end) for r in raws]


def flc_labels(
    article_id: str,
    raws: Sequence[RawSpan],
    second_threshold: float,
    names: Sequence[str] = taxonomy.NAMES,
) -> list[Label]:
    """Label rows: each span's technique, and its runner-up where `techniques_for` keeps it."""
    return [
        Label(article_id, r.start, r.end, name)
        for r in raws
        for name, _ in techniques_for(r, names, second_threshold)
    ]


def tc_labels(
    article_id: str,
    raws: Sequence[RawSpan],
    template: Sequence[tuple[int, int]],
    names: Sequence[str] = taxonomy.NAMES,
    among: Sequence[str] | None = None,
) -> list[Label]:
    """Label every template row; rows that repeat the same offsets k times get the k
    most probable distinct techniques, in template order. `among`: only these of `names`
    are chosen (a model scored on the techniques it shares with the data)."""
    seen: dict[tuple[int, int], int] = defaultdict(int)
    probs = {(r.start, r.end): r.probs for r in raws}
    if among is not None:
        allowed = set(among)
        out_of = np.array([n not in allowed for n in names])
        probs = {k: np.where(out_of, -1.0, v) for k, v in probs.items()}
    out = []
    for start, end in template:
        rank = seen[(start, end)]
        seen[(start, end)] += 1
        order = np.argsort(-probs[(start, end)])
        out.append(Label(article_id, start, end, names[order[min(rank, len(order) - 1)]]))
    return out
