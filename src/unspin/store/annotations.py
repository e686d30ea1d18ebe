"""Reviewed analyses as training data: PTC folders (`train-articles/article<ID>.txt` and
`train-labels-task-flc-tc/article<ID>.task-flc-tc.labels`, what `unspin model train --data`
reads) and JSONL, one article per line.

Only articles a reviewer marked reviewed go out by default: in them every span not rejected
is confirmed and text without spans was checked, so it may teach "no technique here". With
`include_partial`, articles with corrections but no mark are added to the JSONL only
(`"complete": false`), with only the spans a reviewer touched as positives and no claim about
the rest; a PTC folder cannot say "unchecked", so they never go there."""

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


def touched_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The spans of a partly reviewed article a reviewer vouched for: accepted, relabelled,
    resized or added (not rejected, not untouched model spans)."""
    return [s for s in spans if s["status"] not in ("model", "rejected")]


def export_annotations(store: Any, out: str | Path, *, fmt: str = "both",
                       confirmed_only: bool = False, include_partial: bool = False) -> dict[str, Any]:
    """Write every analysis marked reviewed in `store` under `out` (and, with
    `include_partial`, those only partly reviewed, to the JSONL); returns what was written."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if include_partial and fmt == "ptc":
        raise InputError("Partly reviewed articles go to JSONL only (a PTC folder would teach their "
                         "unchecked text as having no technique); use --format jsonl or both.")
    root = Path(out)
    ids = store.reviewed_ids()
    complete = set(ids)
    if include_partial:
        ids = ids + [aid for aid in store.corrected_ids() if aid not in complete]
    if fmt in ("both", "ptc"):
        (root / ARTICLES).mkdir(parents=True, exist_ok=True)
        (root / LABELS).mkdir(parents=True, exist_ok=True)
    else:
        root.mkdir(parents=True, exist_ok=True)
    lines, n_spans, written, partial = [], 0, 0, 0
    for n, aid in enumerate(ids, 1):
        record = store.get_analysis(aid)
        if record is None:
            continue
        log = store.corrections(aid)
        replayed = review.reviewed(record["text"], record["spans"], log)
        whole = aid in complete
        spans = final_spans(replayed, confirmed_only=confirmed_only) if whole else touched_spans(replayed)
        pid = article_id(aid, n)
        if fmt in ("both", "ptc") and whole:
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
            "complete": whole, "reviewed": store.review_mark(aid),
        }, ensure_ascii=False))
        n_spans += len(spans)
        written += 1
        partial += 0 if whole else 1
    if fmt in ("both", "jsonl"):
        (root / JSONL).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {"articles": written, "partial": partial, "spans": n_spans, "out": str(root), "format": fmt,
            "ptc": str(root) if fmt in ("both", "ptc") else None,
            "jsonl": str(root / JSONL) if fmt in ("both", "jsonl") else None}
