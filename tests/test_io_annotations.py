"""Label Studio JSON and doccano JSONL: exact round trips with PTC (emoji, CRLF), skip-and-count,
older UTF-16 offsets, and `unspin train --data` reading them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.errors import FormatError
from unspin.io.annotations import (
    label_studio_config,
    read_annotations,
    read_doccano,
    read_label_studio,
    split_ids,
    write_annotations,
)
from unspin.io.ptc import Label


def gold(articles: dict) -> dict[str, list[Label]]:
    return {i: sorted(Label(i, a, b, t) for t, a, b, _ in spans) for i, (_, spans) in articles.items()}


@pytest.mark.parametrize("fmt,name", [("label-studio", "tasks.json"), ("doccano", "export.jsonl")])
def test_round_trip_keeps_offsets_exact(ptc_dir: Path, tmp_path: Path, articles: dict, fmt: str,
                                        name: str) -> None:
    ptc = read_annotations(ptc_dir)
    assert ptc.labels == gold(articles)
    path = tmp_path / name
    assert write_annotations(ptc.docs, ptc.labels, path, fmt) == 3
    back = read_annotations(path)
    assert back.skipped == []
    assert [(d.id, d.text) for d in back.docs] == [(i, a[0]) for i, a in sorted(articles.items())]
    assert back.labels == gold(articles)
    for doc in back.docs:  # the text each span covers is the hand-checked one
        expected = {(t, a, b): s for t, a, b, s in articles[doc.id][1]}
        covered = {(x.technique, x.start, x.end): doc.text[x.start:x.end] for x in back.labels[doc.id]}
        assert covered == expected
    # and back to PTC, byte for byte
    again = tmp_path / "ptc"
    write_annotations(back.docs, back.labels, again, "ptc")
    for ident, (text, _) in articles.items():
        assert (again / "train-articles" / f"article{ident}.txt").read_bytes() == text.encode()
    assert read_annotations(again).labels == gold(articles)


def test_label_studio_export_shape_and_utf16_offsets(tmp_path: Path) -> None:
    text = "Build the wall! 🧱 Build the wall!"
    task = {"id": 7, "data": {"text": text}, "annotations": [
        {"was_cancelled": True, "result": []},
        {"result": [
            # code points (today's Label Studio)
            {"type": "labels",
             "value": {"start": 18, "end": 32, "text": "Build the wall", "labels": ["Repetition"]}},
            # UTF-16 code units (older Label Studio): the emoji counts twice
            {"type": "labels",
             "value": {"start": 19, "end": 33, "text": "Build the wall", "labels": ["Slogans"]}},
            {"type": "labels",
             "value": {"start": 0, "end": 5, "text": "Build", "labels": ["Not_A_Technique"]}},
            {"type": "labels", "value": {"start": 2, "end": 6, "text": "Build", "labels": ["Doubt"]}},
            {"type": "choices", "value": {"choices": ["ok"]}},
        ]}]}
    path = tmp_path / "ls.json"
    path.write_text(json.dumps([task, {"id": 8, "data": {"text": "Unlabelled."}}]))
    found = read_label_studio(path)
    assert [d.id for d in found.docs] == ["7"]
    assert found.labels["7"] == [Label("7", 18, 32, "Repetition"), Label("7", 18, 32, "Slogans")]
    assert len(found.skipped) == 3
    assert any("Not_A_Technique" in s for s in found.skipped)
    assert any("not the span's text 'Build'" in s for s in found.skipped)
    assert any("not annotated" in s for s in found.skipped)
    assert '<Label value="Loaded_Language"' in label_studio_config()


def test_doccano_entities_form_and_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"id": 3, "text": "Traitors!", "entities": [
        {"id": 1, "label": "Name_Calling,Labeling", "start_offset": 0, "end_offset": 8}]}) + "\n\n")
    found = read_doccano(path)
    assert found.labels == {"3": [Label("3", 0, 8, "Name_Calling,Labeling")]}
    path.write_text("{not json\n")
    with pytest.raises(FormatError, match=r"d.jsonl:1"):
        read_doccano(path)


def test_split_ids_is_fixed_and_never_empty() -> None:
    ids = [str(i) for i in range(200)]
    chosen = split_ids(ids)
    assert chosen == split_ids(list(reversed(ids))) and 10 < len(chosen) < 50
    assert len(split_ids(["1", "2"])) == 1


def test_cli_convert_and_train_reads_annotation_files(ptc_dir: Path, tmp_path: Path) -> None:
    from unspin.training.args import TrainingArguments
    from unspin.tuning.data import load_corpus

    out = tmp_path / "ls" / "tasks.json"
    result = CliRunner().invoke(app, ["convert", str(ptc_dir), str(out), "--to", "label-studio"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"documents": 3, "spans": 8, "skipped": 0, "renamed": 0,
                                         "out": str(out)}
    assert (out.parent / "label-studio-config.xml").exists()
    docs, labels = load_corpus(out)
    ptc_docs, ptc_labels = load_corpus(ptc_dir)
    assert [(d.id, d.text) for d in docs] == [(d.id, d.text) for d in ptc_docs]
    assert {k: sorted(v) for k, v in labels.items() if v} == {k: sorted(v) for k, v in ptc_labels.items()}
    TrainingArguments(data=str(out))  # accepted as --data


def test_a_tiny_training_run_on_a_doccano_file(ptc_dir: Path, tmp_path: Path) -> None:
    from fixtures_ptc import ARTICLES
    from unspin.testing.tiny import TINY_ENCODER, tiny_tokenizer
    from unspin.training.args import TrainingArguments
    from unspin.training.trainer import Trainer

    data = tmp_path / "export.jsonl"
    found = read_annotations(ptc_dir)
    write_annotations(found.docs, found.labels, data, "doccano")
    args = TrainingArguments(data=str(data), out=str(tmp_path / "run"), base=None, epochs=1, batch_size=2,
                             max_len=32, stride=16, encoder_config=dict(TINY_ENCODER, vocab_size=400),
                             tuning_ids=["3"], holdout_ids=[], bf16=False)
    tokenizer = tiny_tokenizer([a[0] for a in ARTICLES.values()] * 3)
    result = Trainer(args, tokenizer=tokenizer).train()
    assert (result["train_articles"], result["valid_articles"]) == (2, 1)
    assert result["examples"] > 0 and (tmp_path / "run" / "model" / "config.json").exists()


def test_corpus_import_reads_label_studio_and_doccano_texts(ptc_dir: Path, tmp_path: Path,
                                                            articles: dict) -> None:
    from unspin.batch.importer import import_paths
    from unspin.store import Store

    found = read_annotations(ptc_dir)
    write_annotations(found.docs, found.labels, tmp_path / "tasks.json", "label-studio")
    write_annotations(found.docs, found.labels, tmp_path / "export.jsonl", "doccano")
    (tmp_path / "bad.json").write_text('[{"data": {"text": ""}}, 3]')
    for name, added in (("tasks.json", 3), ("export.jsonl", 0)):  # the same texts: stored once
        report = import_paths(Store.open(tmp_path / "c.db"), [tmp_path / name])
        assert report["added"] == added and report["skipped"] == 0
    store = Store.open(tmp_path / "c.db")
    # corpus import normalises line endings (docs/corpus.md); annotation files keep them (above)
    expected = {i: a[0].replace("\r\n", "\n") for i, a in articles.items()}
    assert {d.meta["ext_id"]: d.text for d in store.pending("m")} == expected
    bad = import_paths(store, [tmp_path / "bad.json"])
    assert bad["skipped"] == 2 and "bad.json:2" in bad["problems"][1]


COLLIDING = [  # Label Studio task ids: 0 twice, 5 twice, none; each with one span
    {"id": 0, "data": {"text": "Traitors everywhere."}},
    {"id": 0, "data": {"text": "Cowards everywhere."}},
    {"id": 5, "data": {"text": "Liars everywhere."}},
    {"id": 5, "data": {"text": "Thieves everywhere."}},
    {"data": {"text": "Villains everywhere."}},
]


def colliding_tasks() -> list[dict]:
    tasks = []
    for task in COLLIDING:
        word = task["data"]["text"].split()[0]
        tasks.append({**task, "annotations": [{"id": 1, "result": [{"type": "labels", "value": {
            "start": 0, "end": len(word), "text": word, "labels": ["Name_Calling,Labeling"]}}]}]})
    return tasks


def by_text(found) -> dict[str, list[tuple[int, int, str]]]:
    return {d.text: [(x.start, x.end, x.technique) for x in found.labels[str(d.id)]] for d in found.docs}


def test_colliding_ids_are_renamed_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(colliding_tasks()))
    found = read_label_studio(path)
    assert [d.id for d in found.docs] == ["0", "0-2", "5", "5-2", "5-3"]  # the fifth is task number 5
    assert found.renamed == {"0-2": "0", "5-2": "5", "5-3": "5"}
    assert found.notes[0] == "task 2 (the 2nd in tasks.json): id '0' is already used by an earlier record; " \
                             "renamed '0-2'"
    expected = {t["data"]["text"]: [(0, len(t["data"]["text"].split()[0]), "Name_Calling,Labeling")]
                for t in COLLIDING}
    assert by_text(found) == expected
    # through every format and back: five documents, five spans, each on its own text
    run = CliRunner().invoke(app, ["convert", str(path), str(tmp_path / "d.jsonl"), "--to", "doccano"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["documents"] == 5 and json.loads(run.stdout)["renamed"] == 3
    assert run.stderr.count("note: ") == 3
    doccano = read_doccano(tmp_path / "d.jsonl")
    assert by_text(doccano) == expected and doccano.renamed == {}
    run = CliRunner().invoke(app, ["convert", str(tmp_path / "d.jsonl"), str(tmp_path / "ptc"),
                                   "--to", "ptc"])
    assert json.loads(run.stdout) == {"documents": 5, "spans": 5, "skipped": 0, "renamed": 0,
                                      "out": str(tmp_path / "ptc")}
    assert len(list((tmp_path / "ptc" / "train-articles").iterdir())) == 5
    mapping = json.loads((tmp_path / "ptc" / "ids.json").read_text())
    assert sorted(mapping.values()) == ["0-2", "5-2", "5-3"]
    back = read_annotations(tmp_path / "ptc")
    assert by_text(back) == expected
    original = dict(zip(["0", "0-2", "5", "5-2", "5-3"], [t["data"]["text"] for t in COLLIDING], strict=True))
    assert {mapping.get(d.id, d.id): d.text for d in back.docs} == original  # ids.json leads back


def test_doccano_duplicates_and_malformed_entries_are_said(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": 1, "text": "Traitors!", "label": [[0, 8, "Doubt"], [0, 8], "x"]},
        {"id": 1, "text": "Cowards!", "label": [[0, 7, "Doubt"]], "entities": [3]},
        {"text": "Liars!", "label": []},
    ]) + "\n")
    found = read_doccano(path)
    assert [d.id for d in found.docs] == ["1", "1-2", "3"]
    assert found.labels == {"1": [Label("1", 0, 8, "Doubt")], "1-2": [Label("1-2", 0, 7, "Doubt")], "3": []}
    assert found.notes == [f"{path}:2: id '1' is already used by an earlier record; renamed '1-2'"]
    assert found.skipped == ["document 1: a `label` entry that is not [start, end, name]: [0, 8]",
                             "document 1: a `label` entry that is not [start, end, name]: x",
                             "document 1-2: an `entities` entry that is not an object: 3"]
    assert [d.id for d in read_annotations(path).docs] == ["3"]  # for training: only what is whole


def test_ptc_labels_of_missing_articles_or_past_the_text_are_said(ptc_dir: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "ptc"
    shutil.copytree(ptc_dir, root)
    labels = root / "train-labels-task-flc-tc"
    (labels / "article999.task-flc-tc.labels").write_text("999\tDoubt\t0\t4\n")
    first = sorted(labels.glob("article*.labels"))[0]
    ident = first.name.removeprefix("article").split(".")[0]
    first.write_text(first.read_text() + f"{ident}\tDoubt\t0\t100000\n")
    found = read_annotations(root, keep_partial=True)
    assert found.skipped[0].startswith("1 labels of article 999: ")
    assert found.skipped[1].startswith(f"document {ident} [0, 100000): outside the text of length")
    assert ident not in [d.id for d in read_annotations(root).docs]
