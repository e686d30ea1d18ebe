"""The audit log: who deleted, corrected, marked reviewed, exported or changed a user, and
when; mixed into `Store`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from unspin.store import records
from unspin.store.schema import audit


class AuditMixin:
    """Append to and read the audit log (needs `read()`/`write()`)."""

    read: Any
    write: Any

    def log_action(self, actor: str, action: str, target: str | None = None,
                   detail: dict[str, Any] | None = None) -> None:
        """Append one entry: `actor` did `action` to `target` (an analysis id or user name)."""
        with self.write() as conn:
            conn.execute(insert(audit).values(at=records.now(), actor=actor[:100], action=action[:32],
                                              target=target, detail=detail or {}))

    def audit_log(self, *, limit: int = 100, offset: int = 0, actor: str | None = None,
                  action: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
        """Entries newest first, optionally only one actor's or one action's."""
        query = select(audit).order_by(audit.c.id.desc()).limit(limit).offset(offset)
        if actor:
            query = query.where(audit.c.actor == actor)
        if action:
            query = query.where(audit.c.action == action)
        if since is not None:
            query = query.where(audit.c.at >= since)
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [{"id": r.id, "at": r.at.isoformat(timespec="seconds") + "Z", "actor": r.actor,
                 "action": r.action, "target": r.target, "detail": r.detail} for r in rows]
