"""The SI, TC and FLC measures on small hand-computed cases."""

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
