"""Calibration fitted: maps that turn a span's raw score (span confidence × technique
probability) into the probability that annotators mark that technique on (most of) that text.

Fitted by isotonic regression (scikit-learn) on predictions for articles the model was
never trained on: per technique, techniques with too few predictions sharing one map, or
one map for all, whichever has the lower Brier score cross-fitted by article
(`fit_best`). `unspin.runtime.calibration` applies them. Maps are centred (`_isotonic`): they rise
between the fit's blocks rather than in steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from unspin.runtime.calibration import SHARED, calibrate

MIN_PER_TECHNIQUE = 60
SHARED_ONLY = 10**9  # a `min_count` no technique reaches: one map for all
FOLDS = 4
HIT_SHARE = 0.5  # a prediction is right when gold spans of its technique cover half of it


@dataclass(frozen=True)
class Prediction:
    """One labelled prediction, for fitting or measuring calibration."""

    technique: str
    raw: float  # the uncalibrated score
    hit: bool  # annotators marked this technique over at least HIT_SHARE of the span


def _isotonic(raw: np.ndarray, hit: np.ndarray) -> list[list[float]]:
    """Centred isotonic regression: the isotonic fit's blocks (runs of predictions sharing one
    fitted value), each placed at its predictions' mean raw score, joined by straight lines.
    A plain isotonic map is flat across each block, so many spans share one score and
    `min_score` can only show or hide them all together; this map rises between blocks,
    keeping their order, with much the same fit (Oron and Flournoy, 2017)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    fitted = iso.fit_transform(raw, hit.astype(np.float64))
    levels, block = np.unique(np.round(fitted, 9), return_inverse=True)
    centres = np.bincount(block, weights=raw) / np.bincount(block)
    return [[round(float(x), 5) for x in centres], [round(float(y), 5) for y in levels]]


def fit(
    predictions: Sequence[Prediction], *, min_count: int = MIN_PER_TECHNIQUE
) -> dict[str, list[list[float]]]:
    """Isotonic maps: one per technique with at least `min_count` predictions, and a
    shared one (`SHARED`) fitted on all predictions."""
    if not predictions:
        raise ValueError("Calibration needs predictions to fit on.")
    raw = np.array([p.raw for p in predictions], dtype=np.float64)
    hit = np.array([p.hit for p in predictions], dtype=bool)
    names = np.array([p.technique for p in predictions])
    out = {SHARED: _isotonic(raw, hit)}
    for name in sorted(set(names.tolist())):
        mine = names == name
        if mine.sum() >= min_count:
            out[name] = _isotonic(raw[mine], hit[mine])
    return out


def hits(
    spans: Sequence[tuple[int, int, str]], gold: Sequence[tuple[int, int, str]], *, share: float = HIT_SHARE
) -> list[bool]:
    """For each predicted `(start, end, technique)`, whether gold spans of the same
    technique cover at least `share` of its characters."""
    out = []
    for start, end, technique in spans:
        covered = np.zeros(max(0, end - start), dtype=bool)
        for g_start, g_end, g_tech in gold:
            if g_tech == technique and g_start < end and start < g_end:
                covered[max(g_start, start) - start : min(g_end, end) - start] = True
        out.append(bool(len(covered)) and covered.mean() >= share)
    return out


def reliability(scores: Sequence[float], hit: Sequence[bool], *, bins: int = 10) -> list[dict[str, float]]:
    """Per equal-width score bin: mean score, observed frequency of hits, count."""
    s, h = np.asarray(scores, dtype=np.float64), np.asarray(hit, dtype=np.float64)
    which = np.minimum((s * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append(
                {
                    "bin": b,
                    "score": float(s[inside].mean()),
                    "observed": float(h[inside].mean()),
                    "count": int(inside.sum()),
                }
            )
    return rows


def expected_calibration_error(scores: Sequence[float], hit: Sequence[bool], *, bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between mean score and observed frequency per bin."""
    rows = reliability(scores, hit, bins=bins)
    total = sum(r["count"] for r in rows)
    return float(sum(r["count"] * abs(r["score"] - r["observed"]) for r in rows) / total) if total else 0.0


def cross_fitted_ece(
    per_doc: Sequence[Sequence[Prediction]], *, min_count: int = MIN_PER_TECHNIQUE, folds: int = FOLDS
) -> tuple[float, list[float], list[bool]]:
    """ECE of maps fitted on the other folds' documents (document i is in fold i % folds)
    and applied to each fold's predictions; with those scores and hits."""
    scores: list[float] = []
    hit: list[bool] = []
    for k in range(folds):
        train = [p for i, ps in enumerate(per_doc) if i % folds != k for p in ps]
        test = [p for i, ps in enumerate(per_doc) if i % folds == k for p in ps]
        maps = fit(train, min_count=min_count) if train else None
        scores += [calibrate(maps, p.technique, p.raw) for p in test]
        hit += [p.hit for p in test]
    return expected_calibration_error(scores, hit), scores, hit


def fit_best(
    per_doc: Sequence[Sequence[Prediction]], *, folds: int = FOLDS
) -> tuple[dict[str, list[list[float]]], dict[str, dict[str, float]]]:
    """Per-technique maps or one shared map, whichever has the lower Brier score
    cross-fitted by document (a proper score: unlike ECE it sees a shared map blur
    techniques that differ), fitted on all predictions; with each one's cross-fitted Brier
    score and ECE. Per technique where there are too few documents to cross-fit."""
    every = [p for ps in per_doc for p in ps]
    if len(per_doc) < folds:
        return fit(every), {}
    errors = {}
    for kind, min_count in (("per_technique", MIN_PER_TECHNIQUE), ("shared", SHARED_ONLY)):
        ece, scores, hit = cross_fitted_ece(per_doc, min_count=min_count, folds=folds)
        brier = float(np.mean((np.asarray(scores) - np.asarray(hit, dtype=np.float64)) ** 2)) if hit else 0.0
        errors[kind] = {"brier": round(brier, 4), "ece": round(ece, 4)}
    shared = errors["shared"]["brier"] < errors["per_technique"]["brier"]
    return fit(every, min_count=SHARED_ONLY if shared else MIN_PER_TECHNIQUE), errors


def min_count_of(maps: dict[str, list[list[float]]] | None) -> int:
    """The `min_count` a model's maps were fitted with: per technique, or shared only."""
    return MIN_PER_TECHNIQUE if maps and set(maps) - {SHARED} else SHARED_ONLY
