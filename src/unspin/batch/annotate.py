"""Corpus analyses out to annotation tools: Label Studio tasks with the model's spans as
predictions to review, or doccano JSONL with them as labels (`unspin corpus export --format
label-studio|doccano`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from unspin.doc import Analysis
from unspin.io.annotations import label_studio_config, write_doccano
from unspin.io.label_studio import prediction_tasks
from unspin.io.ptc import Label
from unspin.store import Store
from unspin.store import queries as q
from unspin.store.records import analysis_from_rows, document_from_row
from unspin.store.schema import analyses, documents, spans

ANNOTATION_FORMATS = ("label-studio", "doccano")
PAGE = 500


def iter_analyses(store: Store, f: q.Filters) -> Iterator[Analysis]:
    """The selected corpus analyses (every analyzed document, with or without spans), in id order."""
    f = f.resolved(store)
    a = analyses.c
    conds = [*q.scope(analyses, f), documents.c.id == a.document_id]
    after = ""
    while True:
        with store.read() as conn:
            query = (select(a.id.label("analysis_id"), documents).where(*conds, a.document_id > after)
                     .order_by(a.document_id).limit(PAGE))
            page = conn.execute(query).all()
            found: dict[str, list[Any]] = {row.analysis_id: [] for row in page}
            if page:
                chosen = select(spans).where(spans.c.analysis_id.in_(list(found)))
                if f.techniques:
                    chosen = chosen.where(spans.c.technique.in_(f.techniques))
                for span in conn.execute(chosen):
                    found[span.analysis_id].append(span)
        if not page:
            return
        for row in page:
            yield analysis_from_rows(document_from_row(row), str(f.model), found[row.analysis_id])
        after = page[-1].id


def export_annotations(store: Store, out: str | Path, *, fmt: str,
                       f: q.Filters | None = None) -> dict[str, Any]:
    """Write `out/label-studio.json` (+ the labeling config) or `out/doccano.jsonl`."""
    f = (f or q.Filters()).resolved(store)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    found = list(iter_analyses(store, f))
    labels = {str(x.doc.id): [Label(str(x.doc.id), s.start, s.end, s.technique) for s in x.spans]
              for x in found}
    if fmt == "label-studio":
        path = folder / "label-studio.json"
        tasks = prediction_tasks(found)
        path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
        own = sorted({s.technique for x in found for s in x.spans})  # an adapted model's too
        (folder / "label-studio-config.xml").write_text(label_studio_config(own), encoding="utf-8")
    else:
        path = folder / "doccano.jsonl"
        write_doccano([x.doc for x in found], labels, path)
    return {"filters": f.to_dict(), "format": fmt,
            "tables": {"annotations": {"path": str(path), "rows": len(found)}}}
