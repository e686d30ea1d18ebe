"""The SemEval-2020 Task 11 measures: span identification (si), technique
classification on gold spans (tc), and end-to-end fragment-level classification (flc)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    matched, n_pred, n_gold = _tc_counts(pred, gold)
    total_m, total_p, total_g = sum(matched.values()), sum(n_pred.values()), sum(n_gold.values())
    p = total_m / total_p if total_p else 0.0
    r = total_m / total_g if total_g else 0.0
    per = {}
    for name in sorted(set(n_gold) | set(n_pred)):
        tp = matched[name] / n_pred[name] if n_pred[name] else 0.0
        tr = matched[name] / n_gold[name] if n_gold[name] else 0.0
        per[name] = harmonic(tp, tr)
    return Score("tc", p, r, harmonic(p, r), per, dict(n_gold))


def _tc_counts(
    pred: Iterable[Label], gold: Iterable[Label]
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Per technique: labels matched on the same span, predicted, and gold."""
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
    return matched, n_pred, n_gold


SCORERS = {"si": score_si, "tc": score_tc, "flc": score_flc}


def evaluate(task: str, pred: Iterable[Label], gold: Iterable[Label]) -> Score:
    """Score predictions against gold for `task` ("si", "tc" or "flc")."""
    if task not in SCORERS:
        raise ValueError(f"Unknown task {task!r}: expected one of si, tc, flc.")
    return SCORERS[task](list(pred), list(gold))


def without_ignored(
    pred: Iterable[Label], ignore: dict[str, list[Interval]], share: float = 0.5
) -> list[Label]:
    """`pred` less the spans with more than `share` of their characters inside their
    article's ignore spans (ct24-en's techniques that PTC lacks: neither right nor wrong)."""
    merged = {a: merge(spans) for a, spans in ignore.items()}
    kept = []
    for label in pred:
        inside = sum(_overlap((label.start, label.end), i) for i in merged.get(label.article_id, []))
        if inside <= share * (label.end - label.start):
            kept.append(label)
    return kept


def article_counts(
    task: str, pred: Iterable[Label], gold: Iterable[Label], articles: Sequence[str]
) -> np.ndarray:
    """Per article (rows, in `articles`' order) the sums its task's score is made of, so
    scores of any multiset of articles are sums of rows (`f1_of_counts`): for si and flc
    (precision sum, recall sum, predicted spans, gold spans), for tc (matched, predicted,
    gold) labels."""
    pred_of: dict[str, list[Label]] = defaultdict(list)
    gold_of: dict[str, list[Label]] = defaultdict(list)
    for label in pred:
        pred_of[label.article_id].append(label)
    for label in gold:
        gold_of[label.article_id].append(label)
    rows = []
    for a in articles:
        if task == "tc":
            matched, n_pred, n_gold = _tc_counts(pred_of[a], gold_of[a])
            rows.append((sum(matched.values()), sum(n_pred.values()), sum(n_gold.values())))
        else:
            technique = task == "flc"
            rows.append(_span_prf(_by(pred_of[a], technique=technique), _by(gold_of[a], technique=technique)))
    return np.asarray(rows, dtype=np.float64).reshape(len(articles), 3 if task == "tc" else 4)


def f1_of_counts(task: str, counts: np.ndarray) -> np.ndarray:
    """F1 from summed `article_counts` rows (the last axis)."""
    if task == "tc":
        matched, n_pred, n_gold = np.moveaxis(counts, -1, 0)
        p_sum = r_sum = matched
    else:
        p_sum, r_sum, n_pred, n_gold = np.moveaxis(counts, -1, 0)
    p = np.divide(p_sum, n_pred, out=np.zeros_like(p_sum), where=n_pred > 0)
    r = np.divide(r_sum, n_gold, out=np.zeros_like(r_sum), where=n_gold > 0)
    return np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=p + r > 0)


def bootstrap(
    task: str,
    runs: Sequence[Iterable[Label]],
    gold: Iterable[Label],
    articles: Sequence[str],
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """F1 of each of `runs` (predictions on the same `articles`) on `resamples` draws of as
    many articles with replacement, the same draws for every run: shape (resamples, runs).
    Rows are paired, so a difference between runs has its own spread (`interval`)."""
    gold = list(gold)
    counts = np.stack([article_counts(task, run, gold, articles) for run in runs])  # (runs, n, k)
    draws = np.random.default_rng(seed).integers(0, len(articles), size=(resamples, len(articles)))
    per_draw = np.stack([np.bincount(row, minlength=len(articles)) for row in draws])  # (resamples, n)
    return f1_of_counts(task, np.einsum("dn,rnk->drk", per_draw, counts))


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central `level` share of `values` (percentile interval)."""
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)
