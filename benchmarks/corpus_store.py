"""Store at scale: import 100,000 synthetic documents (JSONL, through `import_paths`), add one
synthetic corpus analysis per document, then time each dashboard query on that corpus.

    .venv/bin/python benchmarks/corpus_store.py                      # SQLite in a temp folder
    .venv/bin/python benchmarks/corpus_store.py --docs 100000 --db postgresql://...

Queries are timed warm (median of 5 runs) after one cold run; the target is < 500 ms each.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

WORDS = [
    "the", "government", "officials", "said", "today", "that", "new", "plans", "for", "economy", "would",
    "change", "everything", "critics", "warn", "corrupt", "elites", "betrayed", "ordinary", "people",
    "while", "patriots", "demand", "action", "now", "experts", "agree", "evidence", "is", "clear", "but",
    "nobody", "knows", "what", "happens", "next", "in", "this", "crisis",
]
SOURCES = [f"outlet-{i:02d}" for i in range(30)]


def write_corpus(path: Path, n: int, words: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            text = f"Story {i}. " + " ".join(rng.choice(WORDS) for _ in range(words))
            handle.write(json.dumps({"text": text, "id": str(i), "source": rng.choice(SOURCES),
                                     "title": f"Story {i}",
                                     "published": (start + timedelta(days=rng.randrange(730))).isoformat()})
                         + "\n")


def fake_analyses(store, model: str, spans_per_doc: int, seed: int = 1) -> float:
    """One random analysis per pending document, saved 500 per transaction; returns seconds."""
    from unspin import taxonomy
    from unspin.doc import Analysis, Cue, Span

    rng = random.Random(seed)
    weights = [rng.random() ** 2 for _ in taxonomy.NAMES]
    began = time.perf_counter()
    batch = []
    for doc in store.pending(model, page=2000):
        spans = []
        for _ in range(rng.randrange(0, 2 * spans_per_doc + 1)):
            a = rng.randrange(0, len(doc.text) - 40)
            b = a + rng.randrange(5, 40)
            tech = rng.choices(taxonomy.NAMES, weights)[0]
            spans.append(Span(doc, a, b, tech, rng.random(), (Cue(a, min(b, a + 6), rng.random()),)))
        batch.append(Analysis(doc, tuple(sorted(spans, key=lambda s: (s.start, s.end))), model))
        if len(batch) == 500:
            store.save_batch(batch)
            batch = []
    store.save_batch(batch)
    return time.perf_counter() - began


def timed(fn, runs: int = 5) -> dict[str, float]:
    began = time.perf_counter()
    fn()
    cold = time.perf_counter() - began
    warm = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - began)
    return {"cold_ms": round(cold * 1000, 1), "warm_median_ms": round(statistics.median(warm) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=300, help="words per synthetic document")
    parser.add_argument("--spans", type=int, default=8, help="mean spans per document")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp folder)")
    args = parser.parse_args()

    from unspin.batch.importer import import_paths
    from unspin.store import Store, drill
    from unspin.store import queries as q
    from unspin.web.routes import dashboard

    tmp = Path(tempfile.mkdtemp())
    corpus = tmp / "corpus.jsonl"
    write_corpus(corpus, args.docs, args.words)
    store = Store.open(args.db or f"sqlite:///{tmp / 'bench.db'}")
    out: dict[str, object] = {"store": store.describe(), "docs": args.docs, "words_per_doc": args.words,
                              "jsonl_mb": round(corpus.stat().st_size / 1e6, 1)}
    report = import_paths(store, [corpus])
    out["import_s"] = report["seconds"]
    out["import_docs_per_s"] = round(report["added"] / report["seconds"], 1)
    again = import_paths(store, [corpus])
    out["reimport_s"] = again["seconds"]
    out["reimport_added"] = again["added"]
    out["synthetic_analyses_s"] = round(fake_analyses(store, "bench-model", args.spans), 1)
    if store.dialect == "sqlite":
        out["db_mb"] = round(Path(store.engine.url.database).stat().st_size / 1e6, 1)

    f = q.Filters().resolved(store)
    one_source = q.Filters(model=f.model, sources=("outlet-03",))
    a_quarter = q.Filters(model=f.model, start=date(2024, 1, 1), end=date(2024, 3, 31))
    fear = q.Filters(model=f.model, techniques=("Appeal_to_fear-prejudice",))
    queries = {
        "overview": lambda: q.overview(store, f),
        "technique_mix (stacked bars, heatmap)": lambda: q.technique_mix(store, f),
        "trend week": lambda: q.trend(store, f, bucket="week"),
        "trend month": lambda: q.trend(store, f, bucket="month"),
        "by_technique": lambda: q.by_technique(store, f),
        "cooccurrence": lambda: q.cooccurrence(store, f),
        "top_cues": lambda: q.top_cues(store, f),
        "drill-down (documents_for, 1 source x technique)":
            lambda: drill.documents_for(store, one_source, technique="Loaded_Language"),
        "technique_mix, one source": lambda: q.technique_mix(store, one_source),
        "trend week, one quarter": lambda: q.trend(store, a_quarter, bucket="week"),
        "technique_mix, one technique": lambda: q.technique_mix(store, fear),
        "whole dashboard page context (4 charts + Altair specs)":
            lambda: dashboard.dashboard_context(store, f, "week"),
    }
    out["queries"] = {name: timed(fn) for name, fn in queries.items()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
