"""Durable background jobs (the web app's `/api/jobs`): one row per job, shared by every
server process on the database; mixed into `Store`.

A process admits a job only while fewer than `capacity` are queued or running in the whole
database, claims queued ones with a lease it renews while it runs them, and finishes one only
if it still holds it and nobody cancelled it, in the transaction that saves its analyses. A
job whose process died (its pid is gone on this machine, or its lease ran out) is queued
again, up to `MAX_ATTEMPTS` starts; then it fails with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update

from unspin.doc import Analysis
from unspin.store import records
from unspin.store.schema import KIND_SAVED, jobs
from unspin.store.work import _dead_owner

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
ACTIVE = (QUEUED, RUNNING)
MAX_ATTEMPTS = 3  # starts of one job (each ended by a dying server) before it fails
KEEP_DAYS = 7  # finished jobs are forgotten after this long (their analyses stay saved)
LOCK_KEY = 0x756E7370696A  # PostgreSQL advisory lock taken while admitting a job
STOPPED = (f"The server running this job stopped {MAX_ATTEMPTS} times before it finished; "
           "it is not tried again.")
Save = tuple[Analysis, dict[str, Any]] | None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def job_dict(row: Any, *, payload: bool = False) -> dict[str, Any]:
    """A job row as the web app's plain dict (the payload only when asked)."""
    out = {"id": row.id, "kind": row.kind, "status": row.status, "title": row.title,
           "words": row.words, "done": row.done, "total": row.total, "result": row.result,
           "error": row.error, "error_status": row.error_status, "attempts": row.attempts,
           "created": _iso(row.created), "finished": _iso(row.finished), "info": row.info,
           "user": row.submitted_by}
    if payload:
        out["payload"] = row.payload
    return out


