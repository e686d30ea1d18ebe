"""`Analysis.to_records()`, the typed Parquet `spans` export, and corpus exports for annotation tools."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from store_fixtures import make_analysis, make_doc
from typer.testing import CliRunner

from unspin.batch.annotate import export_annotations, iter_analyses
from unspin.batch.export import export, spans_schema
from unspin.cli.main import app
from unspin.doc import RECORD_FIELDS
from unspin.io.annotations import read_doccano
from unspin.io.ptc import Label
from unspin.store import Store
from unspin.store import queries as q

TEXTS = {"The traitors lied again, the traitors.": ("A", "2024-01-05", [("traitors", "name calling")]),
         "Our glorious nation 🇺🇸 stands, traitors.": ("B", "2024-03-01",
                                                      [("glorious nation", "flag waving"),
                                                       ("traitors", "loaded language")]),
         "Nothing to see.": ("B", None, [])}


@pytest.fixture
def filled(sqlite_url: str) -> Store:
    store = Store.open(sqlite_url)
    store.add_documents([make_doc(t, source=s, published=p, url=f"https://news.example/{i}", title=f"T{i}")
                         for i, (t, (s, p, _)) in enumerate(TEXTS.items())])
    docs = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs[t], found) for t, (_, _, found) in TEXTS.items()])
    return store


def test_to_records_columns_and_values() -> None:
    doc = make_doc("We, the patriots, know the traitors.", source="A", published="2024-01-05", ext_id="9")
    analysis = make_analysis(doc, [("patriots", "flag waving"), ("traitors", "name calling")])
    records = analysis.to_records()
    assert [tuple(r) for r in records] == [RECORD_FIELDS] * 2
    assert records[0] == {"document_id": None, "ext_id": "9", "model": "m1", "source": "A", "url": None,
                          "title": None, "published": "2024-01-05", "technique": "Flag-Waving", "start": 8,
                          "end": 16, "text": "patriots", "score": 0.8}


def test_parquet_spans_have_the_documented_schema(filled: Store, tmp_path: Path) -> None:
    result = export(filled, tmp_path, fmt="parquet", tables=("spans",))
    table = pq.read_table(result["tables"]["spans"]["path"])
    assert table.schema.equals(spans_schema())
    assert tuple(table.column_names) == RECORD_FIELDS
    rows = table.to_pylist()
    assert len(rows) == 3 and {r["published"] for r in rows} == {date(2024, 1, 5), date(2024, 3, 1)}
    # the same rows as the stored analyses' to_records(), published as a date
    expected = [dict(r, published=date.fromisoformat(r["published"]))
                for a in iter_analyses(filled, q.Filters()) for r in a.to_records()]
    assert sorted(rows, key=lambda r: (r["document_id"], r["start"])) == sorted(
        expected, key=lambda r: (r["document_id"], r["start"]))
    frame = table.to_pandas()  # pandas reads it as is
    assert frame.groupby("technique").size().to_dict() == {"Flag-Waving": 1, "Loaded_Language": 1,
                                                           "Name_Calling,Labeling": 1}
    empty = export(filled, tmp_path / "none", fmt="parquet", tables=("spans",),
                   f=q.Filters(sources=("Nobody",)))
    assert pq.read_table(empty["tables"]["spans"]["path"]).schema.equals(spans_schema())


def test_annotation_exports_for_review(filled: Store, tmp_path: Path) -> None:
    analyses = list(iter_analyses(filled, q.Filters()))
    assert len(analyses) == 3  # the document without spans too
    export_annotations(filled, tmp_path, fmt="doccano")
    back = read_doccano(tmp_path / "doccano.jsonl")
    assert back.skipped == []
    assert back.labels == {str(a.doc.id): sorted(Label(str(a.doc.id), s.start, s.end, s.technique)
                                                 for s in a.spans) for a in analyses}
    result = CliRunner().invoke(app, ["corpus", "export", str(tmp_path / "ls"), "--db", filled.url,
                                      "--format", "label-studio"])
    assert result.exit_code == 0, result.output
    tasks = json.loads((tmp_path / "ls" / "label-studio.json").read_text())
    assert len(tasks) == 3 and (tmp_path / "ls" / "label-studio-config.xml").exists()
    for task in tasks:
        for item in task["predictions"][0]["result"]:
            value = item["value"]
            assert task["data"]["text"][value["start"]:value["end"]] == value["text"]
            assert item["score"] == 0.8
    flags = next(t for t in tasks if "🇺🇸" in t["data"]["text"])
    assert flags["data"]["source"] == "B" and flags["predictions"][0]["model_version"] == "m1"
