"""Label Studio exports shaped as Label Studio 1.23 writes them: regions drawn in its editor
(stored text rewritten, offsets right) are kept with exact offsets, true mismatches are
reported, the ground-truth annotation wins, and documents that lost spans never train as
clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.io.annotations import read_annotations, split_ids
from unspin.io.label_studio import label_studio_config, read_label_studio
from unspin.io.ptc import Label
from unspin.io.spans import editor_form

TEXT = ("Traitors  and cowards rule us.\r\nThey will destroy\n\nour great nation.\n"
        "   Act now, before it is too late!  \nBuild the wall! 🧱 Build the wall!")


def region(start: int, end: int, text: str, label: str, rid: str) -> dict:
    """A result item as Label Studio 1.23 exports a region drawn in its editor."""
    return {"value": {"start": start, "end": end, "text": text, "labels": [label]}, "id": rid,
            "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"}


def annotation(aid: int, result: list, *, truth: bool = False, updated: str = "2026-11-02T10:00:00.000000Z",
               cancelled: bool = False) -> dict:
    return {"id": aid, "completed_by": 1, "result": result, "was_cancelled": cancelled, "ground_truth": truth,
            "created_at": "2026-11-01T09:00:00.000000Z", "updated_at": updated, "draft_created_at": None,
            "lead_time": 31.4, "prediction": {}, "result_count": len(result), "unique_id": f"u-{aid}",
            "import_id": None, "last_action": None, "bulk_created": False, "task": 1, "project": 3,
            "updated_by": 1, "parent_prediction": None, "parent_annotation": None, "last_created_by": None}


def task(tid: int, text: str, annotations: list, **data: object) -> dict:
    return {"id": tid, "annotations": annotations, "file_upload": "tasks.json", "drafts": [],
            "predictions": [], "data": {"text": text, **data}, "meta": {},
            "created_at": "2026-11-01T08:00:00.000000Z", "updated_at": "2026-11-02T10:00:00.000000Z",
            "inner_id": tid, "total_annotations": len(annotations),
            "cancelled_annotations": 0, "total_predictions": 0, "comment_count": 0,
            "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 3, "updated_by": 1,
            "comment_authors": []}


def at(phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(phrase, start + 1)
    return start, start + len(phrase)


# (offsets, the text Label Studio's editor stores for the region, technique)
HAND_DRAWN = [
    (at("Traitors  and cowards"), "Traitors and cowards", "Name_Calling,Labeling"),  # spaces collapsed
    (at("rule us.\r\nThey will destroy"), "rule us.\\nThey will destroy", "Appeal_to_fear-prejudice"),
    (at("destroy\n\nour great nation"), "destroy\\n\\nour great nation", "Loaded_Language"),
    ((at("nation.")[1], at("Act now,")[1]), "Act now,", "Slogans"),  # leading break and spaces trimmed
    ((at("too late!")[0], at("too late!")[1] + 3), "too late!", "Exaggeration,Minimisation"),  # end trimmed
    (at("Build the wall", 1), "Build the wall", "Repetition"),  # after an emoji: code points
]


def test_the_editor_form_is_how_label_studio_stores_region_text() -> None:
    assert editor_form("a  b\r\n\n  c ") == editor_form("a b\\n\\nc") == "a b c"
    assert editor_form("nation.\n   Act") != editor_form("nationAct")


def test_hand_drawn_regions_are_kept_with_exact_offsets(tmp_path: Path) -> None:
    result = [region(a, b, quoted, name, f"r{n}") for n, ((a, b), quoted, name) in enumerate(HAND_DRAWN)]
    assert [r["value"]["text"] == TEXT[r["value"]["start"]:r["value"]["end"]] for r in result] == [
        False, False, False, False, False, True]  # five of six stored texts differ from the article's
    a, b = at("great nation")
    shifted = region(a + 1, b + 1, "great nation", "Flag-Waving", "bad")
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task(1, TEXT, [annotation(11, [*result, shifted])])]), encoding="utf-8")
    found = read_label_studio(path)
    assert found.labels["1"] == sorted(Label("1", a, b, name) for (a, b), _, name in HAND_DRAWN)
    assert found.skipped == [f"document 1 [{a + 1}, {b + 1}): the "
                             "offsets give 'reat nation.', not the span's text 'great nation'"]
    assert found.lost == {"1": 1}
    # convert keeps the document with every span it could place, and says what it skipped
    out = tmp_path / "ptc"
    run = CliRunner().invoke(app, ["convert", str(path), str(out), "--to", "ptc"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout) == {"documents": 1, "spans": 6, "skipped": 1, "renamed": 0, "out": str(out)}
    assert "skipped document 1" in run.stderr and "'great nation'" in run.stderr
    assert (out / "train-articles" / "article1.txt").read_bytes() == TEXT.encode()
    back = read_annotations(out)
    assert back.labels["1"] == found.labels["1"] and back.skipped == []


def test_an_article_that_lost_spans_is_left_out_of_training(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from unspin.cli.model.train import annotation_split
    from unspin.tuning.data import load_corpus

    good = region(*at("Build the wall"), "Build the wall", "Slogans", "g")
    wrong = region(0, 8, "traitors", "Flag-Waving", "w")  # a true mismatch
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task(1, TEXT, [annotation(1, [good])]),
                                task(2, "Patriots, traitors.", [annotation(2, [wrong])]),
                                task(3, "Nothing here.", [annotation(3, [], cancelled=True)])]))
    docs, labels = load_corpus(path)  # what `unspin train --data export.json` trains on
    assert [d.id for d in docs] == ["1"] and labels == {"1": [Label("1", *at("Build the wall"), "Slogans")]}
    assert annotation_split(path) == {"tuning_ids": split_ids(["1"])}
    err = capsys.readouterr().err
    assert "skipped document 2 [0, 8): the offsets give 'Patriots', not the span's text 'traitors'" in err
    assert "skipped document 2: left out of training, 1 of its spans could not be placed" in err
    assert "skipped task 3: not annotated (1 cancelled)" in err


def test_the_ground_truth_annotation_wins_else_the_latest(tmp_path: Path) -> None:
    first = region(0, 8, "Traitors", "Name_Calling,Labeling", "a")
    second = region(0, 8, "Traitors", "Doubt", "b")
    later, cancelled = "2026-11-05T10:00:00.000000Z", region(0, 8, "Traitors", "Slogans", "c")
    path = tmp_path / "export.json"
    path.write_text(json.dumps([
        task(1, TEXT, [annotation(7, [first], truth=True), annotation(8, [second], updated=later),
                       annotation(9, [cancelled], updated=later, cancelled=True)]),
        task(2, TEXT, [annotation(10, [second], updated=later), annotation(11, [first])]),
    ]))
    found = read_label_studio(path)
    assert found.labels == {"1": [Label("1", 0, 8, "Name_Calling,Labeling")],
                            "2": [Label("2", 0, 8, "Doubt")]}
    assert found.notes == ["task 1: 2 annotations; used annotation 7 (the ground truth), not 8",
                           "task 2: 2 annotations; used annotation 10 (the latest), not 11"]
    run = CliRunner().invoke(app, ["convert", str(path), str(tmp_path / "d.jsonl"), "--to", "doccano"])
    assert run.exit_code == 0
    assert "note: task 1: 2 annotations; used annotation 7 (the ground truth)" in run.stderr


def test_other_result_types_and_empty_regions_are_said(tmp_path: Path) -> None:
    choice = {"value": {"choices": ["ok"]}, "id": "c", "from_name": "q", "to_name": "text", "type": "choices"}
    empty = region(0, 8, "Traitors", "Doubt", "e")
    empty["value"]["labels"] = []
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task(4, TEXT, [annotation(1, [choice, empty])])]))
    found = read_label_studio(path)
    assert found.labels == {"4": []} and found.lost == {"4": 1}
    assert found.notes == ["task 4: results not read (1 of type 'choices'): only `labels` spans are"]
    assert found.skipped[0].startswith("document 4: a region without offsets or a label")


def test_the_config_keeps_whitespace_visible() -> None:
    config = label_studio_config()
    assert "<Style>.htx-text { white-space: pre-wrap; }</Style>" in config
    assert '<Text name="text" value="$text" granularity="symbol"/>' in config