class JobsMixin:
    """Jobs in the `jobs` table (needs `read()`/`write()`, `dialect` and `_save_rows`)."""

    read: Any
    write: Any
    dialect: str
    _save_rows: Any

    def add_job(self, job: dict[str, Any], *, capacity: int, per_user: int = 0) -> bool:
        """Queue `job` (id, kind, title, words, payload, and `user`: who submitted it, or
        None) unless `capacity` jobs are already queued or running in this database, or
        `per_user` (when above 0) of them are its user's (False then). Finished jobs older
        than `KEEP_DAYS` are forgotten on the way."""
        stamp = records.now()
        with self.write() as conn:
            if self.dialect == "postgresql":  # two processes must not both see room for one
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            conn.execute(delete(jobs).where(jobs.c.status.not_in(ACTIVE),
                                            jobs.c.finished < stamp - timedelta(days=KEEP_DAYS)))
            busy = conn.execute(select(func.count()).select_from(jobs)
                                .where(jobs.c.status.in_(ACTIVE))).scalar_one()
            if busy >= capacity:
                return False
            if per_user > 0 and job.get("user") is not None:
                theirs = conn.execute(select(func.count()).select_from(jobs).where(
                    jobs.c.status.in_(ACTIVE), jobs.c.submitted_by == job["user"])).scalar_one()
                if theirs >= per_user:
                    return False
            conn.execute(insert(jobs).values(
                id=job["id"], kind=job["kind"], status=QUEUED, title=job.get("title"),
                words=int(job.get("words") or 0), done=0, total=0, payload=job["payload"],
                info=job.get("info"),
                attempts=0, created=stamp, submitted_by=job.get("user")))
        return True

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else job_dict(row)

    def active_jobs(self, *, limit: int = 50, user: str | None = None) -> list[dict[str, Any]]:
        """Queued and running jobs, newest first (only those `user` submitted, when given)."""
        query = select(jobs).where(jobs.c.status.in_(ACTIVE))
        if user is not None:
            query = query.where(jobs.c.submitted_by == user)
        with self.read() as conn:
            rows = conn.execute(query.order_by(jobs.c.created.desc(), jobs.c.id).limit(limit)).all()
        return [job_dict(r) for r in rows]

    def claim_job(self, owner: str, *, lease: float) -> dict[str, Any] | None:
        """The oldest queued job, now running under `owner`'s lease for `lease` seconds (with
        its payload), or None. Jobs of dead processes are queued again (or failed) first."""
        self._recover_jobs()
        for _ in range(5):  # another process may take the one chosen first
            with self.read() as conn:
                found = conn.execute(select(jobs.c.id).where(jobs.c.status == QUEUED)
                                     .order_by(jobs.c.created, jobs.c.id).limit(1)).first()
            if found is None:
                return None
            stamp = records.now()
            with self.write() as conn:
                took = conn.execute(update(jobs).where(jobs.c.id == found.id, jobs.c.status == QUEUED)
                                    .values(status=RUNNING, owner=owner, attempts=jobs.c.attempts + 1,
                                            lease_expires=stamp + timedelta(seconds=lease)))
                if took.rowcount == 1:
                    row = conn.execute(select(jobs).where(jobs.c.id == found.id)).one()
                    return job_dict(row, payload=True)
        return None

    def _recover_jobs(self) -> None:
        """Queue again the running jobs whose lease ran out or whose process on this machine
        is gone; fail those started `MAX_ATTEMPTS` times already."""
        stamp = records.now()
        with self.read() as conn:
            rows = conn.execute(select(jobs.c.id, jobs.c.owner, jobs.c.lease_expires)
                                .where(jobs.c.status == RUNNING)).all()
        lost = [r for r in rows if r.lease_expires is None or r.lease_expires < stamp
                or _dead_owner(r.owner or "")]
        if not lost:
            return
        with self.write() as conn:
            for r in lost:  # only if it is still the same lost run
                mine = (jobs.c.id == r.id, jobs.c.status == RUNNING, jobs.c.owner == r.owner)
                conn.execute(update(jobs).where(*mine, jobs.c.attempts >= MAX_ATTEMPTS)
                             .values(status=FAILED, error=STOPPED, error_status=500, owner=None,
                                     lease_expires=None, finished=stamp))
                conn.execute(update(jobs).where(*mine, jobs.c.attempts < MAX_ATTEMPTS)
                             .values(status=QUEUED, owner=None, lease_expires=None))

    def renew_jobs(self, owner: str, *, lease: float) -> None:
        """Extend the leases of every job `owner` is running."""
        with self.write() as conn:
            conn.execute(update(jobs).where(jobs.c.owner == owner, jobs.c.status == RUNNING)
                         .values(lease_expires=records.now() + timedelta(seconds=lease)))

    def job_progress(self, job_id: str, owner: str, done: int, total: int, *,
                     info: dict[str, Any] | None = None) -> bool:
        """Record progress (and the job's new `info`, when given); False when the job is no
        longer `owner`'s to run (cancelled)."""
        values: dict[str, Any] = {"done": done, "total": max(total, done)}
        if info is not None:
            values["info"] = info
        with self.write() as conn:
            found = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.owner == owner,
                                                    jobs.c.status == RUNNING)
                                 .values(**values))
        return found.rowcount == 1

    def release_jobs(self, owner: str) -> int:
        """Queue again every job `owner` is running (a server shutting down)."""
        with self.write() as conn:
            found = conn.execute(update(jobs).where(jobs.c.owner == owner, jobs.c.status == RUNNING)
                                 .values(status=QUEUED, owner=None, lease_expires=None))
        return int(found.rowcount)

    def finish_job(self, job_id: str, owner: str, *, status: str, result: Any = None,
                   saves: Sequence[Save] = (), error: str | None = None,
                   error_status: int | None = None) -> str:
        """End the job `owner` runs with `status` and `result`, saving each analysis in `saves`
        (its id goes into `result[i]["id"]`), all in one transaction that first checks the job
        is still `owner`'s and not cancelled: a cancelled job saves nothing. `status` queued
        gives the job back to the queue. Returns the job's status afterwards."""
        stamp = records.now()
        rows = []
        for i, save in enumerate(saves):
            if save is not None:
                analysis, meta = save
                doc_row = records.document_row(analysis.doc, in_corpus=False)
                found = records.analysis_rows(analysis, doc_row, kind=KIND_SAVED, meta=meta)
                result[i]["id"] = found["analyses"][0]["id"]
                rows.append((doc_row, found))
        with self.write() as conn:
            took = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.owner == owner,
                                                   jobs.c.status == RUNNING)
                                .values(status=status, result=result, error=error, owner=None,
                                        error_status=error_status, lease_expires=None,
                                        finished=None if status == QUEUED else stamp,
                                        done=jobs.c.total if status == DONE else jobs.c.done))
            if took.rowcount != 1:
                return str(conn.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar()
                           or CANCELLED)
            for doc_row, found in rows:
                self._save_rows(conn, doc_row, found)
        return status

    def cancel_job(self, job_id: str) -> bool | None:
        """Cancel a queued or running job: True; False when it had already finished; None
        when there is no such job."""
        with self.write() as conn:
            took = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE))
                                .values(status=CANCELLED, owner=None, lease_expires=None,
                                        finished=records.now()))
            if took.rowcount == 1:
                return True
            return False if conn.execute(select(jobs.c.id).where(jobs.c.id == job_id)).first() else None
