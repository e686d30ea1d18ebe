"""`unspin model rebuild`, `quantize`, `fuse` and `card`: recipes checked and run resumably,
the int8 choice and a fused folder written through ModelFolder, a card from folder and recipe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.recipes import DATA, RecipeError, load, read_record, run, tree_sha256

runner = CliRunner()
SHARED = pytest.mark.skipif(not (DATA / "ptc").is_dir(), reason="needs ../shared/data beside the clone")


def fake_recipe(tmp_path: Path, data: Path) -> Path:
    (data / "corpus").mkdir(parents=True, exist_ok=True)
    (data / "corpus" / "a.txt").write_text("one article\n")
    digest = tree_sha256(data / "corpus")
    path = tmp_path / "tiny.toml"
    path.write_text(f"""
tier = "tiny"
name = "tiny-rebuilt"
result = "{{out}}/model"
summary = "three cheap steps"
[inputs.corpus]
path = "{{data}}/corpus"
sha256 = "{digest}"
[[steps]]
name = "tune"
run = "unspin model tune --data {{corpus}} --model {{out}}/model"
minutes = 1
[[steps]]
name = "calibrate"
run = "unspin model calibrate --data {{corpus}} --model {{out}}/model"
seed = 7
[[steps]]
name = "card"
run = "unspin model card {{out}}/model --out {{out}}/card.md"
""")
    return path


@SHARED
@pytest.mark.parametrize("tier", ["accurate", "fast"])
def test_dry_run_of_each_shipped_tier_passes(tier):
    result = runner.invoke(app, ["model", "rebuild", tier, "--dry-run"])
    assert result.exit_code == 0, result.output
    recipe = load(tier)
    assert f"recipe {tier} ({tier}.toml)" in result.output
    for step in recipe.steps:
        assert f"{step.number:2d}. {step.name}" in result.output
    assert "unspin model train --data" in result.output and "--seed 41" in result.output
    assert f"input ptc: {DATA / 'ptc'} (sha256 9daf95b2033a" in result.output


def test_a_missing_input_fails_naming_it(tmp_path):
    recipe = fake_recipe(tmp_path, tmp_path / "data")
    none = tmp_path / "none"
    result = runner.invoke(app, ["model", "rebuild", str(recipe), "--dry-run", "--data", str(none)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: input 'corpus' is missing: {none / 'corpus'} does not exist."


def test_a_changed_input_fails_naming_it(tmp_path):
    data = tmp_path / "data"
    recipe = fake_recipe(tmp_path, data)
    (data / "corpus" / "a.txt").write_text("another article\n")
    result = runner.invoke(app, ["model", "rebuild", str(recipe), "--dry-run", "--data", str(data)])
    assert result.exit_code == 2
    assert "error: input 'corpus' differs:" in result.output


def test_a_step_unspin_would_refuse_fails_the_dry_run(tmp_path):
    data = tmp_path / "data"
    recipe = fake_recipe(tmp_path, data)
    text = recipe.read_text()
    recipe.write_text(text.replace('--model {out}/model"', '--model {out}/model --no-such-option"', 1))
    result = runner.invoke(app, ["model", "rebuild", str(recipe), "--dry-run", "--data", str(data)])
    assert result.exit_code == 2
    assert "error: step 1 (tune): `unspin model tune` has no option --no-such-option." in result.output


def test_run_records_steps_and_resume_skips_them(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    recipe = load(fake_recipe(tmp_path, data))
    ran: list[list[str]] = []
    record = run(recipe, out, data, executor=lambda argv: ran.append(argv) or 0, say=lambda _: None)
    assert [a[2] for a in ran] == ["tune", "calibrate", "card"]
    assert ran[0] == ["unspin", "model", "tune", "--data", f"{data}/corpus", "--model", f"{out}/model"]
    assert sorted(record["steps"]) == ["1", "2", "3"] and read_record(out) == record
    ran.clear()
    run(recipe, out, data, executor=lambda argv: ran.append(argv) or 0, say=lambda _: None)
    assert ran == []  # all done
    run(recipe, out, data, from_step=2, executor=lambda argv: ran.append(argv) or 0, say=lambda _: None)
    assert [a[2] for a in ran] == ["calibrate", "card"]


def test_a_failed_step_stops_and_is_not_recorded(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    recipe = load(fake_recipe(tmp_path, data))
    codes = iter([0, 3])
    with pytest.raises(RecipeError, match=r"step 2 \(calibrate\) failed with exit status 3"):
        run(recipe, out, data, executor=lambda argv: next(codes), say=lambda _: None)
    assert sorted(read_record(out)["steps"]) == ["1"]
    ran: list[str] = []
    run(recipe, out, data, executor=lambda argv: ran.append(argv[2]) or 0, say=lambda _: None)
    assert ran == ["calibrate", "card"]


def test_a_real_step_runs_through_the_cli(tmp_path, tiny_model_dir):
    """The default executor runs `unspin model card` in a subprocess with this Python."""
    data, out = tmp_path / "data", tmp_path / "out"
    recipe_file = fake_recipe(tmp_path, data)
    text = recipe_file.read_text()
    recipe_file.write_text(text[: text.index("[[steps]]")] + text[text.index('[[steps]]\nname = "card"'):])
    shutil.copytree(tiny_model_dir, out / "model")
    record = run(load(recipe_file), out, data, say=lambda _: None)
    assert list(record["steps"]) == ["1"]
    assert (out / "card.md").read_text().startswith("# tiny-random\n\n## Intended use")
    assert json.loads((out / "model" / "config.json").read_text())["name"] == "tiny-rebuilt"


def test_fuse_writes_a_fused_folder(tmp_path, tiny_model_dir):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(tiny_model_dir, a)
    shutil.copytree(tiny_model_dir, b)
    result = runner.invoke(app, ["model", "fuse", str(a), str(b), "--out", str(tmp_path / "pair"),
                                 "--weights", "0.7,0.3", "--views", "1,2"])
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "pair" / "config.json").read_text())
    assert config == {
        "format": 1, "name": "pair", "fuse": ["../a", "../b"], "weights": [0.7, 0.3], "views": [1, 2]
    }
    bad = runner.invoke(app, ["model", "fuse", str(a), str(b), "--out", f"{tmp_path}/x", "--weights", "1"])
    assert bad.exit_code == 2 and "one value per member" in bad.output


def test_card_of_the_shipped_fast_tier():
    result = runner.invoke(app, ["model", "card", "fast"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# unspin-mpnet4-ptc-fast\n\n## Intended use\n")
    assert text.index("## Figures on articles no choice") < text.index("## Figures on the tuning split")
    row = "| this model, tuning split | 0.489 [0.440, 0.537] | 0.705 [0.673, 0.735] | 0.321 [0.283, 0.355] |"
    assert row in text
    assert "layers [0, 1, 2, 3]" in text and "`unspin model rebuild fast`" in text


def test_card_of_the_accurate_tier_leads_with_the_recipes_report_figures():
    result = runner.invoke(app, ["model", "card", "accurate"])
    assert result.exit_code == 0, result.output
    row = "| recipe, report split | 0.456 [0.400, 0.501] | 0.689 [0.658, 0.718] | 0.286 [0.254, 0.312] |"
    assert row in result.output


def test_quantize_writes_the_int8_choice(tmp_path, tiny_model_dir):
    pytest.importorskip("torch")
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    words = " ".join(["the corrupt elites lie to the nation again"] * 60)
    news = tmp_path / "news.jsonl"
    news.write_text("\n".join(json.dumps({"text": words}) for _ in range(3)) + "\n")
    args = ["model", "quantize", str(model), "--outliers", "ffn-top4", "--news", str(news), "--windows", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    config = json.loads((model / "config.json").read_text())
    assert config["int8_only"] == ["/attention/", "/intermediate/", "/output/dense/"]
    assert config["backend"] == "onnx" and summary["windows"] == 2
    assert config["int8_outliers"] and all(len(v) <= 4 for v in config["int8_outliers"].values())
    assert summary["fp32_channels"] == sum(map(len, config["int8_outliers"].values()))
    bad = runner.invoke(app, ["model", "quantize", str(model), "--outliers", "top-99", "--news", str(news)])
    assert bad.exit_code == 2 and "--outliers 'top-99': expected one of attn-int8" in bad.output


def test_a_git_input_is_unpacked_from_history_and_checked(tmp_path):
    import subprocess

    from unspin.recipes import ROOT, unpack

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    data = tmp_path / "data"
    recipe = fake_recipe(tmp_path, data)
    old = f'[inputs.old]\ngit = "{head}:src/unspin/tuning"\n\n[[steps]]'
    recipe.write_text(recipe.read_text().replace("[[steps]]", old, 1))
    folder = unpack(next(i for i in load(recipe).inputs if i.git), tmp_path / "out")
    assert folder == tmp_path / "out" / "inputs" / "old"
    assert (folder / "splits.py").is_file() and (folder / "tuning_ids.txt").is_file()
    assert not (folder / "src").exists()
    recipe.write_text(recipe.read_text().replace(head, "0" * 40))
    result = runner.invoke(app, ["model", "rebuild", str(recipe), "--dry-run", "--data", str(data)])
    assert result.exit_code == 2
    missing = f"error: input 'old' is missing: {'0' * 40}:src/unspin/tuning is not in this repository's"
    assert missing in result.output
