"""The in-memory job table of `MemoryStore`: the same methods, with the same rules, as
`unspin.store.jobs.JobsMixin` (one process, so nothing outlives it)."""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from unspin.doc import Analysis

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
KEEP = 100  # finished jobs kept (newest first)
Save = tuple[Analysis, dict[str, Any]] | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class MemoryJobsMixin:
    """Jobs in a dict under a lock (needs `save_analysis`)."""

    save_analysis: Any

    def _init_jobs(self) -> None:
        self._job_lock = threading.Lock()
        self._job_rows: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _jobs_table(self) -> tuple[threading.Lock, OrderedDict[str, dict[str, Any]]]:
        return self._job_lock, self._job_rows

    def add_job(self, job: dict[str, Any], *, capacity: int, per_user: int = 0) -> bool:
        lock, rows = self._jobs_table()
        with lock:
            active = [r for r in rows.values() if r["status"] in ACTIVE]
            if len(active) >= capacity:
                return False
            user = job.get("user")
            if per_user > 0 and user is not None and sum(r["user"] == user for r in active) >= per_user:
                return False
            rows[job["id"]] = {"id": job["id"], "kind": job["kind"], "status": QUEUED,
                               "title": job.get("title"), "words": int(job.get("words") or 0),
                               "done": 0, "total": 0, "result": None, "error": None,
                               "error_status": None, "attempts": 0, "created": _now(), "finished": None,
                               "user": job.get("user"), "payload": job["payload"],
                               "info": copy.deepcopy(job.get("info")), "owner": None, "expires": 0.0}
            finished = [k for k, r in rows.items() if r["status"] not in ACTIVE]
            for key in finished[:max(0, len(finished) - KEEP)]:
                del rows[key]
        return True

    @staticmethod
    def _public(row: dict[str, Any], *, payload: bool = False) -> dict[str, Any]:
        hidden = ("owner", "expires") if payload else ("owner", "expires", "payload")
        return copy.deepcopy({k: v for k, v in row.items() if k not in hidden})

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        lock, rows = self._jobs_table()
        with lock:
            row = rows.get(job_id)
            return None if row is None else self._public(row)

    def active_jobs(self, *, limit: int = 50, user: str | None = None) -> list[dict[str, Any]]:
        lock, rows = self._jobs_table()
        with lock:
            return [self._public(r) for r in reversed(rows.values())
                    if r["status"] in ACTIVE and (user is None or r["user"] == user)][:limit]

    def claim_job(self, owner: str, *, lease: float) -> dict[str, Any] | None:
        lock, rows = self._jobs_table()
        with lock:
            for row in rows.values():
                if row["status"] == RUNNING and row["expires"] < time.monotonic():
                    row.update(status=QUEUED, owner=None)  # its worker stopped renewing it
            row = next((r for r in rows.values() if r["status"] == QUEUED), None)
            if row is None:
                return None
            row.update(status=RUNNING, owner=owner, attempts=row["attempts"] + 1,
                       expires=time.monotonic() + lease)
            return self._public(row, payload=True)

    def renew_jobs(self, owner: str, *, lease: float) -> None:
        lock, rows = self._jobs_table()
        with lock:
            for row in rows.values():
                if row["owner"] == owner and row["status"] == RUNNING:
                    row["expires"] = time.monotonic() + lease

    def job_progress(self, job_id: str, owner: str, done: int, total: int, *,
                     info: dict[str, Any] | None = None) -> bool:
        lock, rows = self._jobs_table()
        with lock:
            row = rows.get(job_id)
            if row is None or row["owner"] != owner or row["status"] != RUNNING:
                return False
            row.update(done=done, total=max(total, done))
            if info is not None:
                row["info"] = copy.deepcopy(info)
            return True

    def release_jobs(self, owner: str) -> int:
        lock, rows = self._jobs_table()
        with lock:
            mine = [r for r in rows.values() if r["owner"] == owner and r["status"] == RUNNING]
            for row in mine:
                row.update(status=QUEUED, owner=None)
            return len(mine)

    def finish_job(self, job_id: str, owner: str, *, status: str, result: Any = None,
                   saves: Sequence[Save] = (), error: str | None = None,
                   error_status: int | None = None) -> str:
        lock, rows = self._jobs_table()
        with lock:  # a cancel waits for this lock: it comes before the save or after the end
            row = rows.get(job_id)
            if row is None or row["owner"] != owner or row["status"] != RUNNING:
                return CANCELLED if row is None else str(row["status"])
            for i, save in enumerate(saves):
                if save is not None:
                    result[i]["id"] = self.save_analysis(save[0], meta=save[1])
            row.update(status=status, result=copy.deepcopy(result), error=error, owner=None,
                       error_status=error_status, finished=None if status == QUEUED else _now(),
                       done=row["total"] if status == DONE else row["done"])
            return status

    def cancel_job(self, job_id: str) -> bool | None:
        lock, rows = self._jobs_table()
        with lock:
            row = rows.get(job_id)
            if row is None:
                return None
            if row["status"] not in ACTIVE:
                return False
            row.update(status=CANCELLED, owner=None, finished=_now())
            return True
