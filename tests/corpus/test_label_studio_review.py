"""A corpus reviewed in Label Studio: exported without local paths, reviewed (the model's
spans accepted, a region drawn by hand), exported back as Label Studio 1.23 does, and
converted to a PTC folder named by `ext_id` (or a stable number) with a mapping file."""

from __future__ import annotations

import json
from pathlib import Path

from store_fixtures import make_analysis
from typer.testing import CliRunner

from unspin.batch.annotate import export_annotations
from unspin.batch.importer import import_paths
from unspin.cli.main import app
from unspin.io.annotations import read_annotations
from unspin.store import Store

TEXTS = {"17.txt": "The traitors lied again.\nThey  will ruin us.",
         "brief-a.txt": "Our glorious nation stands."}
FOUND = {"17.txt": [("traitors", "name calling")], "brief-a.txt": [("glorious nation", "flag waving")]}


def reviewed(tasks: list[dict]) -> list[dict]:
    """The tasks as Label Studio exports them after review: each prediction accepted as an
    annotation, and in the first task a region drawn over a line break (text rewritten)."""
    out = []
    for n, task in enumerate(tasks, 1):
        result = [dict(item, origin="prediction") for item in task["predictions"][0]["result"]]
        text = task["data"]["text"]
        if "ruin" in text:
            start = text.index("lied")
            result.append({"value": {"start": start, "end": text.index("ruin") + 4,
                                     "text": "lied again.\\nThey will ruin", "labels": ["Loaded_Language"]},
                           "id": "hand1", "from_name": "label", "to_name": "text", "type": "labels",
                           "origin": "manual"})
        out.append({**task, "id": 40 + n, "annotations": [
            {"id": n, "result": result, "was_cancelled": False, "ground_truth": False,
             "created_at": "2026-11-01T09:00:00.000000Z", "updated_at": "2026-11-01T09:00:00.000000Z",
             "task": 40 + n, "project": 2}]})
    return out


def test_reviewed_corpus_export_converts_to_ptc(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = Store.open(tmp_path / "c.db")
    assert import_paths(store, [folder.resolve()])["added"] == 2
    docs = {d.meta["ext_id"]: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs[name.removesuffix(".txt")], FOUND[name]) for name in TEXTS])
    export_annotations(store, tmp_path / "review", fmt="label-studio")
    exported = (tmp_path / "review" / "label-studio.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in exported and str(folder.resolve()) not in exported  # no local paths
    tasks = json.loads(exported)
    assert sorted(t["data"]["file"] for t in tasks) == sorted(TEXTS)
    assert [t["predictions"][0]["score"] for t in tasks] == [0.8, 0.8]

    export = tmp_path / "project-2-at-2026-11-02.json"
    export.write_text(json.dumps(reviewed(tasks)), encoding="utf-8")
    outs = [tmp_path / "ptc", tmp_path / "again"]
    for out in outs:
        run = CliRunner().invoke(app, ["convert", str(export), str(out), "--to", "ptc"])
        assert run.exit_code == 0, run.output
        assert json.loads(run.stdout) == {"documents": 2, "spans": 3, "skipped": 0, "renamed": 0,
                                          "out": str(out)}
    names = sorted(p.name for p in (outs[0] / "train-articles").iterdir())
    assert names == sorted(p.name for p in (outs[1] / "train-articles").iterdir())  # stable numbers
    assert "article17.txt" in names and len(names) == 2  # the ext_id where it is a number
    mapping = json.loads((outs[0] / "ids.json").read_text())
    assert mapping == {p.removeprefix("article").removesuffix(".txt"): d.id for p in names
                       for d in docs.values() if (outs[0] / "train-articles" / p).read_text() == d.text}
    back = read_annotations(outs[0])
    by_text = {d.text: [(x.start, x.end, x.technique) for x in back.labels[d.id]] for d in back.docs}
    first = TEXTS["17.txt"]
    hand = (first.index("lied"), first.index("ruin") + 4, "Loaded_Language")
    assert by_text == {first: [(4, 12, "Name_Calling,Labeling"), hand],
                       TEXTS["brief-a.txt"]: [(4, 19, "Flag-Waving")]}


def test_a_failed_ptc_conversion_leaves_no_folders(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[{"id": 1, "data": {"text": "fine"}, "annotations": [{"result": []}]},'
                      ' {"id": 2, "data": {"text": "bad \\ud800"}, "annotations": [{"result": []}]}]')
    out = tmp_path / "out" / "ptc"
    run = CliRunner().invoke(app, ["convert", str(export), str(out), "--to", "ptc"])
    assert run.exit_code == 2 and "error: Document 2: its text cannot be written as UTF-8" in run.stderr
    assert not (tmp_path / "out").exists()
