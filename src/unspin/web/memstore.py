"""An in-memory stand-in for `unspin.store.Store` (same `save_analysis`/`get_analysis` and
history/review methods), used when the app is given no database. Keeps the newest `limit`
analyses; there is no corpus, so `send_to_corpus` is refused."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from unspin.doc import Analysis, covered_chars, snippet
from unspin.errors import InputError, NotFoundError, StaleError
from unspin.taxonomy import top
from unspin.web.memjobs import MemoryJobsMixin


class MemoryStore(MemoryJobsMixin):
    """Saved analyses (and jobs) in bounded dicts; gone when the process ends."""

    def __init__(self, *, limit: int = 1000):
        self.limit = limit
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._corrections: dict[str, list[dict[str, Any]]] = {}
        self._reviews: dict[str, dict[str, Any]] = {}  # analysis id -> mark (reviewer, at)
        self._techniques: dict[str, dict[str, Any]] = {}  # reviewer-added techniques by name
        self._init_jobs()

    def describe(self) -> str:
        return f"memory (newest {self.limit} analyses, lost on restart)"

    def save_analysis(self, analysis: Analysis, *, meta: dict[str, Any] | None = None) -> str:
        """Keep `analysis` and return its id."""
        aid = secrets.token_urlsafe(9)
        record = analysis.to_dict()
        record.update(id=aid, created=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                      meta=dict(meta or {}))
        with self._lock:
            self._items[aid] = record
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return aid

    def get_analysis(self, analysis_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(analysis_id)

    def saved_analyses(self, *, query: str | None = None, limit: int = 50, offset: int = 0,
                       reviewed: bool | None = None) -> dict[str, Any]:
        """Saved analyses newest first, filtered by `query` like `Store.saved_analyses`."""
        needle = (query or "").strip().lower()
        with self._lock:
            records = list(reversed(self._items.values()))
        found = []
        for r in records:
            meta = r.get("meta") or {}
            fields = (str(meta.get(k) or "") for k in ("title", "source", "url", "sitename"))
            hay = " ".join(fields) + " " + r["text"]
            if needle and needle not in hay.lower():
                continue
            if reviewed is not None and (r["id"] in self._reviews) != reviewed:
                continue
            found.append(r)
        items = []
        for r in found[offset:offset + limit]:
            meta, fig = r.get("meta") or {}, r["figures"]
            covered = covered_chars([(s["start"], s["end"]) for s in r["spans"]])
            items.append({
                "id": r["id"], "created": r["created"], "model": r["model"], "title": meta.get("title"),
                "source": meta.get("source"), "url": meta.get("url"), "published": meta.get("date"),
                "outlet": meta.get("sitename"), "snippet": snippet(r["text"]),
                "words": fig["words"], "chars": fig["characters"], "spans": fig["spans"],
                "density": round(covered / fig["characters"], 4) if fig["characters"] else 0.0,
                "techniques": top(fig["counts"]),
                "corrections": len(self._corrections.get(r["id"], [])), "in_corpus": False,
                "reviewed": self.review_mark(r["id"]),
            })
        return {"total": len(found), "items": items}

    def saved_ids(self, *, query: str | None = None, limit: int = 10_000) -> list[str]:
        """Ids `saved_analyses` lists for `query`, newest first, at most `limit`."""
        return [item["id"] for item in self.saved_analyses(query=query, limit=limit)["items"]]

    def _require(self, analysis_id: str) -> None:
        if analysis_id not in self._items:
            raise NotFoundError(f"No saved analysis with id {analysis_id[:128]!r} (deleted meanwhile?).")

    def delete_analysis(self, analysis_id: str) -> bool:
        with self._lock:
            self._corrections.pop(analysis_id, None)
            self._reviews.pop(analysis_id, None)
            return self._items.pop(analysis_id, None) is not None

    def send_to_corpus(self, analysis_id: str) -> dict[str, Any] | None:
        raise InputError("This app keeps analyses in memory and has no corpus; start it with a "
                         "database (`unspin serve --db ...`) to send analyses to the corpus.")

    def add_correction(self, analysis_id: str, correction: dict[str, Any], *,
                       version: int | None = None) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        row = {**correction, "created": now}
        with self._lock:
            self._require(analysis_id)
            seen = sum(c["target"] == row["target"] for c in self._corrections.get(analysis_id, []))
            if version is not None and seen != version:
                raise StaleError(f"Someone else corrected span {row['target']!r} meanwhile; "
                                 "here is its current state.", key=row["target"])
            self._corrections.setdefault(analysis_id, []).append(row)
        return dict(row)

    def corrections(self, analysis_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._corrections.get(analysis_id, [])]

    def corrected_ids(self) -> list[str]:
        with self._lock:
            return [aid for aid, found in self._corrections.items() if found and aid in self._items]

    def reviewed_ids(self) -> list[str]:
        with self._lock:
            return [aid for aid in self._reviews if aid in self._items]

    def review_mark(self, analysis_id: str) -> dict[str, Any] | None:
        found = self._reviews.get(analysis_id)
        return dict(found) if found else None

    def set_reviewed(self, analysis_id: str, reviewer: str | None) -> dict[str, Any] | None:
        with self._lock:
            self._require(analysis_id)
            self._reviews.pop(analysis_id, None)
            if reviewer is None:
                return None
            at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            self._reviews[analysis_id] = {"reviewer": reviewer, "at": at}
        return self.review_mark(analysis_id)

    def add_technique(self, name: str, definition: str, reviewer: str) -> dict[str, Any]:
        at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        with self._lock:
            self._techniques.setdefault(name, {"name": name, "definition": definition,
                                               "reviewer": reviewer, "at": at})
            return dict(self._techniques[name])

    def added_techniques(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(t) for t in self._techniques.values()]

    def close(self) -> None:
        self._items.clear()
