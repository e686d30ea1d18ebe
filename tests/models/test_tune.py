"""Threshold tuning writes settings that the next load uses."""

import json
import shutil

import unspin
from unspin.models.train import load_corpus
from unspin.models.tune import SECOND, THRESHOLDS, tune, write_settings


def test_tune_and_write(tiny_model_dir, ptc_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "m")
    docs, labels = load_corpus(ptc_dir)
    tuned = tune(unspin.load(model, backend="torch").predictor, docs, labels)
    assert tuned["threshold"] in [float(t) for t in THRESHOLDS] and tuned["second_threshold"] in SECOND
    assert tuned["si_f1"] == max(tuned["table"]["threshold"].values())
    write_settings(model, tuned)
    config = json.loads((model / "config.json").read_text())
    assert config["settings"]["threshold"] == tuned["threshold"]
    again = unspin.load(model, backend="torch")
    assert again.threshold == tuned["threshold"] and again.second_threshold == tuned["second_threshold"]
