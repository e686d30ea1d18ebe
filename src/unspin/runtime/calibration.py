"""Calibration applied: a span's raw score (span confidence × technique probability)
becomes the probability that annotators mark that technique on (most of) that text.
A map is stored in the model's settings as two lists, `[xs, ys]`, and applied by linear
interpolation, so applying it needs numpy only (`unspin.tuning.calibration` fits them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from unspin.runtime.decode.bio import RawSpan, techniques_for

SHARED = "*"  # the map for techniques with too few predictions of their own


def calibrate(calibration: dict[str, list[list[float]]] | None, technique: str, raw: float) -> float:
    """The calibrated score of a raw one (the raw score itself where there is no map)."""
    if not calibration:
        return float(raw)
    xs, ys = calibration.get(technique) or calibration[SHARED]
    return float(np.interp(raw, xs, ys))


def scored(
    raws: Sequence[RawSpan], names: Sequence[str], settings: Any, least: float
) -> list[tuple[RawSpan, str, float]]:
    """What readers see of decoded spans: each span's technique (and runner-up, see
    `techniques_for`) with its calibrated score, those scoring at least `least`."""
    out = []
    for raw in raws:
        for name, prob in techniques_for(raw, names, settings.second_threshold):
            score = calibrate(settings.calibration, name, raw.score * prob)
            if score >= least:
                out.append((raw, name, score))
    return out
