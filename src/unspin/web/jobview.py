"""What a job is as the web app shows it: `Job` (a store row with its links and progress),
`Outcome` (what a job handler returns), and `may_see` (who may see a job: with accounts on,
its submitter and admins)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from unspin.doc import Analysis

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass
class Outcome:
    """What a job handler returns: its `result` (JSON), and analyses to save with it: the id
    of `saves[i]` goes into `result[i]["id"]` (None: not saved)."""

    result: Any
    saves: list[tuple[Analysis, dict[str, Any]] | None] = field(default_factory=list)
    undo: Callable[[], None] | None = None  # run (in a thread) when a cancel came before the end


class JobProgress(Protocol):
    """A handler's `progress`: `done` of `total`, and the job's new `info` when given."""

    def __call__(self, done: int, total: int, info: dict[str, Any] | None = None) -> None: ...


_OWN = ("links", "page", "user")  # keys of a job's `info` that are not answered as they are


@dataclass
class Job:
    """One background job as the store has it: an analysis of one text (`analyze`), of two
    (`compare`), or another registered kind."""

    id: str
    kind: str
    title: str | None
    words: int
    status: str = QUEUED
    done: int = 0
    total: int = 0
    created: str | None = None
    finished: str | None = None
    error: str | None = None
    error_status: int | None = None
    result: Any = None
    user: str | None = None
    info: dict[str, Any] | None = None  # a kind's own public fields (adapt: stage, start, model)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in row.items() if k in names})

    @property
    def ids(self) -> list[str]:
        """Ids of the analyses the job saved."""
        if self.status != DONE or not isinstance(self.result, list):
            return []
        return [r["id"] for r in self.result if isinstance(r, dict) and r.get("id")]

    @property
    def page(self) -> str | None:
        """Where the result is shown, once done and saved."""
        if self.status == DONE and self.info and isinstance(self.info.get("page"), str):
            return str(self.info["page"])
        ids = self.ids
        if not ids:
            return None
        if self.kind == "compare" and len(ids) == 2:
            return f"/compare?a={ids[0]}&b={ids[1]}"
        return f"/a/{ids[0]}" if self.kind in ("analyze", "compare") else None

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        fraction = 1.0 if self.status == DONE else (self.done / self.total if self.total else 0.0)
        info = self.info or {}
        out: dict[str, Any] = {
            **{k: v for k, v in info.items() if k not in _OWN},
            "id": self.id, "kind": self.kind, "status": self.status, "title": self.title,
            "words": self.words, "created": self.created, "finished": self.finished,
            "progress": {"done": self.done, "total": self.total, "fraction": round(fraction, 4)},
            "links": {"api": f"/api/jobs/{self.id}", "page": f"/jobs/{self.id}", **info.get("links", {})},
        }
        if self.user:
            out["user"] = self.user
        if self.page:
            out["links"]["result"] = self.page
        if self.error:
            out["error"] = {"message": self.error, "status": self.error_status}
        if with_result and self.status == DONE:
            result = self.result
            out["result"] = result[0] if self.kind == "analyze" and isinstance(result, list) else result
        return out


def may_see(row: dict[str, Any], viewer: dict[str, Any] | None) -> bool:
    """Whether `viewer` (the logged-in user; None with accounts off) may see the job `row`:
    its submitter and admins may."""
    return viewer is None or viewer.get("role") == "admin" or (
        row.get("user") is not None and row.get("user") == viewer.get("name"))
