"""`unspin model calibrate`: the output a reader sees, tuned on the tuning split after the
decoding thresholds (`tune`): the rules that revise a span's technique probabilities
(`revision.revise`: the span memory's share, weight moved to Repetition where a span's
words came earlier or recur; each for the best TC F1, in that order), which tidy-up rules
to apply (each kept only if SI and FLC F1 do not drop), the calibration maps
(`calibration.fit_best`: per technique or one shared, by cross-fitted Brier score), and
the default least score (`min_score`: best FLC F1 on calibrated scores while showing at
most `MAX_PER_GOLD` spans per gold span). The encoder runs once per article."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from unspin import scoring
from unspin.doc import Document
from unspin.io import ptc
from unspin.runtime.decode.bio import techniques_for
from unspin.runtime.decode.result import labelled_spans
from unspin.runtime.decode.revision import revise
from unspin.runtime.decode.tidy import HYGIENE
from unspin.runtime.folder import ModelFolder
from unspin.runtime.semeval import si_labels, tc_labels
from unspin.tuning import calibration as C

MIN_SCORES = tuple(np.round(np.arange(0.0, 0.605, 0.01), 2))
TOLERANCE = 0.0005  # a rule "costs F1" when F1 drops by more (half the last digit we report)
MAX_PER_GOLD = 1.2  # `min_score` shows at most this many spans per gold span on the tuning split
REPETITION = (0.0, 0.2, 0.35, 0.5)  # share moved to Repetition where a span's words recur
MEMORY = tuple((s, n) for s in (0.2, 0.35, 0.5, 0.7) for n in (1, 2))  # span memory: share, least count
RECURRENCE = tuple((s, n) for s in (0.3, 0.5, 0.7, 1.0) for n in (2, 3))  # Repetition: share, least uses
REVISION = ("span_memory", "memory_share", "memory_min_count", "recurrence_share", "recurrence_min",
            "repetition_share")  # what `tune_revision` chooses
REVISE_OFF = {"repetition_share": 0.0, "memory_share": 0.0, "recurrence_share": 0.0}


def predictions(
    predictor: Any, docs: list[Document], encoded: list[Any], gold: dict[str, list[ptc.Label]],
    *, rename: Callable[[str], str | None] | None = None,
) -> tuple[list[C.Prediction], list[ptc.Label]]:
    """Every labelled prediction on `docs` (raw scores, hit or not) and the FLC label rows;
    with `rename`, hits and rows in the gold's names (those it maps to None left out), while
    the predictions keep the model's (its calibration's)."""
    s, names = predictor.settings, predictor.techniques
    named = rename or str  # str: the names as they are
    out, rows = [], []
    for doc, enc in zip(docs, encoded, strict=True):
        found = [
            (r.start, r.end, name, gold_name, r.score * p)
            for r in labelled_spans(predictor, enc)
            for name, p in techniques_for(r, names, s.second_threshold)
            if (gold_name := named(name)) is not None
        ]
        golds = [(g.start, g.end, g.technique) for g in gold.get(str(doc.id), [])]
        hit = C.hits([(a, b, g) for a, b, _, g, _ in found], golds)
        out += [C.Prediction(n, float(raw), h) for (_, _, n, _, raw), h in zip(found, hit, strict=True)]
        rows += [ptc.Label(str(doc.id), a, b, g) for a, b, _, g, _ in found]
    return out, rows


def _figures(
    predictor: Any, docs: list[Document], encoded: list[Any], gold_rows: list[ptc.Label]
) -> tuple[float, float]:
    """SI F1 and FLC F1 (uncalibrated, every labelled span) at the current settings."""
    gold_si = [ptc.Label(g.article_id, g.start, g.end) for g in gold_rows]
    si = [lab for d, e in zip(docs, encoded, strict=True) for lab in si_labels(str(d.id), predictor.spans(e))]
    _, flc = predictions(predictor, docs, encoded, {})
    return scoring.score_si(si, gold_si).f1, scoring.score_flc(flc, gold_rows).f1


def tune_revision(
    predictor: Any,
    docs: list[Document],
    encoded: list[Any],
    gold: dict[str, list[ptc.Label]],
    *,
    memory: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The settings of `revision.revise` with the best TC F1 on the gold spans, chosen in
    turn (each kept only if it raises TC F1): the span memory's share and least count
    (when a `memory` table is given), the share moved to Repetition where a span's content
    words came earlier and its least number of uses, then the share moved where its words
    recur anywhere (`repetition_share`). The span classifier runs once per article."""
    kept = dataclasses.replace(predictor.settings)
    try:
        for name, value in REVISE_OFF.items():
            setattr(predictor.settings, name, value)
        base = []
        for doc, enc in zip(docs, encoded, strict=True):
            template = [(g.start, g.end) for g in gold.get(str(doc.id), [])]
            raws = predictor.classify(enc, [(s, e, 1.0) for s, e in sorted(set(template))])
            base.append((str(doc.id), doc.text, template, raws))
    finally:
        predictor.settings = kept
    rows = [lab for d in docs for lab in gold.get(str(d.id), [])]
    settings = dataclasses.replace(kept, **REVISE_OFF, span_memory=memory)

    def tc(**changes: Any) -> float:
        s = dataclasses.replace(settings, **changes)
        names = predictor.techniques
        pred = [
            lab
            for ident, text, template, raws in base
            for lab in tc_labels(ident, revise(raws, text, names, s), template, names)
        ]
        return scoring.score_tc(pred, rows).f1

    best = tc()
    table: dict[str, Any] = {"none": round(best, 4), "memory": {}, "recurrence": {}, "repetition_share": {}}
    steps = [
        ("memory", ("memory_share", "memory_min_count"), MEMORY if memory else ()),
        ("recurrence", ("recurrence_share", "recurrence_min"), RECURRENCE),
        ("repetition_share", ("repetition_share",), tuple((x,) for x in REPETITION if x)),
    ]
    for step, fields, grid in steps:
        choice = None
        for values in grid:
            f1 = tc(**dict(zip(fields, values, strict=True)))
            table[step]["/".join(map(str, values))] = round(f1, 4)
            if f1 > best:
                best, choice = f1, values
        if choice is not None:
            settings = dataclasses.replace(settings, **dict(zip(fields, choice, strict=True)))
    return {
        "memory_share": settings.memory_share,
        "memory_min_count": settings.memory_min_count,
        "span_memory": memory if settings.memory_share else None,
        "recurrence_share": settings.recurrence_share,
        "recurrence_min": settings.recurrence_min,
        "repetition_share": settings.repetition_share,
        "tc_f1": round(best, 4),
        "table": table,
    }


