"""The SI, TC and FLC measures on small hand-computed cases."""

import numpy as np
import pytest

from unspin.io.ptc import Label
from unspin.scoring import evaluate, merge, score_flc, score_si, score_tc


def L(aid, s, e, t=None):
    return Label(aid, s, e, t)


def test_merge_joins_overlaps_only():
    assert merge([(5, 10), (0, 3), (8, 12), (12, 14)]) == [(0, 3), (5, 12), (12, 14)]


def test_si_partial_overlap():
    # pred [0,10), gold [5,15): overlap 5 -> P = 5/10, R = 5/10
    s = score_si([L("a", 0, 10)], [L("a", 5, 15)])
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5) and s.f1 == pytest.approx(0.5)


def test_si_merges_overlapping_predictions_and_separates_articles():
    # preds [0,4) and [2,10) merge to [0,10); gold [0,5) and [20,30); article b has a stray pred
    pred = [L("a", 0, 4), L("a", 2, 10), L("b", 0, 5)]
    gold = [L("a", 0, 5), L("a", 20, 30)]
    s = score_si(pred, gold)
    # |S| = 2 (merged a-span, b-span); P = (5/10 + 0) / 2 = 0.25
    # |T| = 2; R = (5/5 + 0) / 2 = 0.5
    assert s.precision == pytest.approx(0.25)
    assert s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(2 * 0.25 * 0.5 / 0.75)


def test_si_empty_predictions_score_zero():
    assert score_si([], [L("a", 0, 5)]).f1 == 0.0


def test_tc_best_matching_on_multi_label_spans():
    gold = [L("a", 0, 5, "Doubt"), L("a", 0, 5, "Loaded_Language"), L("a", 9, 12, "Slogans")]
    # Order of the two predictions on [0,5) does not matter; one of three is wrong.
    pred = [L("a", 0, 5, "Loaded_Language"), L("a", 0, 5, "Doubt"), L("a", 9, 12, "Doubt")]
    s = score_tc(pred, gold)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.per_technique["Slogans"] == 0.0
    assert s.per_technique["Loaded_Language"] == 1.0
    # Doubt: matched 1, predicted 2, gold 1 -> P .5, R 1 -> F1 2/3
    assert s.per_technique["Doubt"] == pytest.approx(2 / 3)


def test_flc_needs_same_technique():
    gold = [L("a", 0, 10, "Doubt"), L("a", 20, 30, "Slogans")]
    pred = [L("a", 0, 10, "Doubt"), L("a", 20, 25, "Doubt")]
    s = score_flc(pred, gold)
    # Doubt: pred spans [0,10) and [20,25) (separate); gold Doubt [0,10) -> P sum 1, |S| = 2
    # R: gold [0,10) fully covered (1), gold Slogans [20,30) uncovered -> 1/2
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.5)
    assert s.per_technique["Doubt"] == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert s.per_technique["Slogans"] == 0.0


def test_evaluate_rejects_unknown_task():
    with pytest.raises(ValueError, match="Unknown task"):
        evaluate("xyz", [], [])


def _corpus():
    gold = [L("a", 0, 5, "Doubt"), L("a", 20, 30, "Slogans"), L("b", 0, 10, "Doubt")]
    gold.append(L("c", 3, 9, "Repetition"))
    good = [L("a", 0, 5, "Doubt"), L("a", 22, 30, "Slogans"), L("b", 2, 10, "Doubt"), L("c", 3, 9, "Doubt")]
    poor = [L("a", 0, 5, "Slogans"), L("b", 40, 50, "Doubt"), L("c", 0, 4, "Doubt")]
    return gold, good, poor


@pytest.mark.parametrize("task", ["si", "tc", "flc"])
def test_article_counts_sum_to_the_score(task):
    from unspin.scoring import article_counts, f1_of_counts

    gold, good, poor = _corpus()
    if task == "tc":  # predictions on gold spans
        names = ["Doubt", "Slogans", "Slogans", "Doubt"]
        good = [L(g.article_id, g.start, g.end, t) for g, t in zip(gold, names, strict=True)]
        poor = [L(g.article_id, g.start, g.end, "Doubt") for g in gold]
    for run in (good, poor, []):
        counts = article_counts(task, run, gold, ["a", "b", "c", "d"])  # d: no labels at all
        assert counts[3].tolist() == [0.0] * counts.shape[1]
        assert f1_of_counts(task, counts.sum(0)) == pytest.approx(evaluate(task, run, gold).f1)


def test_bootstrap_is_paired_seeded_and_brackets_the_score():
    from unspin.scoring import bootstrap, interval

    gold, good, poor = _corpus()
    articles = ["a", "b", "c"]
    f1 = bootstrap("flc", [good, poor, good], gold, articles, resamples=400, seed=3)
    assert f1.shape == (400, 3)
    assert np.array_equal(f1[:, 0], f1[:, 2])  # same draws for every run: a run against itself differs by 0
    assert np.array_equal(f1, bootstrap("flc", [good, poor, good], gold, articles, resamples=400, seed=3))
    lo, hi = interval(f1[:, 0])
    assert lo <= score_flc(good, gold).f1 <= hi and lo < hi
    # poor gets no technique right: good is never worse, and better on every draw but c's alone
    assert (f1[:, 0] >= f1[:, 1]).all() and (f1[:, 0] > f1[:, 1]).mean() > 0.9
    one = bootstrap("si", [gold], gold, articles, resamples=50)
    assert (one == 1.0).all()  # gold against itself: F1 1 on every draw


def test_spans_mostly_inside_ignore_spans_are_not_scored():
    from unspin.scoring import without_ignored

    ignore = {"a": [(10, 20), (18, 30)]}  # merged: 10..30
    pred = [L("a", 12, 16, "Doubt"), L("a", 0, 14, "Doubt"), L("a", 25, 40, "Doubt"), L("b", 12, 16, "Doubt")]
    # 4 of 4 inside: dropped; 4 of 14 inside: kept; 5 of 15 inside: kept; other article: kept
    assert without_ignored(pred, ignore) == pred[1:]
    assert without_ignored(pred, ignore, share=0.3) == [pred[1], pred[3]]  # 5/15 > 0.3: dropped
    assert without_ignored(pred, {}) == pred
