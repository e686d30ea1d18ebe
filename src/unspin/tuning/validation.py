"""The figures a training run reports after every epoch: SI, TC on gold spans and FLC on
what `analyze` shows, from one encoder pass per article."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from unspin import scoring
from unspin.doc import Document
from unspin.io import ptc
from unspin.runtime.calibration import scored
from unspin.runtime.decode.bio import labelled_threshold
from unspin.runtime.decode.result import labelled_spans
from unspin.runtime.predictor import Predictor
from unspin.runtime.semeval import si_labels, tc_labels


def validate(
    predictor: Predictor,
    docs: list[Document],
    gold: dict[str, list[ptc.Label]],
) -> dict[str, Any]:
    """SI, TC (on gold spans) and FLC figures of `predictor` on `docs`, from one encoder
    pass per article. FLC is scored on what `analyze` shows: calibrated spans scoring at
    least the model's `min_score`."""
    gold_rows = [lab for d in docs for lab in gold.get(str(d.id), [])]
    pred = validation_labels(predictor, docs, gold)
    return {task: scoring.evaluate(task, pred[task], gold_rows).to_dict() for task in ("si", "tc", "flc")}


def validation_labels(
    predictor: Predictor,
    docs: list[Document],
    gold: dict[str, list[ptc.Label]],
    encoded: Iterable[Any] | None = None,
    among: list[str] | None = None,
) -> dict[str, list[ptc.Label]]:
    """What `validate` scores: per task ("si", "tc", "flc") the predicted labels; from
    `encoded` (the predictor's encodings of `docs`) where the caller has them. With `among`
    (some of the model's techniques) also "tc_among": TC's choice made among those alone."""
    si_pred, flc_pred, tc_pred, tc_among = [], [], [], []
    settings = predictor.settings
    si_th = predictor.settings.threshold
    flc_th = labelled_threshold(predictor.settings)
    encodings = encoded if encoded is not None else predictor.encode(d.text for d in docs)
    for doc, enc in zip(docs, encodings, strict=True):
        found = predictor.spans(enc, si_th)
        si_pred += si_labels(str(doc.id), found)
        if flc_th != si_th or settings.token_threshold is not None or settings.whole_threshold is not None:
            found = labelled_spans(predictor, enc)
        flc_pred += [
            ptc.Label(str(doc.id), r.start, r.end, name)
            for r, name, _ in scored(found, predictor.techniques, settings, settings.min_score)
        ]
        template = [(lab.start, lab.end) for lab in gold.get(str(doc.id), [])]
        unique = sorted(set(template))
        raws = predictor.classify(enc, [(s, e, 1.0) for s, e in unique])
        tc_pred += tc_labels(str(doc.id), raws, template, predictor.techniques)
        if among is not None:
            tc_among += tc_labels(str(doc.id), raws, template, predictor.techniques, among)
    rows = {"si": si_pred, "tc": tc_pred, "flc": flc_pred}
    return rows | {"tc_among": tc_among} if among is not None else rows
