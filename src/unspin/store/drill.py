"""The documents behind a chart mark of the corpus dashboard (drill-down): most affected
first, with their total count, under the same `Filters` as the charts (`queries.py`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from unspin import taxonomy
from unspin.ingest.normalize import web_link
from unspin.store.queries import Filters, has, iso, mask_of, rows_of, where
from unspin.store.schema import analyses, documents, technique_counts
from unspin.store.store import Store


def bucket_range(bucket: str, start: date) -> tuple[date, date]:
    """The first and last day of the `bucket` that starts on `start`."""
    if bucket == "day":
        return start, start
    if bucket == "week":
        return start, start + timedelta(days=6)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def documents_for(store: Store, f: Filters, *, technique: str | None = None, require: tuple[str, ...] = (),
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The documents behind a chart mark, most affected first (drill-down), with their total count.

    `technique` ranks by that technique's density; `require` keeps documents with all of those.
    """
    f = f.resolved(store)
    a, d, t = analyses.c, documents.c, technique_counts.c
    conds = [*where(analyses, f, technique_column=False), d.id == a.document_id]
    if require:
        wanted = {taxonomy.normalize(n) for n in require}
        bits = mask_of(tuple(n for n in wanted if n in taxonomy.INDEX))
        conds.append(a.mask.op("&")(bits) == bits)
        conds += [has(analyses, (n,)) for n in sorted(wanted) if n not in taxonomy.INDEX]
    score = (a.covered * 1.0 / func.nullif(a.chars, 0))
    spans_of = a.spans
    if technique:
        technique = taxonomy.normalize(technique)
        conds += [t.analysis_id == a.id, t.technique == technique]
        score, spans_of = t.chars * 1.0 / func.nullif(a.chars, 0), t.spans
    total = rows_of(store, select(func.count()).select_from(analyses, documents,
                                                            *([technique_counts] if technique else []))
                    .where(*conds))[0][0]
    rows = rows_of(store, select(a.id, a.document_id, d.ext_id, d.title, d.url, a.source, a.day, a.words,
                                 spans_of.label("n_spans"), score.label("score"))
                   .where(*conds).order_by(score.desc(), a.id).limit(limit).offset(offset))
    return {"total": total, "technique": technique, "documents": [
        {"analysis_id": r.id, "document_id": r.document_id, "ext_id": r.ext_id, "title": r.title,
         "url": r.url, "link": web_link(r.url), "source": r.source, "published": iso(r.day),
         "words": r.words,
         "spans": r.n_spans, "density": round(float(r.score or 0.0), 4)} for r in rows]}
