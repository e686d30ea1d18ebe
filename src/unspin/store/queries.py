"""Corpus analytics over corpus ("batch") analyses: technique mix per source, trends, heatmap
data, co-occurrence and top cue phrases.

Every function takes a `Store` and `Filters` and returns plain rows (lists of dicts). They
group the denormalized `analyses` / `technique_counts` tables, so none needs a join except
`top_cues`; the documents behind a chart mark are in `drill.py`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select

from unspin import taxonomy
from unspin.errors import InputError
from unspin.ingest.normalize import clean_field
from unspin.store.schema import KIND_BATCH, analyses, cues, technique_counts
from unspin.store.store import Store

BUCKETS = ("day", "week", "month")


NO_SOURCE = "(no source)"  # as a source filter: documents without one


@dataclass(frozen=True, slots=True)
class Filters:
    """What part of the corpus to look at. `end` is inclusive; empty tuples mean "all"."""

    model: str | None = None
    sources: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "techniques", tuple(taxonomy.normalize(t) for t in self.techniques))
        # NUL or a lone surrogate in a filter would make PostgreSQL fail the whole query
        object.__setattr__(self, "sources", tuple(clean_field(str(s), max_chars=200) for s in self.sources))
        if self.model is not None:
            object.__setattr__(self, "model", clean_field(str(self.model), max_chars=200))
        if self.start and self.end and self.start > self.end:
            raise InputError(f"The date range is empty: {self.start} is after {self.end}.")

    def resolved(self, store: Store) -> Filters:
        """These filters with `model` set (to the most recently used model if none was given)."""
        if self.model is not None:
            return self
        found = store.models()
        return replace(self, model=found[0]["model"] if found else "")

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "sources": list(self.sources), "techniques": list(self.techniques),
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}


def mask_of(names: tuple[str, ...]) -> int:
    return sum(1 << taxonomy.INDEX[n] for n in names)


def scope(table: Any, f: Filters) -> list[Any]:
    """Conditions on `table` (`analyses` or a table with its columns) for the filters' model, corpus
    kind, sources and dates; techniques are left to the caller."""
    conds = [table.c.model == f.model, table.c.kind == KIND_BATCH]
    if f.sources:
        named = [s for s in f.sources if s != NO_SOURCE]
        cond = table.c.source.in_(named)
        conds.append(or_(cond, table.c.source.is_(None)) if NO_SOURCE in f.sources else cond)
    if f.start:
        conds.append(table.c.day >= f.start)
    if f.end:
        conds.append(table.c.day <= f.end)
    return conds


def where(table: Any, f: Filters, *, technique_column: bool) -> list[Any]:
    conds = scope(table, f)
    if f.techniques:
        if technique_column:
            conds.append(table.c.technique.in_(f.techniques))
        else:
            conds.append(_any_technique(table, f.techniques))
    return conds


def _any_technique(table: Any, names: tuple[str, ...]) -> Any:
    """Analyses with any of `names`: PTC's through the bit mask, an adapted model's own
    techniques through `technique_counts`."""
    own = [n for n in names if n not in taxonomy.INDEX]
    found = table.c.mask.op("&")(mask_of(tuple(n for n in names if n in taxonomy.INDEX))) != 0
    if not own:
        return found
    return or_(found, has(table, own))


def has(table: Any, names: tuple[str, ...] | list[str]) -> Any:
    """Rows of `table` (analyses) whose analysis has any of `names`, through `technique_counts`
    (aliased, so that a query joining `technique_counts` itself does not correlate it away)."""
    t = technique_counts.alias("has").c
    return exists(select(t.analysis_id).where(t.analysis_id == table.c.id, t.technique.in_(names)))


def rows_of(store: Store, query: Select[Any]) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(query))


def _ratio(a: float, b: float, scale: float = 1.0, digits: int = 4) -> float:
    return round(scale * a / b, digits) if b else 0.0


def _totals(f: Filters, *group: Any) -> Select[Any]:
    """Documents, characters, words and spans of the selected analyses, grouped by `group`."""
    a = analyses.c
    return (select(*group, func.count().label("docs"), func.sum(a.chars).label("chars"),
                   func.sum(a.words).label("words"), func.sum(a.spans).label("spans"),
                   func.sum(a.covered).label("covered"))
            .where(*where(analyses, f, technique_column=False)).group_by(*group))


def _per_technique(f: Filters, *group: Any) -> Select[Any]:
    """Documents, spans and covered characters per technique, grouped by `group` too."""
    t = technique_counts.c
    return (select(*group, t.technique, func.count().label("docs"), func.sum(t.spans).label("spans"),
                   func.sum(t.chars).label("chars"))
            .where(*where(technique_counts, f, technique_column=True)).group_by(*group, t.technique))


def _figures(r: Any, tot: Any) -> dict[str, Any]:
    return {"technique": r.technique, "documents": r.docs, "spans": int(r.spans),
            "share_of_documents": _ratio(r.docs, tot.docs), "density": _ratio(r.chars, tot.chars),
            "spans_per_1k_words": _ratio(r.spans, tot.words, 1000, 2)}


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def overview(store: Store, f: Filters) -> dict[str, Any]:
    """Corpus size and coverage for the filters, and the sources and models to choose from."""
    f = f.resolved(store)
    a = analyses.c
    tot = rows_of(store, _totals(f))
    first_last = rows_of(store, select(func.min(a.day), func.max(a.day))
                         .where(*where(analyses, f, technique_column=False)))[0]
    sources = rows_of(store, select(a.source, func.count()).where(a.model == f.model, a.kind == KIND_BATCH)
                      .group_by(a.source).order_by(func.count().desc(), a.source))
    docs, spans, words, chars, covered = (tot[0].docs, tot[0].spans or 0, tot[0].words or 0,
                                          tot[0].chars or 0, tot[0].covered or 0)
    return {
        "filters": f.to_dict(), "models": store.models(), "corpus_documents": store.document_count(),
        "pending": store.pending_count(f.model) if f.model else store.document_count(),
        "documents": docs, "spans": int(spans), "words": int(words), "density": _ratio(covered, chars),
        "spans_per_1k_words": _ratio(spans, words, 1000, 2),
        "first": iso(first_last[0]), "last": iso(first_last[1]),
        "sources": [{"source": s, "documents": n} for s, n in sources],
    }


def technique_mix(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Per source and technique: documents, spans, share of the source's spans, density."""
    f = f.resolved(store)
    totals = {r.source: r for r in rows_of(store, _totals(f, analyses.c.source))}
    out = []
    for r in rows_of(store, _per_technique(f, technique_counts.c.source)):
        tot = totals.get(r.source)
        if tot is not None:
            out.append({"source": r.source, **_figures(r, tot), "share_of_spans": _ratio(r.spans, tot.spans),
                        "source_documents": tot.docs})
    return sorted(out, key=lambda r: (str(r["source"]), -r["spans"]))


