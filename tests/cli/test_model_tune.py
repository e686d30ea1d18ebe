"""`unspin model tune` and `train` on a folder of one's own articles (an `export-annotations`
folder): validated on a fixed split of its own documents, not on PTC's tuning articles it
does not hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.cli.model.train import annotation_split
from unspin.tuning.splits import tuning_ids

runner = CliRunner()


def test_a_folder_of_ones_own_articles_is_split_by_its_own_ids(ptc_dir: Path, tmp_path: Path) -> None:
    assert annotation_split(ptc_dir) == {"tuning_ids": ["3"]}  # ids 1, 2, 3: none of PTC's
    ptc_like = shutil.copytree(ptc_dir, tmp_path / "ptc-like")
    articles = ptc_like / "train-articles"
    (articles / "article3.txt").rename(articles / f"article{tuning_ids()[0]}.txt")
    assert annotation_split(ptc_like) == {}  # it holds a PTC tuning article: PTC's split


def test_tune_on_an_own_folder_uses_its_split_and_refuses_an_empty_one(
        ptc_dir: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    model = shutil.copytree(tiny_model_dir, tmp_path / "model")
    result = runner.invoke(app, ["model", "tune", "--data", str(ptc_dir), "--model", str(model)])
    assert result.exit_code == 0, result.output
    tuned = json.loads(result.stdout.strip().splitlines()[-1])
    assert json.loads((model / "config.json").read_text())["settings"]["threshold"] == tuned["threshold"]
    one = shutil.copytree(ptc_dir, tmp_path / "one")
    for extra in ("1", "3"):  # article 2 alone: its own split holds no document
        for path in one.rglob(f"article{extra}.*"):
            path.unlink()
    result = runner.invoke(app, ["model", "tune", "--data", str(one), "--model", str(model)])
    assert result.exit_code == 2 and "nothing to tune on" in result.stderr, result.output
