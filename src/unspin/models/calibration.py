"""Calibration: a span's raw score (span confidence × technique probability) becomes the
probability that annotators mark that technique on (most of) that text.

Fitted per technique by isotonic regression (scikit-learn) on predictions for articles
the model was never trained on; techniques with too few predictions share one map. A
map is stored in the model's settings as two lists, `[xs, ys]`, and applied by linear
interpolation, so applying it needs numpy only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SHARED = "*"  # the map for techniques with too few predictions of their own
MIN_PER_TECHNIQUE = 60
HIT_SHARE = 0.5  # a prediction is right when gold spans of its technique cover half of it


@dataclass(frozen=True)
class Prediction:
    """One labelled prediction, for fitting or measuring calibration."""

    technique: str
    raw: float  # the uncalibrated score
    hit: bool  # annotators marked this technique over at least HIT_SHARE of the span


def calibrate(calibration: dict[str, list[list[float]]] | None, technique: str, raw: float) -> float:
    """The calibrated score of a raw one (the raw score itself where there is no map)."""
    if not calibration:
        return float(raw)
    xs, ys = calibration.get(technique) or calibration[SHARED]
    return float(np.interp(raw, xs, ys))


def _isotonic(raw: np.ndarray, hit: np.ndarray) -> list[list[float]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    iso.fit(raw, hit.astype(np.float64))
    xs, ys = iso.X_thresholds_, iso.y_thresholds_
    return [[round(float(x), 5) for x in xs], [round(float(y), 5) for y in ys]]


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
