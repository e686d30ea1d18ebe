"""docs/cli.md's Label Studio walkthrough, run as written: analyze to tasks, a reviewer's
export shaped as Label Studio 1.23 writes it (the predictions accepted, a region drawn over
a line break with its text rewritten), convert to PTC, and the data `train` would read."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.io.annotations import read_annotations
from unspin.io.label_studio import label_studio_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
ARTICLES = {"article1.txt": "They lie.\nTraitors  and cowards will destroy\nour nation.",
            "article2.txt": "Act now, before it is too late!"}


def walkthrough() -> tuple[list[str], str]:
    """The walkthrough's commands (comments left out) and its config block."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Label Studio walkthrough", 1)[1].split("\n## ", 1)[0]
    bash = re.search(r"```bash\n(.*?)```", section, re.S)[1]
    xml = re.search(r"```xml\n(.*?)```", section, re.S)[1]
    return [line for line in bash.splitlines() if line and not line.startswith("#")], xml


def review(tasks: list[dict]) -> list[dict]:
    """What Label Studio exports after a reviewer accepted each prediction and drew one region
    from "Traitors" over the line break to "nation" (stored as the editor rewrites it)."""
    out = []
    for n, task in enumerate(tasks, 1):
        result = [{**item, "origin": "prediction"} for item in task["predictions"][0]["result"]]
        text = task["data"]["text"]
        if "Traitors" in text:
            start, end = text.index("Traitors"), text.index("nation") + len("nation")
            result.append({"value": {"start": start, "end": end, "labels": ["Loaded_Language"],
                                     "text": "Traitors and cowards will destroy\\nour nation"},
                           "id": "Xy12_ab", "from_name": "label", "to_name": "text", "type": "labels",
                           "origin": "manual"})
        out.append({"id": 100 + n, "annotations": [{
            "id": n, "completed_by": 1, "result": result, "was_cancelled": False, "ground_truth": False,
            "created_at": "2026-11-01T09:00:00.000000Z", "updated_at": "2026-11-01T09:00:00.000000Z",
            "lead_time": 20.5, "task": 100 + n, "project": 1}], "drafts": [],
            "predictions": [{**p, "id": 50 + n, "task": 100 + n, "project": 1} for p in task["predictions"]],
            "data": task["data"], "meta": {}, "project": 1, "inner_id": n})
    return out


def test_the_walkthrough_runs_as_written(tiny_model_dir: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    commands, xml = walkthrough()
    assert xml == label_studio_config()
    assert [c.split()[1] for c in commands] == ["analyze", "convert", "train"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    for name, text in ARTICLES.items():
        Path(name).write_text(text, encoding="utf-8")
    words, _, target = commands[0].partition(" > ")
    run = CliRunner().invoke(app, [*shlex.split(words)[1:], "--threshold", "0"])
    assert run.exit_code == 0, run.output
    Path(target).write_text(run.stdout, encoding="utf-8")
    tasks = json.loads(Path("tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["text"] for t in tasks] == list(ARTICLES.values())
    Path("export.json").write_text(json.dumps(review(tasks)), encoding="utf-8")

    run = CliRunner().invoke(app, shlex.split(commands[1])[1:])
    assert run.exit_code == 0, run.output
    accepted = {t["data"]["text"]: {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
                                    for r in t["predictions"][0]["result"]} for t in tasks}
    first = ARTICLES["article1.txt"]
    accepted[first].add((first.index("Traitors"), first.index("nation") + 6, "Loaded_Language"))
    summary = json.loads(run.stdout)
    assert (summary["documents"], summary["skipped"], summary["spans"]) == (
        2, 0, sum(len(v) for v in accepted.values()))
    back = read_annotations("reviewed")
    assert {d.text: {(x.start, x.end, x.technique) for x in back.labels[d.id]} for d in back.docs} == accepted
    names = sorted(p.name for p in Path("reviewed/train-articles").iterdir())
    assert names == ["article1.txt", "article2.txt"]

    from unspin.cli.model.train import annotation_split
    from unspin.tuning.data import load_corpus

    data = Path(shlex.split(commands[2])[shlex.split(commands[2]).index("--data") + 1])
    docs, labels = load_corpus(data)  # what `unspin train --data export.json` trains on
    assert {d.text: {(x.start, x.end, x.technique) for x in labels[d.id]} for d in docs} == accepted
    assert set(annotation_split(data)["tuning_ids"]) <= {"1", "2"}
