"""Analytics queries on a hand-built corpus whose figures can be checked by hand."""

from __future__ import annotations

from datetime import date

import pytest
from store_fixtures import make_analysis, make_doc

from unspin.errors import InputError
from unspin.store import Store, drill
from unspin.store import queries as q

NC, LL, FW = "Name_Calling,Labeling", "Loaded_Language", "Flag-Waving"
# (text, source, published, [(phrase, technique)])
CORPUS = [
    ("The traitors lied again today.", "Daily", "2024-01-01", [("traitors", NC), ("lied", LL)]),
    ("Patriots stand tall, traitors fall.", "Daily", "2024-01-03", [("Patriots", FW), ("traitors", NC)]),
    ("The council approved the budget.", "Daily", "2024-02-10", []),
    ("A shameful, disgusting decision.", "Weekly", "2024-02-12", [("shameful", LL), ("disgusting", LL)]),
]


@pytest.fixture
def corpus(store: Store) -> Store:
    store.add_documents([make_doc(t, source=s, published=p) for t, s, p, _ in CORPUS])
    by_text = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(by_text[t], found) for t, _, _, found in CORPUS])
    store.save_analysis(make_analysis(make_doc("Saved traitors text."), [("traitors", NC)]))  # not corpus
    return store


def test_overview(corpus: Store) -> None:
    o = q.overview(corpus, q.Filters())
    assert (o["documents"], o["spans"], o["pending"], o["corpus_documents"]) == (4, 6, 0, 4)
    assert (o["first"], o["last"]) == ("2024-01-01", "2024-02-12")
    assert o["sources"] == [{"source": "Daily", "documents": 3}, {"source": "Weekly", "documents": 1}]
    assert o["filters"]["model"] == "m1"


def test_technique_mix_per_source(corpus: Store) -> None:
    rows = {(r["source"], r["technique"]): r for r in q.technique_mix(corpus, q.Filters())}
    daily_nc = rows[("Daily", NC)]
    assert (daily_nc["documents"], daily_nc["spans"], daily_nc["source_documents"]) == (2, 2, 3)
    daily_chars = sum(len(t) for t, s, _, _ in CORPUS if s == "Daily")
    assert daily_nc["density"] == round(16 / daily_chars, 4)
    assert daily_nc["share_of_spans"] == 0.5
    assert rows[("Weekly", LL)]["spans"] == 2
    only_weekly = q.technique_mix(corpus, q.Filters(sources=("Weekly",)))
    assert {r["source"] for r in only_weekly} == {"Weekly"}


def test_trend_buckets(corpus: Store) -> None:
    months = {(r["bucket"], r["technique"]): r["spans"] for r in q.trend(corpus, q.Filters(), bucket="month")}
    assert months == {("2024-01-01", NC): 2, ("2024-01-01", LL): 1, ("2024-01-01", FW): 1,
                      ("2024-02-01", LL): 2}
    weeks = {r["bucket"] for r in q.trend(corpus, q.Filters(), bucket="week")}
    assert weeks == {"2024-01-01", "2024-02-12"}  # Mondays
    with pytest.raises(InputError):
        q.trend(corpus, q.Filters(), bucket="year")


def test_filters_by_date_and_technique(corpus: Store) -> None:
    january = q.Filters(start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert q.overview(corpus, january)["documents"] == 2
    fear = q.by_technique(corpus, q.Filters(techniques=("flag waving",)))
    assert [(r["technique"], r["documents"]) for r in fear] == [(FW, 1)]
    with pytest.raises(InputError):
        q.Filters(start=date(2024, 2, 1), end=date(2024, 1, 1))


def test_cooccurrence(corpus: Store) -> None:
    pairs = {(r["a"], r["b"]): r for r in q.cooccurrence(corpus, q.Filters())}
    assert pairs[(NC, NC)]["documents"] == 2
    assert pairs[(NC, LL)]["documents"] == 1 == pairs[(LL, NC)]["documents"]
    assert pairs[(NC, LL)]["jaccard"] == round(1 / 3, 4)  # NC in 2 docs, LL in 2 docs, both in 1
    assert (FW, LL) not in pairs


def test_top_cues(corpus: Store) -> None:
    cues = q.top_cues(corpus, q.Filters(), limit=1)
    assert {r["technique"]: r["phrase"] for r in cues}[NC] == "traitors"
    assert next(r for r in cues if r["technique"] == NC)["count"] == 2  # the saved analysis is not counted


def test_documents_for_drill_down(corpus: Store) -> None:
    found = drill.documents_for(corpus, q.Filters(sources=("Daily",)), technique="name calling")
    assert found["total"] == 2
    assert {d["published"] for d in found["documents"]} == {"2024-01-01", "2024-01-03"}
    assert corpus.get_analysis(found["documents"][0]["analysis_id"]) is not None
    start, end = drill.bucket_range("month", date(2024, 2, 1))
    assert end == date(2024, 2, 29)
    assert drill.documents_for(corpus, q.Filters(start=start, end=end))["total"] == 2


def test_empty_store(store: Store) -> None:
    assert q.overview(store, q.Filters())["documents"] == 0
    assert q.technique_mix(store, q.Filters()) == [] == q.by_technique(store, q.Filters())
    assert q.cooccurrence(store, q.Filters()) == []