def tune_output(
    predictor: Any,
    docs: list[Document],
    gold: dict[str, list[ptc.Label]],
    *,
    encoded: list[Any] | None = None,
    memory: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The technique revision rules (`tune_revision`, with the span memory `memory` when
    given: build it from the train split, `span_memory.build`), tidy-up rules (greedy, in
    `HYGIENE` order), calibration maps and `min_score`; `predictor.settings` is left as it
    was. Returns the choices and a table of figures."""
    encoded = encoded or list(predictor.encode([d.text for d in docs]))
    gold_rows = [lab for d in docs for lab in gold.get(str(d.id), [])]
    kept = dataclasses.replace(predictor.settings)
    table: dict[str, Any] = {"hygiene": {}, "min_score": {}}
    try:
        revision = tune_revision(predictor, docs, encoded, gold, memory=memory)
        table["revision"] = revision.pop("table")
        best_tc = revision.pop("tc_f1")
        for name, value in revision.items():
            setattr(predictor.settings, name, value)
        predictor.settings.hygiene = []
        best = _figures(predictor, docs, encoded, gold_rows)
        table["hygiene"]["none"] = [round(x, 4) for x in best]
        for rule in HYGIENE:  # kept only if neither SI nor FLC F1 drops (beyond TOLERANCE)
            predictor.settings.hygiene = [*predictor.settings.hygiene, rule]
            si, flc = _figures(predictor, docs, encoded, gold_rows)
            table["hygiene"][rule] = [round(si, 4), round(flc, 4)]
            if si >= best[0] - TOLERANCE and flc >= best[1] - TOLERANCE:
                best = (si, flc)
            else:
                predictor.settings.hygiene.remove(rule)
        rules = list(predictor.settings.hygiene)
        per_doc, rows = [], []
        for doc, enc in zip(docs, encoded, strict=True):  # by document, for cross-fitting
            mine, labelled = predictions(predictor, [doc], [enc], gold)
            per_doc.append(mine)
            rows += labelled
        preds = [p for mine in per_doc for p in mine]
        maps, table["calibration_ece"] = C.fit_best(per_doc)
        scores = [C.calibrate(maps, p.technique, p.raw) for p in preds]
        least, best_f1 = pick_min_score(rows, scores, gold_rows, table["min_score"])
        shown = [sc >= least for sc in scores]
        table["predicted_per_gold"] = round(sum(shown) / max(1, len(gold_rows)), 3)
        table["ece_in_sample"] = round(C.expected_calibration_error(scores, [p.hit for p in preds]), 4)
    finally:
        predictor.settings = kept
    return {
        **revision,
        "tc_f1": best_tc,
        "hygiene": rules,
        "calibration": maps,
        "min_score": least,
        "flc_f1": round(best_f1, 4),
        "table": table,
    }


def pick_min_score(
    rows: list[Any], scores: list[float], gold_rows: list[Any], table: dict[str, Any]
) -> tuple[float, float]:
    """The least score with the best FLC F1 among those showing at most `MAX_PER_GOLD`
    spans per gold span (readers see over-prediction first), else the one showing fewest;
    fills `table` with [FLC F1, spans per gold span] for each candidate."""
    options = []
    for m in MIN_SCORES:
        shown = [r for r, sc in zip(rows, scores, strict=True) if sc >= m]
        flc = scoring.score_flc(shown, gold_rows).f1
        per_gold = len(shown) / max(1, len(gold_rows))
        table[str(m)] = [round(flc, 4), round(per_gold, 3)]
        options.append((per_gold <= MAX_PER_GOLD, flc if per_gold <= MAX_PER_GOLD else -per_gold, float(m)))
    least = max(options)[2]
    return least, table[str(least)][0]


def write_output_settings(folder: str | Path, tuned: dict[str, Any]) -> None:
    """Store `tune_output`'s choices in a model folder's config.json."""
    model = ModelFolder.read(folder)
    model.update_settings(
        hygiene=tuned["hygiene"],
        calibration=tuned["calibration"],
        min_score=tuned["min_score"],
        **{name: tuned[name] for name in REVISION},
    )
    model.config["output_tuning"] = tuned["table"]
    model.write()
