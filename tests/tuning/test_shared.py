"""Scoring a model on data written in another taxonomy (`tuning.shared`): the model's names
renamed into the data's, technique figures on the techniques both have."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unspin.io.ptc import Label
from unspin.taxonomy import NAMES
from unspin.tuning.shared import shared

MERGED = "Whataboutism,Straw_Men,Red_Herring"
GOLD = {"a": [Label("a", 0, 5, "Loaded_Language"), Label("a", 6, 9, MERGED)],
        "b": [Label("b", 0, 4, "Doubt")]}


def test_the_same_taxonomy_needs_no_mapping():
    assert shared(["Loaded_Language", MERGED, "Doubt", "Slogans"], GOLD) is None


def test_gold_outside_ptc_is_its_own_taxonomy():
    gold = {"a": [Label("a", 0, 5, "Questioning_the_Reputation"), Label("a", 6, 9, "Doubt")]}
    found = shared(["Doubt", "Name_Calling,Labeling"], gold)
    assert found is not None and found.techniques == ["Doubt"] and found.left_out == 1
    assert found.rename("Name_Calling,Labeling") is None  # the data's taxonomy lacks it


def test_another_taxonomy_is_scored_on_the_techniques_both_have():
    found = shared(["Loaded Language", "Straw Man", "Whataboutism", "Smears"], GOLD)
    assert found is not None
    assert found.techniques == ["Loaded_Language", MERGED]  # the data's names
    assert found.rename("Straw Man") == found.rename("Whataboutism") == MERGED  # both continue it
    assert found.rename("Smears") is None and found.left_out == 1  # Doubt: the model lacks it
    assert found.labels == {"a": GOLD["a"], "b": []}
    rows = [Label("a", 0, 5, "Loaded Language"), Label("a", 6, 9, "Smears")]
    assert found.rows(rows) == [Label("a", 0, 5, "Loaded_Language")]  # Smears: no such gold
    assert found.choices(rows)[1].technique == "Smears"  # TC: one answer per gold span, wrong here


def test_only_narrows_so_two_taxonomies_are_scored_alike():
    ptc = shared(["Loaded_Language", MERGED, "Doubt"], GOLD, only=["Loaded Language", "Straw Man"])
    assert ptc is not None and ptc.techniques == ["Loaded_Language", MERGED] and ptc.left_out == 1


@pytest.fixture
def respelt(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """The tiny model with its technique names in other spellings (calibration keys too)."""
    folder = tmp_path / "respelt"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    spelt = {n: n.lower().replace("_", " ") for n in config["techniques"]}
    assert all(spelt[n] != n for n in spelt)
    config["techniques"] = [spelt[n] for n in config["techniques"]]
    calibration = config["settings"].get("calibration") or {}
    config["settings"]["calibration"] = {spelt.get(k, k): v for k, v in calibration.items()}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_respelt_model_scores_as_the_original(tiny_model_dir: Path, respelt: Path, ptc_dir: Path):
    import unspin
    from unspin.tuning.evaluate import evaluate_model

    def figures(folder: Path, **kw) -> dict:
        predictor = unspin.load(folder, backend="torch").predictor
        predictor.settings.threshold = 0.0  # spans everywhere: something to score
        return evaluate_model(predictor, ptc_dir, "all", name="m", resamples=0, **kw)

    original, other = figures(tiny_model_dir), figures(respelt)
    for task in ("si", "tc", "flc"):
        assert other[task] == original[task], task
    assert "techniques_scored" not in original and other["gold_left_out"] == 0
    assert other["techniques_scored"] == sorted(NAMES)  # PTC's gold: PTC's 14 techniques
    narrowed = figures(tiny_model_dir, only=["Loaded Language"])
    assert narrowed["techniques_scored"] == ["Loaded_Language"] and narrowed["gold_left_out"] == 7
    assert narrowed["si"] == original["si"]  # SI: every span, whatever its technique
    # TC among the scored techniques: all 14 for the respelt model, so its TC; one, so every
    # Loaded_Language span is read as such
    assert other["tc_among_scored"] == other["tc"] and "tc_among_scored" not in original
    assert narrowed["tc_among_scored"]["f1"] == 1.0



def test_model_evaluate_says_what_it_scored(respelt: Path, ptc_dir: Path):
    from typer.testing import CliRunner

    from unspin.cli.main import app

    result = CliRunner().invoke(app, ["model", "evaluate", "--model", str(respelt), "--split", str(ptc_dir),
                                      "--resamples", "0"])
    assert result.exit_code == 0, result.output
    assert "TC and FLC count the 14 both have" in " ".join(result.stdout.split())
