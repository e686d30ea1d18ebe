"""The headline evaluation of a model on labelled articles: SI F1, TC micro-F1 on gold spans,
FLC F1 on what `analyze` shows, each with a 95 % interval from resampling articles, per
technique figures, spans shown per gold span and the calibration of span scores (ECE).
`unspin model evaluate` and `benchmarks/accuracy.py` call `evaluate_model`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unspin.runtime.calibration import calibrate
from unspin.runtime.predictor import Predictor
from unspin.scoring import bootstrap, evaluate, interval, without_ignored
from unspin.tuning.calibration import expected_calibration_error, reliability
from unspin.tuning.output import predictions
from unspin.tuning.shared import shared
from unspin.tuning.splits import evaluation_set
from unspin.tuning.validation import validation_labels

TASKS = ("si", "tc", "flc")


def prf(found: dict[str, Any]) -> dict[str, Any]:
    """Precision, recall and F1 of a task's figures."""
    return {k: found[k] for k in ("precision", "recall", "f1")}


def evaluate_model(
    predictor: Predictor,
    data: str | Path,
    split: str,
    *,
    name: str,
    resamples: int = 1000,
    per_technique: bool = True,
    progress: Callable[[int, int], None] | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Figures of `predictor` on `split` ("tuning", "report", "train" or "all") of the PTC
    folder `data` (or every article of a ct24-en-style folder with "all", its ignore spans
    honoured). `resamples`: bootstrap resamples of articles for the 95 % intervals (0: none).
    A model whose techniques are not the data's is scored on those both have, in the data's
    names (`tuning.shared`); `only` narrows the techniques scored (names in any spelling)."""
    corpus = evaluation_set(data, split)
    docs, labels = corpus.docs, corpus.labels
    gold_si = [lab for d in docs for lab in labels.get(str(d.id), [])]  # SI: every span, any technique
    mapped = shared(list(predictor.techniques), labels, only)
    if mapped is not None:
        labels = mapped.labels
    started = time.perf_counter()
    encoded = []
    for i, enc in enumerate(predictor.encode(d.text for d in docs), 1):  # one encoder pass
        encoded.append(enc)
        if progress:
            progress(i, len(docs))
    among = [t for t in predictor.techniques if mapped.rename(t)] if mapped is not None else None
    labelled = validation_labels(predictor, docs, labels, encoded, among)
    if mapped is not None:
        labelled["flc"], labelled["tc"] = mapped.rows(labelled["flc"]), mapped.choices(labelled["tc"])
        labelled["tc_among"] = mapped.choices(labelled["tc_among"])
    for task in ("si", "flc"):  # spans mostly inside ignore spans are neither right nor wrong
        labelled[task] = without_ignored(labelled[task], corpus.ignore)
    gold = [lab for d in docs for lab in labels.get(str(d.id), [])]
    figures = {task: evaluate(task, labelled[task], gold_si if task == "si" else gold).to_dict()
               for task in TASKS}
    preds, rows = predictions(predictor, docs, encoded, labels, rename=mapped.rename if mapped else None)
    counted = {id(r) for r in without_ignored(rows, corpus.ignore)}
    preds = [p for p, r in zip(preds, rows, strict=True) if id(r) in counted]
    scores = [calibrate(predictor.settings.calibration, p.technique, p.raw) for p in preds]
    shown = [s >= predictor.settings.min_score for s in scores]
    hits = [p.hit for p in preds]
    out: dict[str, Any] = {
        "model": name,
        "data": str(data),
        "split": split,
        "articles": len(docs),
        "gold_spans": len(gold),
        **{task: prf(figures[task]) for task in TASKS},
        "predicted_per_gold": round(sum(shown) / max(1, len(gold)), 3),
        **({"techniques_scored": mapped.techniques, "gold_left_out": mapped.left_out,
            # TC with the choice made among the scored techniques alone: what a model in another
            # taxonomy still tells apart, its own techniques' readings of the same spans set aside
            "tc_among_scored": prf(evaluate("tc", labelled["tc_among"], gold).to_dict())} if mapped else {}),
        "ece": round(expected_calibration_error(scores, hits), 4),
        "ece_shown": round(
            expected_calibration_error(
                [s for s, k in zip(scores, shown, strict=True) if k],
                [h for h, k in zip(hits, shown, strict=True) if k],
            ),
            4,
        ),
        "reliability": reliability(scores, hits),
    }
    if resamples:
        ids = [str(d.id) for d in docs]
        out["ci95"] = {
            task: [round(x, 4) for x in interval(bootstrap(task, [labelled[task]], gold, ids,
                                                           resamples=resamples)[:, 0])]
            for task in TASKS
        }
        out["ci95_resamples"] = resamples
    if per_technique:
        out["tc_per_technique"] = figures["tc"]["per_technique"]
        out["flc_per_technique"] = figures["flc"].get("detail", figures["flc"]["per_technique"])
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
