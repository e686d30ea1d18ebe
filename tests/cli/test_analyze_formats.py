"""`unspin analyze --format label-studio` (tasks to import, the spans as scored predictions)
and `--format si|tc` refusing ids that would forge rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.io.label_studio import read_label_studio

runner = CliRunner()


@pytest.fixture
def model_env(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    return tiny_model_dir


def test_analyze_writes_label_studio_tasks(model_env: Path, tmp_path: Path) -> None:
    texts = {"article111.txt": "The corrupt elites betray us. Real patriots know it.",
             "brief.txt": "Traitors and cowards will destroy\nour great nation."}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = [str(tmp_path / n) for n in texts]
    json_run = runner.invoke(app, ["analyze", *files, "-f", "json", "-t", "0"])
    run = runner.invoke(app, ["analyze", *files, "-f", "label-studio", "-t", "0"])
    assert run.exit_code == 0, run.output
    tasks = json.loads(run.stdout)
    analyses = [json.loads(line) for line in json_run.stdout.splitlines()]
    assert str(tmp_path) not in run.stdout  # no local paths: the file name only
    assert [t["data"] for t in tasks] == [
        {"text": a["text"], "unspin_id": a["id"], "source": name, "format": "text"}
        for a, name in zip(analyses, texts, strict=True)]
    assert [t.get("id") for t in tasks] == [111, None] and "annotations" not in tasks[0]
    for task, analysis in zip(tasks, analyses, strict=True):
        (prediction,) = task["predictions"]
        spans: dict[tuple, float] = {}
        for s in analysis["spans"]:  # the same span twice (two cues): one region, the higher score
            key = (s["start"], s["end"], s["technique"])
            spans[key] = max(spans.get(key, 0.0), s["score"])
        got = {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]): r["score"]
               for r in prediction["result"]}
        assert got == spans and spans  # every span, with its score (the tiny model marks some)
        assert prediction["model_version"] == analysis["model"]
        assert prediction["score"] == min(spans.values())  # the least sure span orders the task
        for r in prediction["result"]:
            assert task["data"]["text"][r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]
    # Label Studio imports the list; predictions are not annotations: nothing reads as reviewed
    (tmp_path / "tasks.json").write_text(run.stdout, encoding="utf-8")
    assert read_label_studio(tmp_path / "tasks.json").skipped == ["task 111: not annotated",
                                                                  "task brief: not annotated"]


@pytest.mark.parametrize("name", ["a\tb.txt", "a\nb.txt", "a\rb.txt"])
@pytest.mark.parametrize("fmt", ["tc", "si"])
def test_si_and_tc_refuse_ids_that_forge_rows(model_env: Path, tmp_path: Path, name: str, fmt: str) -> None:
    (tmp_path / "good.txt").write_text("Traitors and cowards.", encoding="utf-8")
    (tmp_path / name).write_text("Traitors and cowards.", encoding="utf-8")
    files = [str(tmp_path / "good.txt"), str(tmp_path / name)]
    run = runner.invoke(app, ["analyze", *files, "-f", fmt, "-t", "0"])
    assert run.exit_code == 2 and run.stdout == ""  # not even the good file's rows
    assert "cannot be written in a tab-separated label row" in run.stderr
