"""Calibration: isotonic maps per technique, hits against gold, ECE and reliability bins,
and `unspin calibrate` writing its choices into a model folder."""

import json
import shutil

import numpy as np
import pytest

from unspin.tuning import calibration as C


def test_hits_need_half_the_span_covered_by_the_same_technique():
    gold = [(10, 20, "Doubt"), (30, 34, "Loaded_Language")]
    spans = [
        (10, 20, "Doubt"),
        (15, 25, "Doubt"),
        (16, 26, "Doubt"),
        (10, 20, "Loaded_Language"),
        (5, 5, "Doubt"),
    ]
    # (15,25): 5 of 10 covered -> hit; (16,26): 4 of 10 -> miss; other technique -> miss; empty -> miss
    assert C.hits(spans, gold) == [True, True, False, False, False]


def test_fit_gives_monotone_maps_and_a_shared_one():
    rng = np.random.default_rng(0)
    preds = []
    for _ in range(400):
        raw = float(rng.uniform())
        preds.append(C.Prediction("Doubt", raw, bool(rng.uniform() < raw * 0.5)))
    preds += [C.Prediction("Slogans", 0.9, True)] * 3
    maps = C.fit(preds, min_count=60)
    assert set(maps) == {C.SHARED, "Doubt"}  # Slogans: too few of its own
    xs, ys = maps["Doubt"]
    assert xs == sorted(xs) and ys == sorted(ys) and ys[0] >= 0 and ys[-1] <= 1
    assert C.calibrate(maps, "Doubt", 0.9) == pytest.approx(0.45, abs=0.12)
    assert C.calibrate(maps, "Slogans", 0.9) == C.calibrate(maps, "Repetition", 0.9)  # shared map
    assert C.calibrate(None, "Doubt", 0.3) == 0.3
    with pytest.raises(ValueError):
        C.fit([])


def test_maps_rise_between_blocks_so_min_score_can_cut_anywhere():
    # Two plateaus of hits a plain isotonic map would flatten: 0.2 below raw 0.5, 0.6 above.
    raw = np.linspace(0.01, 0.99, 400)
    hit = np.zeros(400, dtype=bool)
    hit[:200:5] = True  # one in five
    hit[200:] = np.arange(200) % 5 < 3  # three in five
    preds = [C.Prediction("Doubt", float(r), bool(h)) for r, h in zip(raw, hit, strict=True)]
    xs, ys = C.fit(preds)[C.SHARED]
    assert all(np.diff(xs) > 0) and all(np.diff(ys) > 0)
    scores = [C.calibrate({C.SHARED: [xs, ys]}, "Doubt", float(r)) for r in raw]
    inside = [s for r, s in zip(raw, scores, strict=True) if xs[0] < r < xs[-1]]
    assert len(set(inside)) == len(inside)  # no two spans inside the map share a score
    assert np.mean(scores) == pytest.approx(hit.mean(), abs=0.03)  # still calibrated on average
    assert scores[0] == pytest.approx(0.2, abs=0.05) and scores[-1] == pytest.approx(0.6, abs=0.05)


def test_ece_by_hand():
    scores = [0.05, 0.05, 0.95, 0.95]
    hits = [False, False, True, False]
    # bin 0: mean 0.05, observed 0 -> gap 0.05; bin 9: mean 0.95, observed 0.5 -> gap 0.45
    assert C.expected_calibration_error(scores, hits) == pytest.approx((2 * 0.05 + 2 * 0.45) / 4)
    rows = C.reliability(scores, hits)
    assert [(r["bin"], r["count"]) for r in rows] == [(0, 2), (9, 2)]


def test_calibrate_writes_rules_maps_and_min_score(tiny_model_dir, ptc_dir, tmp_path):
    import unspin
    from unspin.runtime.decode.tidy import HYGIENE
    from unspin.tuning.data import load_corpus
    from unspin.tuning.output import tune_output, write_output_settings

    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    analyzer = unspin.load(model, backend="torch")
    docs, labels = load_corpus(ptc_dir)
    tuned = tune_output(analyzer.predictor, docs, labels)
    assert set(tuned["hygiene"]) <= set(HYGIENE)
    assert C.SHARED in tuned["calibration"] and 0 <= tuned["min_score"] <= 0.6
    write_output_settings(model, tuned)
    settings = json.loads((model / "config.json").read_text())["settings"]
    assert settings["min_score"] == tuned["min_score"] and settings["hygiene"] == tuned["hygiene"]
    again = unspin.load(model, backend="torch")
    assert again.threshold == tuned["min_score"]
    text = docs[0].text
    for span in again.analyze(text, threshold=0.0).spans:
        assert 0.0 <= span.score <= 1.0


