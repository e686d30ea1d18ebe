"""The SemEval-2020 Task 11 measures: span identification (si), technique
classification on gold spans (tc), and end-to-end fragment-level classification (flc)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from unspin.io.ptc import Label

Interval = tuple[int, int]


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1, with per-technique F1 where the task has techniques."""

    task: str
    precision: float
    recall: float
    f1: float
    per_technique: dict[str, float] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)
    detail: dict[str, dict[str, float]] = field(default_factory=dict)  # FLC: P, R, F1, counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "per_technique": {k: round(v, 4) for k, v in self.per_technique.items()},
            "support": dict(self.support),
            **({"detail": self.detail} if self.detail else {}),
        }


def harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping intervals (touching ones stay apart); empty ones are dropped."""
    merged: list[list[int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _overlap(a: Interval, b: Interval) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _span_prf(
    pred: dict[Any, list[Interval]], gold: dict[Any, list[Interval]]
) -> tuple[float, float, int, int]:
    """Sums of Σ_t|s∩t|/|s| over predictions and Σ_s|s∩t|/|t| over gold, and counts."""
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for key in set(pred) | set(gold):
        preds, golds = merge(pred.get(key, [])), merge(gold.get(key, []))
        n_pred += len(preds)
        n_gold += len(golds)
        for s in preds:
            for t in golds:
                inter = _overlap(s, t)
                if inter:
                    p_sum += inter / (s[1] - s[0])
                    r_sum += inter / (t[1] - t[0])
    return p_sum, r_sum, n_pred, n_gold


def _by(labels: Iterable[Label], *, technique: bool) -> dict[Any, list[Interval]]:
    grouped: dict[Any, list[Interval]] = defaultdict(list)
    for label in labels:
        key = (label.article_id, label.technique) if technique else label.article_id
        grouped[key].append((label.start, label.end))
    return grouped


def score_si(pred: Iterable[Label], gold: Iterable[Label]) -> Score:
    """Span identification: techniques ignored, spans merged per article on both sides."""
    p_sum, r_sum, n_pred, n_gold = _span_prf(_by(pred, technique=False), _by(gold, technique=False))
    p = p_sum / n_pred if n_pred else 0.0
    r = r_sum / n_gold if n_gold else 0.0
    return Score("si", p, r, harmonic(p, r))


def score_flc(pred: Iterable[Label], gold: Iterable[Label]) -> Score:
    """End to end: like si, but spans only meet when their techniques are the same."""
    pred_by, gold_by = _by(pred, technique=True), _by(gold, technique=True)
    p_sum, r_sum, n_pred, n_gold = _span_prf(pred_by, gold_by)
    p = p_sum / n_pred if n_pred else 0.0
    r = r_sum / n_gold if n_gold else 0.0
    per: dict[str, float] = {}
    support: dict[str, int] = {}
    detail: dict[str, dict[str, float]] = {}
    for name in sorted({k[1] for k in gold_by} | {k[1] for k in pred_by}):
        ps, rs, npred, ngold = _span_prf(
            {k: v for k, v in pred_by.items() if k[1] == name},
            {k: v for k, v in gold_by.items() if k[1] == name},
        )
        tp, tr = (ps / npred if npred else 0.0), (rs / ngold if ngold else 0.0)
        per[name] = harmonic(tp, tr)
        support[name] = ngold
        detail[name] = {
            "precision": round(tp, 4),
            "recall": round(tr, 4),
            "f1": round(per[name], 4),
            "predicted": npred,
            "gold": ngold,
            "predicted_per_gold": round(npred / ngold, 3) if ngold else None,
        }
    score = Score("flc", p, r, harmonic(p, r), per, support, detail)
    return score


def score_tc(pred: Iterable[Label], gold: Iterable[Label]) -> Score:
    """Technique classification on gold spans; several labels on one span are matched
    as multisets (the best matching); micro-F1 over labels."""
    gold_at: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    pred_at: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for label in gold:
        gold_at[(label.article_id, label.start, label.end)][str(label.technique)] += 1
    for label in pred:
        pred_at[(label.article_id, label.start, label.end)][str(label.technique)] += 1
    matched: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for key, golds in gold_at.items():
        n_gold.update(golds)
        matched.update(golds & pred_at.get(key, Counter()))
    for preds in pred_at.values():
        n_pred.update(preds)
    total_m, total_p, total_g = sum(matched.values()), sum(n_pred.values()), sum(n_gold.values())
    p = total_m / total_p if total_p else 0.0
    r = total_m / total_g if total_g else 0.0
    per = {}
    for name in sorted(set(n_gold) | set(n_pred)):
        tp = matched[name] / n_pred[name] if n_pred[name] else 0.0
        tr = matched[name] / n_gold[name] if n_gold[name] else 0.0
        per[name] = harmonic(tp, tr)
    return Score("tc", p, r, harmonic(p, r), per, dict(n_gold))


SCORERS = {"si": score_si, "tc": score_tc, "flc": score_flc}


def evaluate(task: str, pred: Iterable[Label], gold: Iterable[Label]) -> Score:
    """Score predictions against gold for `task` ("si", "tc" or "flc")."""
    if task not in SCORERS:
        raise ValueError(f"Unknown task {task!r}: expected one of si, tc, flc.")
    return SCORERS[task](list(pred), list(gold))