def trend(store: Store, f: Filters, *, bucket: str = "week") -> list[dict[str, Any]]:
    """Per time bucket (day, week or month) and technique: documents, spans, density."""
    if bucket not in BUCKETS:
        raise InputError(f"Unknown time bucket {bucket!r}; expected one of {', '.join(BUCKETS)}.")
    f = f.resolved(store)
    ab, tb = analyses.c[bucket].label("bucket"), technique_counts.c[bucket].label("bucket")
    totals = {r.bucket: r for r in rows_of(store, _totals(f, ab)) if r.bucket is not None}
    out = [{"bucket": r.bucket.isoformat(), **_figures(r, totals[r.bucket]),
            "bucket_documents": totals[r.bucket].docs}
           for r in rows_of(store, _per_technique(f, tb)) if r.bucket is not None]
    return sorted(out, key=lambda r: (r["bucket"], r["technique"]))


def by_technique(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Per technique over the whole selection: documents, spans, density."""
    f = f.resolved(store)
    tot = rows_of(store, _totals(f))
    if not tot or not tot[0].docs:
        return []
    with taxonomy.as_written():  # an adapted model's own names too, in a process without that model
        rows = [{**_figures(r, tot[0]), "display": taxonomy.get(r.technique).display}
                for r in rows_of(store, _per_technique(f))]
    return sorted(rows, key=lambda r: -r["spans"])


def cooccurrence(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Pairs of techniques found in the same document: documents with both, and Jaccard overlap.

    Rows with `a == b` give the documents with that technique. PTC's pairs come from the
    `mask` column; an adapted model's own techniques from `technique_counts` (see `_own_pairs`).
    """
    f = f.resolved(store)
    a = analyses.c
    masks = rows_of(store, select(a.mask, func.count()).where(*where(analyses, f, technique_column=False))
                    .group_by(a.mask))
    names = taxonomy.NAMES
    pair: Counter[tuple[str, str]] = Counter()
    for mask, n in masks:
        present = [names[i] for i in range(len(names)) if mask >> i & 1]
        for x in present:
            for y in present:
                pair[(x, y)] += n
    ptc_found = sum(bin(mask).count("1") * n for mask, n in masks)  # (analysis, PTC technique) pairs
    for x, y, n in _own_pairs(store, f, ptc_found):
        pair[(x, y)] += n
        if y in taxonomy.INDEX:  # the query gives (own, PTC); (PTC, own) is the same count
            pair[(y, x)] += n
    chosen = set(f.techniques)
    out = []
    for (x, y), n in pair.items():
        if not chosen or (x in chosen and y in chosen):
            union = pair[(x, x)] + pair[(y, y)] - n
            out.append({"a": x, "b": y, "documents": n, "jaccard": _ratio(n, union)})
    return sorted(out, key=lambda r: (r["a"], r["b"]))


def _own_pairs(store: Store, f: Filters, ptc_found: int) -> list[Any]:
    """(own technique, any technique, documents) for each technique outside PTC's 14 found
    with another (or itself) in a selected document: a self-join of `technique_counts`, which
    holds each (analysis, technique) once with the filters' columns. Not run when the filter
    names no own technique, nor when no filter is set and the selection's `technique_counts`
    rows number `ptc_found` (those the masks give: then there are PTC techniques only)."""
    own = [n for n in f.techniques if n not in taxonomy.INDEX]
    if f.techniques and not own:
        return []
    if not f.techniques:
        stored = rows_of(store, select(func.count()).select_from(technique_counts)
                         .where(*scope(technique_counts, f)))[0][0]
        if stored == ptc_found:
            return []
    t1, t2 = technique_counts.alias("t1"), technique_counts.alias("t2")
    conds = [*scope(t1, f), t2.c.analysis_id == t1.c.analysis_id,
             t1.c.technique.in_(own) if own else t1.c.technique.not_in(taxonomy.NAMES)]
    if f.techniques:
        conds.append(t2.c.technique.in_(f.techniques))
    return rows_of(store, select(t1.c.technique, t2.c.technique, func.count()).where(*conds)
                   .group_by(t1.c.technique, t2.c.technique))


def stored_techniques(store: Store) -> set[str]:
    """Every technique the corpus analyses hold, an adapted model's own names among them."""
    t = technique_counts.c
    return {r[0] for r in rows_of(store, select(t.technique).where(t.kind == KIND_BATCH).distinct())}


def know_stored(store: Store, names: list[str] | tuple[str, ...]) -> None:
    """Where a filter names a technique this process does not know, register the techniques
    outside PTC's 14 that the corpus holds (an adapted model's own, its model not loaded here),
    so filters take them in any spelling; a name the corpus does not hold stays unknown."""
    from unspin.errors import UnknownTechniqueError

    for name in names:
        try:
            taxonomy.normalize(name)
        except UnknownTechniqueError:
            url = str(store.url)
            seen, held = _HELD.get(url, (0.0, ()))
            if time.monotonic() - seen > HELD_SECONDS:  # a client sending unknown names reads once a minute
                held = tuple(sorted(stored_techniques(store) - set(taxonomy.NAMES)))
                _HELD[url] = (time.monotonic(), held)
            taxonomy.register([taxonomy.custom(n) for n in held])
            return


HELD_SECONDS = 60.0
_HELD: dict[str, tuple[float, tuple[str, ...]]] = {}  # store URL -> (when read, techniques held)


def top_cues(store: Store, f: Filters, *, limit: int = 10) -> list[dict[str, Any]]:
    """The cue phrases that weighed most often for each technique."""
    f = f.resolved(store)
    c = cues.c
    everything = replace(f, techniques=())
    conds = [c.analysis_id == analyses.c.id, *where(analyses, everything, technique_column=False)]
    if f.techniques:
        conds.append(c.technique.in_(f.techniques))
    found = rows_of(store, select(c.technique, c.phrase, func.count().label("n"),
                                  func.avg(c.weight).label("w"))
                    .where(and_(*conds)).group_by(c.technique, c.phrase))
    best: dict[str, list[Any]] = {}
    for r in found:
        best.setdefault(r.technique, []).append(r)
    out = []
    for name, rows in sorted(best.items()):
        rows.sort(key=lambda r: (-r.n, -r.w, r.phrase))
        out += [{"technique": name, "rank": i + 1, "phrase": r.phrase, "count": r.n,
                 "mean_weight": round(r.w, 4)} for i, r in enumerate(rows[:limit])]
    return out
