"""Soft deletes (issue 31) on SQLite and PostgreSQL: a deleted analysis vanishes from every
read, export and count at once, stays in the database until `purge`, and `purge` removes it
(only those deleted long enough ago, unless all) with its rows and a text nothing else uses."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from store_fixtures import make_analysis, make_doc

from unspin import config, review
from unspin.errors import NotFoundError
from unspin.store import Store, records
from unspin.store.annotations import export_annotations
from unspin.store.schema import analyses, corrections, documents, reviews, spans

TEXT = "These corrupt traitors will destroy our great nation, said the speaker on Sunday."


def reviewed_one(store: Store, text: str = TEXT) -> str:
    aid = store.save_analysis(make_analysis(make_doc(text), [("corrupt traitors", "Name_Calling,Labeling")]))
    record = store.get_analysis(aid)
    fix = review.correction("accept", text=text, spans=review.reviewed(text, record["spans"], []),
                            reviewer="Ana", target="m0")
    store.add_correction(aid, fix)
    store.set_reviewed(aid, "Ana")
    return aid


def rows(store: Store, table: object, aid: str) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)
                                .where(table.c.analysis_id == aid)).scalar_one())  # type: ignore[attr-defined]


def test_a_deleted_analysis_vanishes_from_reads_exports_and_counts(store: Store, tmp_path: Path) -> None:
    gone, kept = reviewed_one(store), reviewed_one(store, TEXT + " Again.")
    assert store.delete_analysis(gone) is True and store.delete_analysis(gone) is False
    assert store.get_analysis(gone) is None and store.load_analysis(gone) is None
    assert [i["id"] for i in store.saved_analyses()["items"]] == [kept]
    assert store.saved_analyses()["total"] == 1 and store.saved_analyses(reviewed=True)["total"] == 1
    assert store.saved_analyses(query="corrupt")["total"] == 1
    assert store.corrected_ids() == [kept] and store.reviewed_ids() == [kept]
    assert store.corrections(gone) == [] and store.review_mark(gone) is None
    done = export_annotations(store, tmp_path / "out", fmt="jsonl")
    lines = (tmp_path / "out" / "annotations.jsonl").read_text().splitlines()
    assert done["articles"] == 1 and [json.loads(line)["analysis_id"] for line in lines] == [kept]
    fix = {"target": "m0", "action": "reject", "start": 6, "end": 22, "technique": "Doubt", "reviewer": "x"}
    with pytest.raises(NotFoundError):
        store.add_correction(gone, fix)
    with pytest.raises(NotFoundError):
        store.set_reviewed(gone, "x")
    # still in the database, every row, until purged
    assert [rows(store, table, gone) for table in (spans, corrections, reviews)] == [1, 1, 1]
    assert store.deleted_count() == 1


def test_purge_waits_for_the_period_unless_all(store: Store) -> None:
    old, recent = reviewed_one(store), reviewed_one(store, TEXT + " Two.")
    kept = reviewed_one(store, TEXT + " Three.")
    doc_old = store.get_analysis(old)["document_id"]
    corpus_text = store.get_analysis(recent)["document_id"]
    with store.write() as conn:  # the recent one's text is in the corpus too: purge keeps it
        conn.execute(update(documents).where(documents.c.id == corpus_text).values(in_corpus=True))
    assert store.delete_analysis(old) and store.delete_analysis(recent)
    with store.write() as conn:  # deleted 31 days ago
        conn.execute(update(analyses).where(analyses.c.id == old)
                     .values(deleted=records.now() - timedelta(days=31)))
    assert store.purge(older_than_days=config.keep_deleted_days()) == {"analyses": 1, "documents": 1}
    assert store.deleted_count() == 1 and store.get_document(doc_old) is None
    assert [rows(store, table, old) for table in (spans, corrections, reviews)] == [0, 0, 0]
    assert store.purge(older_than_days=30) == {"analyses": 0, "documents": 0}
    assert store.purge() == {"analyses": 1, "documents": 0}
    assert store.get_document(corpus_text) is not None and store.deleted_count() == 0
    assert [i["id"] for i in store.saved_analyses()["items"]] == [kept] and store.corrected_ids() == [kept]


def test_the_same_analysis_saved_again_after_a_delete_is_new(store: Store) -> None:
    aid = reviewed_one(store)
    assert store.delete_analysis(aid)
    again = store.save_analysis(make_analysis(make_doc(TEXT), [("corrupt traitors", "Name_Calling,Labeling")],
                                              ))
    assert again == aid  # ids come from the content: the same one, live again without the old review
    assert store.get_analysis(aid) is not None and store.saved_ids() == [aid]
    assert store.corrections(aid) == [] and store.review_mark(aid) is None and store.deleted_count() == 0


def test_the_keep_period_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNSPIN_KEEP_DELETED_DAYS", raising=False)
    assert config.keep_deleted_days() == 30.0
    monkeypatch.setenv("UNSPIN_KEEP_DELETED_DAYS", "7")
    assert config.keep_deleted_days() == 7.0 and config.keep_deleted_days(2) == 2.0
    monkeypatch.setenv("UNSPIN_KEEP_DELETED_DAYS", "soon")
    with pytest.raises(ValueError, match="number of days"):
        config.keep_deleted_days()


def test_saved_ids_list_what_the_history_lists_without_the_records(store: Store) -> None:
    first, second, third = (reviewed_one(store, TEXT + f" Part {n}.") for n in range(3))
    listed = [i["id"] for i in store.saved_analyses()["items"]]
    assert store.saved_ids() == listed and set(listed) == {first, second, third}
    assert store.saved_ids(limit=2) == listed[:2]
    assert store.saved_ids(query="part 1") == [second] and store.saved_ids(query="nowhere") == []
    store.delete_analysis(second)
    assert store.saved_ids() == [aid for aid in listed if aid != second]
