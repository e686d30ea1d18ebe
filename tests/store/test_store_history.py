"""History and review on the store itself (SQLite and PostgreSQL), and the 0002 -> 0003
upgrade of a database that already holds analyses."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert
from store_fixtures import make_analysis, make_doc

from unspin import review
from unspin.store import Store, migrate, records
from unspin.store.schema import documents

TEXT = "These corrupt traitors will destroy our great nation, said the speaker on Sunday."


def test_list_search_review_delete(store: Store) -> None:
    doc = make_doc(TEXT, title="Speech", source="Daily Example", url="https://example.com/a",
                   date="2024-03-01")
    aid = store.save_analysis(make_analysis(doc, [("corrupt traitors", "Name_Calling,Labeling"),
                                                  ("our great nation", "Flag-Waving")]),
                              meta={"title": "Speech"})
    calm = store.save_analysis(make_analysis(make_doc("A calm note."), []))
    found = store.saved_analyses()
    assert found["total"] == 2 and {i["id"] for i in found["items"]} == {aid, calm}
    item = next(i for i in found["items"] if i["id"] == aid)
    assert item["title"] == "Speech" and item["source"] == "Daily Example"
    assert item["published"] == "2024-03-01" and item["url"] == "https://example.com/a"
    assert item["spans"] == 2 and item["words"] == 13 and item["corrections"] == 0
    assert [t["name"] for t in item["techniques"]] == ["Flag-Waving", "Name_Calling,Labeling"]
    assert [i["id"] for i in store.saved_analyses(query="daily EXAMPLE")["items"]] == [aid]
    assert store.saved_analyses(query="nothing like this")["total"] == 0

    record = store.get_analysis(aid)
    assert record is not None
    spans = review.reviewed(record["text"], record["spans"], [])
    fix = review.correction("reject", text=TEXT, spans=spans, reviewer="Ana", target="m0")
    saved = store.add_correction(aid, fix)
    assert saved["reviewer"] == "Ana" and saved["created"].endswith("Z")
    assert store.corrections(aid) == [saved] and store.corrected_ids() == [aid] and store.reviewed_ids() == []
    mark = store.set_reviewed(aid, "Ana")
    assert mark["reviewer"] == "Ana" and store.review_mark(aid) == mark and store.reviewed_ids() == [aid]
    assert store.saved_analyses(reviewed=True)["items"][0]["reviewed"] == mark
    assert store.saved_analyses(reviewed=False)["total"] == 1
    assert store.saved_analyses(query="speech")["items"][0]["corrections"] == 1

    assert store.delete_analysis(aid) is True and store.delete_analysis(aid) is False
    assert store.get_analysis(aid) is None and store.corrections(aid) == [] and store.reviewed_ids() == []
    assert store.corrected_ids() == [] and store.review_mark(aid) is None
    assert store.saved_analyses()["total"] == 1
    assert store.get_document(record["document_id"]) is not None  # a soft delete: until `purge`
    assert store.purge() == {"analyses": 1, "documents": 1}
    assert store.get_document(record["document_id"]) is None  # only the web app used that text


def test_upgrade_from_0002_keeps_analyses(tmp_path: Path) -> None:
    from unspin.store import engine as _engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = _engine.make_engine(url)
    migrate.upgrade(engine, "0002")
    old = Store(engine, url)  # a database at 0002 holding an analysis, its rows as 0002 had them
    analysis = make_analysis(make_doc(TEXT), [("corrupt traitors", "Loaded_Language")])
    doc_row = records.document_row(analysis.doc, in_corpus=False)
    rows = records.analysis_rows(analysis, doc_row, kind="saved")
    with old.write() as conn:
        conn.execute(insert(documents), [doc_row])
        old._insert_rows(conn, rows)
    aid = rows["analyses"][0]["id"]
    old.close()
    store = Store.open(url)
    assert migrate.current(store.engine) == migrate.head() == "0012"  # 0012: reviewers' techniques
    assert store.saved_analyses()["items"][0]["id"] == aid
    store.add_correction(aid, {"action": "accept", "target": "m0", "start": 4, "end": 20,
                               "technique": "Loaded_Language", "reviewer": "Ana"})
    assert store.corrected_ids() == [aid]
    store.set_reviewed(aid, "Ana")
    assert store.reviewed_ids() == [aid]
    store.close()
