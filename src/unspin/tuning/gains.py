"""What an adaptation gained on its held-out documents: SI, TC and FLC of a start model and of
the adapted one in one taxonomy, and the gain with its 95 % interval (a paired bootstrap over
documents), since a held-out part of a few documents moves by several points by chance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from unspin import scoring, taxonomy
from unspin.doc import Document
from unspin.io.ptc import Label

TASKS = ("si", "tc", "flc")

def labelled(predictor: Any, docs: list[Document], labels: dict[str, list[Label]],
             names: list[str], each: Callable[[], None] | None = None) -> dict[str, list[Label]]:
    """`predictor`'s SI, TC and FLC rows on `docs`, its techniques renamed into `names` (a start
    model's PTC names where they continue the adapted taxonomy's). `each()` follows every
    document read."""
    from unspin.tuning.validation import validation_labels

    def encoded() -> Iterator[Any]:
        for enc in predictor.encode(d.text for d in docs):
            if each:
                each()
            yield enc

    rename = taxonomy.renamer(names)
    found = validation_labels(predictor, docs, labels, encoded())
    return {task: found[task] if task == "si" else
            [Label(r.article_id, r.start, r.end, t) for r in found[task] if (t := rename(str(r.technique)))]
            for task in TASKS}

def figures_of(rows: dict[str, list[Label]], gold: list[Label]) -> dict[str, Any]:
    """Precision, recall, F1 (and FLC per technique) of `rows` against `gold`."""
    return {task: scoring.evaluate(task, rows[task], gold).to_dict() for task in TASKS}

def figures(predictor: Any, docs: list[Document], labels: dict[str, list[Label]],
            names: list[str]) -> dict[str, Any]:
    """SI, TC and FLC of `predictor` on `docs` in `names`' spelling (see `labelled`)."""
    return figures_of(labelled(predictor, docs, labels, names), gold_of(docs, labels))

def gold_of(docs: list[Document], labels: dict[str, list[Label]]) -> list[Label]:
    return [lab for d in docs for lab in labels.get(str(d.id), [])]

def gain(before: dict[str, list[Label]], after: dict[str, list[Label]], gold: list[Label],
         ids: list[str], *, resamples: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Per task, after's F1 minus before's on the documents `ids`, and the 95 % interval of that
    difference over `resamples` paired draws of as many documents with replacement."""
    out = {}
    for task in TASKS:
        f1 = scoring.bootstrap(task, [before[task], after[task]], gold, ids, resamples=resamples, seed=seed)
        low, high = scoring.interval(f1[:, 1] - f1[:, 0])
        whole = [scoring.evaluate(task, rows[task], gold).f1 for rows in (before, after)]
        out[task] = {"gain": round(whole[1] - whole[0], 4), "low": round(low, 4), "high": round(high, 4)}
    return out

def within_noise(gains: dict[str, dict[str, float]]) -> list[str]:
    """The tasks whose gain interval includes 0."""
    return [task for task, g in gains.items() if g["low"] <= 0 <= g["high"]]

__all__ = ["figures", "figures_of", "gain", "gold_of", "labelled", "within_noise"]
