"""Rows from documents and analyses, and analyses back from rows (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from unspin import taxonomy
from unspin.doc import Analysis, Cue, Document, Span, covered_chars
from unspin.errors import InputError
from unspin.ingest.normalize import clean_field

PHRASE_CHARS = 100
DOC_FIELDS = ("source", "url", "title", "published")


def content_hash(text: str) -> str:
    """The id of a document: sha256 of its UTF-8 text, hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def now() -> datetime:
    """The current time in UTC, without tzinfo (both databases store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


def parse_date(value: Any) -> date | None:
    """A date from a date, a datetime, an ISO string (date or date-time) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError as err:
        raise InputError(f"Cannot read the date {text!r}; expected an ISO date such as 2024-03-31.") from err


def buckets(day: date | None) -> dict[str, date | None]:
    """The day, the Monday of its ISO week, and the first of its month."""
    if day is None:
        return {"day": None, "week": None, "month": None}
    return {"day": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}


def _clip(value: Any, limit: int) -> str | None:
    """A short text column: NUL, control characters and lone surrogates (which PostgreSQL
    rejects) are removed or replaced first."""
    return None if value is None or value == "" else clean_field(str(value), max_chars=limit) or None


def safe_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD, one for one (offsets stay)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return clean_field(text) if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def document_row(doc: Document, *, in_corpus: bool) -> dict[str, Any]:
    """A `documents` row; `source`, `url`, `title`, `published` are read from `doc.meta`."""
    meta = dict(doc.meta)
    fields = {key: meta.pop(key, None) for key in DOC_FIELDS}
    if fields["published"] is None and "date" in meta:
        fields["published"] = meta.pop("date")
    if fields["source"] is None and "sitename" in meta:
        fields["source"] = meta.pop("sitename")
    if doc.id is not None:
        meta.setdefault("ext_id", doc.id)
    text = safe_text(doc.text)
    return {
        "id": content_hash(text),
        "ext_id": _clip(meta.pop("ext_id", None), 200),
        "text": text,
        "source": _clip(fields["source"], 200),
        "url": _clip(fields["url"], 2000),
        "title": _clip(fields["title"], 1000),
        "published": parse_date(fields["published"]),
        "chars": len(doc.text),
        "words": doc.word_count(),
        "meta": _jsonable(meta),
        "in_corpus": in_corpus,
        "created": now(),
    }


def _jsonable(meta: dict[str, Any]) -> dict[str, Any]:
    """`meta` as plain JSON whose strings (keys too) a database accepts."""
    return _clean_json(json.loads(json.dumps(meta, default=str)))


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_field(value)
    if isinstance(value, dict):
        return {clean_field(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def analysis_id(document_id: str, model: str, kind: str, detail: str = "") -> str:
    """Deterministic: saving the same analysis twice gives the same id (and one row)."""
    key = "\0".join((kind, document_id, model, detail))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def span_digest(analysis: Analysis) -> str:
    payload = [(s.start, s.end, s.technique, round(s.score, 6), [(c.start, c.end) for c in s.why])
               for s in analysis.spans]
    return json.dumps(payload)


def analysis_rows(analysis: Analysis, doc_row: dict[str, Any], *, kind: str,
                  meta: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows for `analyses`, `technique_counts`, `spans` and `cues` of one analysis."""
    meta = _jsonable(meta or {})
    document_id = doc_row["id"]
    detail = "" if kind == "batch" else span_digest(analysis) + json.dumps(meta, sort_keys=True)
    aid = analysis_id(document_id, analysis.model, kind, detail)
    text = analysis.doc.text
    shared = {"model": analysis.model, "kind": kind, "source": doc_row["source"],
              **buckets(doc_row["published"])}
    per_technique: dict[str, list[tuple[int, int]]] = {}
    span_rows, cue_rows = [], []
    for s in analysis.spans:
        per_technique.setdefault(s.technique, []).append((s.start, s.end))
        span_rows.append({"analysis_id": aid, "start": s.start, "end": s.end, "technique": s.technique,
                          "score": float(s.score), "why": [[c.start, c.end, round(float(c.weight), 4)]
                                                          for c in s.why]})
        for c in s.why:
            phrase = " ".join(text[c.start:c.end].lower().split())[:PHRASE_CHARS]
            if phrase:
                cue_rows.append({"analysis_id": aid, "technique": s.technique, "phrase": phrase,
                                 "weight": float(c.weight)})
    mask = 0
    for name in per_technique:
        if name in taxonomy.INDEX:  # PTC techniques; an adapted model's own are in technique_counts
            mask |= 1 << taxonomy.INDEX[name]
    analysis_row = {
        "id": aid, "document_id": document_id, "created": now(), **shared,
        "chars": len(text), "words": doc_row["words"], "spans": len(analysis.spans),
        "covered": covered_chars([(s.start, s.end) for s in analysis.spans]), "mask": mask, "meta": meta,
    }
    count_rows = [{"analysis_id": aid, "technique": name, "spans": len(found),
                   "chars": covered_chars(found), **shared} for name, found in per_technique.items()]
    return {"analyses": [analysis_row], "technique_counts": count_rows, "spans": span_rows, "cues": cue_rows}


def document_from_row(row: Any) -> Document:
    meta = dict(row.meta or {})
    for key in DOC_FIELDS:
        value = getattr(row, key)
        if value is not None:
            meta[key] = value.isoformat() if isinstance(value, date) else value
    if row.ext_id:
        meta["ext_id"] = row.ext_id
    return Document(text=row.text, id=row.id, meta=meta)


def analysis_from_rows(doc: Document, model: str, span_rows: list[Any]) -> Analysis:
    """The stored analysis; its techniques as stored (an adapted model's own names read back
    even in a process that has not loaded that model)."""
    with taxonomy.as_written():
        spans = tuple(
            Span(doc, r.start, r.end, r.technique, r.score,
                 tuple(Cue(int(a), int(b), float(w)) for a, b, w in r.why))
            for r in sorted(span_rows, key=lambda r: (r.start, r.end, r.technique))
        )
    return Analysis(doc, spans, model)
