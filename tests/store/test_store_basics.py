"""Store: documents keyed by content, saved analyses round-trip, batch writes are exactly-once."""

from __future__ import annotations

import threading

import pytest
from store_fixtures import make_analysis, make_doc

from unspin.store import Store
from unspin.store.records import content_hash

TEXT = "They are traitors and cowards, and everyone knows it."


def test_save_and_get_analysis_round_trip(store: Store) -> None:
    doc = make_doc(TEXT, source="Daily Example", published="2024-03-05", title="T")
    analysis = make_analysis(doc, [("traitors", "name calling"), ("everyone knows it", "bandwagon")])
    aid = store.save_analysis(analysis, meta={"threshold": 0.5})
    got = store.get_analysis(aid)
    assert got is not None
    expected = analysis.to_dict()
    for key in ("model", "text", "figures", "spans"):
        assert got[key] == expected[key]
    assert got["id"] == aid
    assert got["document_id"] == content_hash(TEXT)
    assert got["meta"] == {"threshold": 0.5}
    assert got["created"].endswith("Z")
    assert got["document"]["source"] == "Daily Example"
    assert got["document"]["published"] == "2024-03-05"


def test_saving_twice_gives_one_id(store: Store) -> None:
    analysis = make_analysis(make_doc(TEXT), [("traitors", "name calling")])
    assert store.save_analysis(analysis) == store.save_analysis(analysis)
    other = make_analysis(make_doc(TEXT), [("cowards", "name calling")])
    assert store.save_analysis(other) != store.save_analysis(analysis)


def test_unknown_analysis_is_none(store: Store) -> None:
    assert store.get_analysis("nope") is None
    assert store.load_analysis("nope") is None


def test_documents_dedupe_by_content(store: Store) -> None:
    first = store.add_documents([make_doc("a text"), make_doc("b text"), make_doc("a text")])
    assert (first.added, first.duplicates) == (2, 1)
    again = store.add_documents([make_doc("a text"), make_doc("c text")])
    assert (again.added, again.duplicates) == (1, 1)
    assert store.document_count() == 3


def test_saved_documents_are_not_corpus_until_imported(store: Store) -> None:
    store.save_analysis(make_analysis(make_doc(TEXT), []))
    assert store.document_count() == 0
    assert store.pending_count("m1") == 0
    assert store.add_documents([make_doc(TEXT)]).added == 0
    assert store.pending_count("m1") == 1


def test_pending_and_save_batch_exactly_once(store: Store) -> None:
    store.add_documents([make_doc(f"document number {i} is here", source="s") for i in range(25)])
    pending = list(store.pending("m1", page=7))
    assert len(pending) == 25 == store.pending_count("m1")
    assert len({d.id for d in pending}) == 25
    batch = [make_analysis(d, [("number", "loaded language")]) for d in pending[:10]]
    assert store.save_batch(batch) == 10
    assert store.save_batch(batch) == 0  # already there: skipped, not duplicated
    assert store.pending_count("m1") == 15
    assert store.pending_count("m2") == 25
    assert store.models()[0]["documents"] == 10


def test_save_batch_rolls_back_as_a_whole(store: Store) -> None:
    store.add_documents([make_doc("one doc here"), make_doc("two doc here")])
    docs = list(store.pending("m1"))
    bad = make_analysis(make_doc("never imported"), [])
    with pytest.raises(KeyError):
        store.save_batch([make_analysis(docs[0], []), bad])
    assert store.pending_count("m1") == 2


def test_load_analysis_gives_spans_and_cues(store: Store) -> None:
    doc = make_doc(TEXT)
    aid = store.save_analysis(make_analysis(doc, [("traitors", "Name_Calling,Labeling")]))
    loaded = store.load_analysis(aid)
    assert loaded is not None
    assert [(s.start, s.end, s.technique, s.text) for s in loaded.spans] == [
        (9, 17, "Name_Calling,Labeling", "traitors")]
    assert loaded.spans[0].why[0].start == 9


def test_concurrent_writers_in_threads(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(20):
                store.save_analysis(make_analysis(make_doc(f"thread {k} text {i}"), []))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.document_count(corpus_only=False) == 80