def test_calibrate_offers_the_span_memory_and_writes_what_it_chose(tiny_model_dir, ptc_dir, tmp_path):
    """A random-init model labels at chance; a memory of the articles' own spans knows
    them, so tuning takes a share of it, TC rises, and the reloaded model uses it."""
    import unspin
    from unspin.tuning import span_memory
    from unspin.tuning.data import load_corpus
    from unspin.tuning.output import tune_output, write_output_settings

    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    analyzer = unspin.load(model, backend="torch")
    docs, labels = load_corpus(ptc_dir)
    table = span_memory.of_documents(docs, labels, analyzer.predictor.techniques)
    assert len(table) == 7  # "Build the wall" twice (Slogans, Repetition): one key
    without = tune_output(analyzer.predictor, docs, labels)
    assert without["span_memory"] is None and without["memory_share"] == 0.0
    tuned = tune_output(analyzer.predictor, docs, labels, memory=table)
    assert tuned["memory_share"] > 0 and tuned["span_memory"] == table
    assert tuned["tc_f1"] > without["tc_f1"]
    # the memory cannot tell "Build the wall" (Slogans) from its repeat (Repetition); the
    # words coming earlier can
    assert tuned["recurrence_share"] > 0 and tuned["tc_f1"] == 1.0
    assert tuned["table"]["revision"]["none"] == without["table"]["revision"]["none"]
    assert analyzer.predictor.settings.memory_share == 0.0  # left as it was
    write_output_settings(model, tuned)
    settings = json.loads((model / "config.json").read_text())["settings"]
    assert settings["span_memory"] == table and settings["memory_share"] == tuned["memory_share"]
    again = unspin.load(model, backend="torch").predictor
    # "corrupt elites" was marked Name Calling once: at least the memory's share goes there
    (raw,) = next(again.label([docs[0].text], [[(34, 48)]]))
    assert raw.probs[again.techniques.index("Name_Calling,Labeling")] >= tuned["memory_share"]
    assert raw.probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_min_score_keeps_spans_per_gold_span_under_the_cap(monkeypatch):
    from unspin.io import ptc
    from unspin.tuning import output as calibrate

    gold = [ptc.Label("1", a, a + 10, "Doubt") for a in (0, 20, 40, 60)]
    noise = [ptc.Label("1", 80, 85, "Doubt"), ptc.Label("1", 90, 95, "Doubt")]
    rows, scores = gold + noise, [0.9, 0.8, 0.2, 0.2, 0.3, 0.3]
    monkeypatch.setattr(calibrate, "MIN_SCORES", (0.0, 0.25, 0.5))
    table: dict = {}
    least, f1 = calibrate.pick_min_score(rows, scores, gold, table)
    # 0.0 finds every gold span (F1 0.8) but shows 1.5 spans per gold span: over the cap
    assert table["0.0"] == [0.8, 1.5] and table["0.25"] == [0.5, 1.0] and table["0.5"][1] == 0.5
    assert least == 0.5 and f1 == pytest.approx(0.6667)
    monkeypatch.setattr(calibrate, "MIN_SCORES", (0.0, 0.25))
    monkeypatch.setattr(calibrate, "MAX_PER_GOLD", 0.4)  # none qualifies: the one showing fewest
    assert calibrate.pick_min_score(rows, scores, gold, {})[0] == 0.25


def _docs(rate_by_technique, n_docs=24, per_doc=60, seed=0):
    rng = np.random.default_rng(seed)
    names = list(rate_by_technique)
    docs = []
    for _ in range(n_docs):
        ps = []
        for j in range(per_doc):
            name = names[j % len(names)]
            raw = float(rng.uniform())
            ps.append(C.Prediction(name, raw, bool(rng.uniform() < rate_by_technique[name](raw))))
        docs.append(ps)
    return docs


def test_fit_best_keeps_per_technique_maps_where_techniques_differ():
    docs = _docs({"Doubt": lambda r: 0.1 * r, "Loaded_Language": lambda r: min(1.0, 0.3 + r)})
    maps, errors = C.fit_best(docs)
    assert set(maps) == {C.SHARED, "Doubt", "Loaded_Language"} and C.min_count_of(maps) == C.MIN_PER_TECHNIQUE
    assert errors["per_technique"]["brier"] < errors["shared"]["brier"]
    assert C.calibrate(maps, "Doubt", 0.8) < 0.3 < C.calibrate(maps, "Loaded_Language", 0.8)


def test_fit_best_shares_one_map_where_techniques_agree():
    docs = _docs({name: (lambda r: r) for name in ("Doubt", "Slogans", "Flag-Waving", "Repetition")})
    maps, errors = C.fit_best(docs)
    assert errors["shared"]["brier"] < errors["per_technique"]["brier"]
    assert set(maps) == {C.SHARED} and C.min_count_of(maps) == C.SHARED_ONLY
    ece, scores, hits = C.cross_fitted_ece(docs, min_count=C.SHARED_ONLY)
    assert round(ece, 4) == errors["shared"]["ece"] and len(scores) == len(hits) == sum(map(len, docs))


def test_fit_best_with_too_few_documents_fits_per_technique():
    docs = _docs({"Doubt": lambda r: r}, n_docs=3, per_doc=70)
    maps, errors = C.fit_best(docs)
    assert errors == {} and set(maps) == {C.SHARED, "Doubt"}
    assert C.min_count_of(None) == C.SHARED_ONLY
