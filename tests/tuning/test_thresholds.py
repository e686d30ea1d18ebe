"""Threshold tuning writes settings that the next load uses."""

import json
import shutil

import unspin
from unspin.tuning.data import load_corpus
from unspin.tuning.thresholds import (
    GAPS,
    MIX,
    SECOND,
    SEEDS,
    THRESHOLDS,
    TOKEN,
    WHOLE,
    WORD_LEVEL,
    tune,
    write_settings,
)


def test_tune_and_write(tiny_model_dir, ptc_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    docs, labels = load_corpus(ptc_dir)
    predictor = unspin.load(model, backend="torch").predictor
    before = dict(predictor.settings.__dict__)
    tuned = tune(predictor, docs, labels)
    assert predictor.settings.__dict__ == before  # tuning tries settings, then restores them
    assert tuned["threshold"] in [float(t) for t in THRESHOLDS] and tuned["second_threshold"] in SECOND
    assert tuned["flc_threshold"] in [float(t) for t in THRESHOLDS]
    assert tuned["token_threshold"] in TOKEN and len(tuned["table"]["token"]) == len(TOKEN)
    assert tuned["seed_threshold"] in SEEDS
    assert tuned["word_level"] in WORD_LEVEL and tuned["merge_gap"] in GAPS
    assert tuned["token_mix"] in MIX and tuned["tc_f1"] == max(tuned["table"]["token_mix"].values())
    assert tuned["si_f1"] == max(tuned["table"]["seed"].values())  # the seed chosen for SI
    assert tuned["flc_f1"] == max(tuned["table"]["token"].values())
    assert tuned["si_f1"] == max(tuned["table"]["threshold"].values())
    assert max(tuned["table"]["flc"].values()) == tuned["table"]["token"]["None"]
    assert len(tuned["table"]["flc"]) == len(THRESHOLDS) * len(SECOND)
    write_settings(model, tuned)
    config = json.loads((model / "config.json").read_text())
    assert config["settings"]["threshold"] == tuned["threshold"]
    assert config["settings"]["flc_threshold"] == tuned["flc_threshold"]
    assert config["settings"]["token_threshold"] == tuned["token_threshold"]
    assert config["settings"]["seed_threshold"] == tuned["seed_threshold"]
    assert config["settings"]["token_mix"] == tuned["token_mix"]
    assert config["settings"]["word_level"] == tuned["word_level"]
    assert config["settings"]["merge_gap"] == tuned["merge_gap"]
    assert "whole" not in tuned["table"] and config["settings"]["whole_threshold"] is None  # none named
    again = unspin.load(model, backend="torch")
    assert again.predictor.settings.threshold == tuned["threshold"]
    assert again.predictor.settings.flc_threshold == tuned["flc_threshold"]  # analyze's spans
    assert again.predictor.settings.second_threshold == tuned["second_threshold"]


def test_flc_threshold_drives_analyze_and_flc_but_not_si(tiny_model_dir, ptc_dir, tmp_path):
    from unspin.research import predict_folder

    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    config = json.loads((model / "config.json").read_text())
    config["settings"].update(threshold=0.0, flc_threshold=1.0)  # SI: everything; FLC: nothing
    (model / "config.json").write_text(json.dumps(config))
    analyzer = unspin.load(model, backend="torch")
    assert analyzer.analyze("They are traitors and liars.").spans == ()
    arts = ptc_dir / "train-articles"
    assert predict_folder(arts, "flc", tmp_path / "flc.txt", model=str(model)) == 0
    assert predict_folder(arts, "si", tmp_path / "si.txt", model=str(model)) > 0


def test_token_threshold_adds_token_head_spans_to_labelled_output(tiny_model_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    config = json.loads((model / "config.json").read_text())
    config["settings"].update(threshold=0.5, flc_threshold=1.0, token_threshold=0.0)
    (model / "config.json").write_text(json.dumps(config))
    text = "They are traitors and liars."
    analysis = unspin.load(model, backend="torch").analyze(text)
    # The span head labels nothing at 1.0; every technique's token run covers the text.
    assert {s.technique for s in analysis.spans} == set(unspin.taxonomy.NAMES)
    assert all(0 <= s.start < s.end <= len(text) and s.why for s in analysis.spans)


def test_whole_text_spans_are_tried_for_the_techniques_named(tiny_model_dir, ptc_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    docs, labels = load_corpus(ptc_dir)
    predictor = unspin.load(model, backend="torch").predictor
    name = predictor.techniques[0]
    tuned = tune(predictor, docs, labels, whole=[name])
    assert list(tuned["table"]["whole"]) == [str(t) for t in WHOLE]
    assert tuned["whole_threshold"] in (None, *WHOLE)
    assert tuned["whole_techniques"] == ([name] if tuned["whole_threshold"] is not None else [])
    assert tuned["flc_f1"] == max(*tuned["table"]["token"].values(), *tuned["table"]["whole"].values())


def test_whole_threshold_adds_a_span_over_a_short_text(tiny_model_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    config = json.loads((model / "config.json").read_text())
    name = config["techniques"][0] if "techniques" in config else unspin.taxonomy.NAMES[0]
    config["settings"].update(flc_threshold=1.0, whole_threshold=0.0, whole_techniques=[name])
    (model / "config.json").write_text(json.dumps(config))
    text = " They are traitors and liars. \n"
    spans = unspin.load(model, backend="torch").analyze(text).spans
    assert [(s.start, s.end, s.technique) for s in spans] == [(1, 29, name)]  # the text, trimmed
    assert spans[0].why
    long = " ".join(["They are traitors and liars."] * 200)  # longer than a window: no whole span
    assert not unspin.load(model, backend="torch").analyze(long).spans


def _tiny_pair(tiny_model_dir, tmp_path):
    """A fused folder of the tiny model and one with another tokenizer."""
    from unspin.testing.tiny import build_tiny_model

    root = tmp_path / "f"
    root.mkdir()
    shutil.copytree(tiny_model_dir, root / "a")
    build_tiny_model(root / "b", seed=7, vocab_size=120)
    settings = json.loads((root / "a" / "config.json").read_text())["settings"]
    (root / "config.json").write_text(json.dumps({"format": 1, "fuse": ["a", "b"], "settings": settings}))
    return root


def test_tune_fusion_picks_member_weights_and_writes_them(tiny_model_dir, ptc_dir, tmp_path):
    import numpy as np
    import pytest

    from unspin.errors import InputError
    from unspin.tuning.thresholds import tune_fusion

    root = _tiny_pair(tiny_model_dir, tmp_path)
    predictor = unspin.load(root, backend="torch").predictor
    docs, labels = load_corpus(ptc_dir)
    tuned = tune_fusion(predictor, docs, labels, [0.3, 0.7])
    assert tuned["weights"] in ([0.3, 0.7], [0.7, 0.3])
    assert set(tuned["table"]["weights"]) == {"0.3", "0.7"}
    assert np.allclose(predictor.weights, [0.5, 0.5])  # left as it was
    write_settings(root, tuned)
    assert json.loads((root / "config.json").read_text())["weights"] == tuned["weights"]
    with pytest.raises(InputError, match="two members"):
        tune_fusion(unspin.load(tiny_model_dir, backend="torch").predictor, docs, labels, [0.5])
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        tune_fusion(predictor, docs, labels, [0.5], [1.5])


def test_tune_fusion_tries_technique_weights_apart(tiny_model_dir, ptc_dir, tmp_path):
    import numpy as np

    from unspin.tuning.thresholds import tune_fusion

    root = _tiny_pair(tiny_model_dir, tmp_path)
    predictor = unspin.load(root, backend="torch").predictor
    docs, labels = load_corpus(ptc_dir)
    alone = tune_fusion(predictor, docs, labels, [0.5])
    tuned = tune_fusion(predictor, docs, labels, [0.5], [0.0, 1.0])
    assert tuned["weights"] == [0.5, 0.5] and predictor.technique_weights is None  # left as it was
    table = tuned["table"]["technique_weights"]
    assert set(table) == {"0.0", "1.0"}
    total = tuned["si_f1"] + tuned["tc_f1"] + tuned["flc_f1"]
    if "technique_weights" in tuned:  # kept only where it beats the span weight
        assert tuned["technique_weights"] in ([0.0, 1.0], [1.0, 0.0])
        assert round(total, 4) == max(table.values()) > alone["table"]["weights"]["0.5"]
    else:
        assert max(table.values()) <= round(total, 4) == alone["table"]["weights"]["0.5"]
    assert tuned["si_f1"] == alone["si_f1"]  # the spans do not move with technique weights
    write_settings(root, {**tuned, "technique_weights": [0.25, 0.75]})
    again = unspin.load(root, backend="torch").predictor
    assert np.allclose(again.technique_weights, [0.25, 0.75]) and np.allclose(again.weights, [0.5, 0.5])
