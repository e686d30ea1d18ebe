"""The command line through typer's runner: formats, SemEval commands, errors."""

import json

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.io import ptc

runner = CliRunner()


@pytest.fixture
def model_env(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    return tiny_model_dir


def test_analyze_json_schema(model_env, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("The corrupt elites betray us. Real patriots know it.", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(f), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.splitlines()[0])
    assert set(doc) == {"id", "model", "text", "figures", "spans"}
    assert doc["id"] == "a"
    for span in doc["spans"]:
        assert doc["text"][span["start"] : span["end"]] == span["text"]


def test_analyze_ids_from_file_names(model_env, tmp_path):
    for name, ident in (
        ("article123.txt", "123"),
        ("article.txt", "article"),
        ("news.html.txt", "news.html"),
    ):
        f = tmp_path / name
        f.write_text("They are traitors and liars.")
        result = runner.invoke(app, ["analyze", str(f), "--format", "json"])
        assert json.loads(result.stdout)["id"] == ident


def test_analyze_stdin_pretty_and_ptc_rows(model_env):
    result = runner.invoke(app, ["analyze", "-"], input="They are traitors and liars.")
    assert result.exit_code == 0 and "density" in result.stdout
    result = runner.invoke(app, ["analyze", "--format", "tc"], input="They are traitors and liars.")
    rows = [r.split("\t") for r in result.stdout.splitlines()]
    assert rows and all(len(r) == 4 and r[0] == "stdin" for r in rows)


def test_analyze_html_uses_extracted_text(model_env, tmp_path):
    body = "<p>" + " ".join(["The corrupt elites have betrayed the hard-working people of this country."] * 4)
    html = (
        f"<html><head><title>T</title></head><body><nav>Home | Share on Facebook</nav><article>{body}</p>"
        "<p>Everyone knows the truth about their lies and their plans.</p></article></body></html>"
    )
    f = tmp_path / "page.html"
    f.write_text(html)
    result = runner.invoke(app, ["analyze", str(f), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert "<p>" not in doc["text"] and "corrupt elites" in doc["text"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n ", "empty"), (b"\x00\x01\x02binary", "binary"), (b"caf\xe9 latin1", "UTF-8")],
)
def test_analyze_bad_files_one_line_errors(model_env, tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    result = runner.invoke(app, ["analyze", str(f)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_analyze_missing_and_huge_files(model_env, tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "No such file" in result.stderr
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (1024 * 1024 + 1))
    result = runner.invoke(app, ["analyze", str(big)])
    assert result.exit_code == 2 and "limit" in result.stderr


def test_predict_and_evaluate_round_trip(model_env, ptc_dir, tmp_path):
    arts = ptc_dir / "train-articles"
    gold_tc = ptc_dir / "train-labels-task-flc-tc"
    for task in ("si", "flc"):
        out = tmp_path / f"{task}.labels"
        result = runner.invoke(app, ["predict", str(arts), "--task", task, "--out", str(out)])
        assert result.exit_code == 0, result.output
        ptc.read_labels(out)  # well formed
    template = tmp_path / "template.labels"
    ptc.write_labels(
        [ptc.Label(lab.article_id, lab.start, lab.end, "?") for lab in ptc.read_labels(gold_tc)], template
    )
    out = tmp_path / "tc.labels"
    result = runner.invoke(
        app, ["predict", str(arts), "--task", "tc", "--spans", str(template), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pred = ptc.read_labels(out)
    assert [(p.start, p.end) for p in pred] == [(g.start, g.end) for g in ptc.read_labels(template)]
    result = runner.invoke(app, ["evaluate", "--task", "tc", str(out), str(gold_tc), "--json"])
    assert result.exit_code == 0
    assert 0.0 <= json.loads(result.stdout)["f1"] <= 1.0
    # Gold against itself is perfect.
    result = runner.invoke(app, ["evaluate", "--task", "flc", str(gold_tc), str(gold_tc), "--json"])
    assert json.loads(result.stdout)["f1"] == 1.0


def test_predict_tc_without_template_is_an_error(model_env, ptc_dir, tmp_path):
    result = runner.invoke(
        app, ["predict", str(ptc_dir / "train-articles"), "--task", "tc", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "--spans" in result.stderr


def test_techniques_lists_fourteen():
    result = runner.invoke(app, ["techniques", "--json"])
    assert len(json.loads(result.stdout)) == 14


def test_every_command_has_help():
    for command in ("analyze", "evaluate", "predict", "model train", "model evaluate", "techniques"):
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0 and len(result.stdout) > 100


def test_train_refuses_a_bad_extra_before_training(ptc_dir, tmp_path):
    args = ["model", "train", "--data", str(ptc_dir), "--out", str(tmp_path / "run"),
            "--extra", f"{ptc_dir}:2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "the weight must be in (0, 1], got 2" in result.output
    assert not (tmp_path / "run").exists()


def test_shrink_refuses_a_model_without_base(tiny_model_dir, tmp_path):
    result = runner.invoke(app, ["model", "shrink", str(tiny_model_dir), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "delta over a base" in result.output
    assert not (tmp_path / "s").exists()


def test_soup_writes_a_model_that_analyzes(tmp_path):
    from unspin.testing.tiny import build_tiny_model

    a = build_tiny_model(tmp_path / "a", seed=0)
    b = build_tiny_model(tmp_path / "b", seed=1)
    result = runner.invoke(app, ["model", "soup", str(a), str(b), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "soup of 2 models" in result.stdout
    analyzed = runner.invoke(
        app, ["analyze", "-", "--format", "json", "--model", str(tmp_path / "s")], input="They lie."
    )
    assert analyzed.exit_code == 0, analyzed.output
    bad = runner.invoke(app, ["model", "soup", str(a), str(b), "--out", str(tmp_path / "t"),
                              "--weights", "x"])
    assert bad.exit_code == 2 and "--weights" in bad.output


def test_old_top_level_names_still_work_and_say_so(tiny_model_dir, tmp_path):
    result = runner.invoke(app, ["shrink", str(tiny_model_dir), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and "delta over a base" in result.output
    assert "`unspin shrink` is now `unspin model shrink`" in result.output
    listed = runner.invoke(app, ["--help"]).stdout
    assert " shrink " not in listed and " model " in listed  # hidden, the group shown


def test_model_help_lists_the_lifecycle_in_order():
    listed = runner.invoke(app, ["model", "--help"]).stdout
    order = ["pretrain", "train", "teach", "tune", "calibrate", "evaluate", "soup", "shrink"]
    where = [listed.index(f"│ {name} ") for name in order]
    assert where == sorted(where)


def test_model_evaluate_scores_a_folder_with_intervals(tiny_model_dir, ptc_dir, tmp_path):
    out = tmp_path / "figures.json"
    result = runner.invoke(app, ["model", "evaluate", "--model", str(tiny_model_dir), "--split", str(ptc_dir),
                                 "--resamples", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    articles = list((ptc_dir / "train-articles").glob("*.txt"))
    assert figures["split"] == "all" and figures["articles"] == len(articles)
    assert set(figures["ci95"]) == {"si", "tc", "flc"}
    for task in ("si", "tc", "flc"):
        lo, hi = figures["ci95"][task]
        assert 0.0 <= lo <= hi <= 1.0
    assert 0.0 <= figures["ece"] <= 1.0 and "tc_per_technique" in figures
    assert "95 % interval" in result.stdout and "SI" in result.stdout
    bad = runner.invoke(app, ["model", "evaluate", "--model", str(tiny_model_dir), "--split", "nowhere"])
    assert bad.exit_code == 2 and "neither report, tuning, train, all nor a folder" in bad.output
