"""Reviewed analyses as training data: PTC folders (`train-articles/article<ID>.txt` and
`train-labels-task-flc-tc/article<ID>.task-flc-tc.labels`, what `unspin model train --data`
reads) and JSONL, one article per line. Only analyses with at least one correction go out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from unspin import review
from unspin.errors import InputError
from unspin.io.ptc import Label, format_label

FORMATS = ("both", "ptc", "jsonl")
ARTICLES = "train-articles"
LABELS = "train-labels-task-flc-tc"
JSONL = "annotations.jsonl"
SPAN_KEYS = ("start", "end", "technique", "status", "reviewer", "at")


def article_id(analysis_id: str, fallback: int) -> str:
    """A numeric PTC article id for an analysis (PTC names are `article<digits>.txt`): its hex
    id read as a number, so the same analysis always gets the same file."""
    try:
        return str(int(analysis_id, 16))
    except ValueError:
        return str(fallback)


def final_spans(spans: list[dict[str, Any]], *, confirmed_only: bool = False) -> list[dict[str, Any]]:
    """The reviewer's version of an article: every span not rejected, or with `confirmed_only`
    only those a reviewer accepted, relabelled, resized or added."""
    kept = review.kept(spans)
    if confirmed_only:
        kept = [s for s in kept if s["status"] != "model"]
    return kept


def export_annotations(store: Any, out: str | Path, *, fmt: str = "both",
                       confirmed_only: bool = False) -> dict[str, Any]:
    """Write every reviewed analysis in `store` under `out`; returns what was written."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    root = Path(out)
    ids = store.reviewed_ids()
    if fmt in ("both", "ptc"):
        (root / ARTICLES).mkdir(parents=True, exist_ok=True)
        (root / LABELS).mkdir(parents=True, exist_ok=True)
    else:
        root.mkdir(parents=True, exist_ok=True)
    lines, n_spans, written = [], 0, 0
    for n, aid in enumerate(ids, 1):
        record = store.get_analysis(aid)
        if record is None:
            continue
        log = store.corrections(aid)
        spans = final_spans(review.reviewed(record["text"], record["spans"], log),
                            confirmed_only=confirmed_only)
        pid = article_id(aid, n)
        if fmt in ("both", "ptc"):
            with open(root / ARTICLES / f"article{pid}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(record["text"])
            rows = [format_label(Label(pid, s["start"], s["end"], s["technique"])) for s in spans]
            (root / LABELS / f"article{pid}.task-flc-tc.labels").write_text(
                "".join(r + "\n" for r in rows), encoding="utf-8")
        meta = record.get("meta") or {}
        lines.append(json.dumps({
            "id": pid, "analysis_id": aid, "model": record["model"], "title": meta.get("title"),
            "url": meta.get("url"), "text": record["text"],
            "spans": [{k: s[k] for k in SPAN_KEYS} for s in spans],
            "reviewers": sorted({c["reviewer"] for c in log}),
        }, ensure_ascii=False))
        n_spans += len(spans)
        written += 1
    if fmt in ("both", "jsonl"):
        (root / JSONL).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {"articles": written, "spans": n_spans, "out": str(root), "format": fmt,
            "ptc": str(root) if fmt in ("both", "ptc") else None,
            "jsonl": str(root / JSONL) if fmt in ("both", "jsonl") else None}
