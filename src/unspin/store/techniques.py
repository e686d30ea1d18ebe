"""Techniques reviewers added while correcting spans (a name and a definition, outside the
models' lists): stored once, offered to every reviewer afterwards; mixed into `Store`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from unspin.store import records
from unspin.store.schema import added_techniques


class TechniquesMixin:
    """Add and list reviewer-added techniques (needs `read()`/`write()`)."""

    read: Any
    write: Any

    def add_technique(self, name: str, definition: str, reviewer: str) -> dict[str, Any]:
        """Store the technique `name` (the first definition given stays); returns it."""
        try:
            with self.write() as conn:
                conn.execute(insert(added_techniques), [{"name": name, "definition": definition,
                                                         "reviewer": reviewer, "created": records.now()}])
        except IntegrityError:  # added before, here or by another process: keep the first
            pass
        return next(t for t in self.added_techniques() if t["name"] == name)

    def added_techniques(self) -> list[dict[str, Any]]:
        """Every reviewer-added technique, oldest first: `name`, `definition`, `reviewer`, `at`."""
        with self.read() as conn:
            rows = conn.execute(select(added_techniques).order_by(added_techniques.c.created,
                                                                  added_techniques.c.name)).all()
        return [{"name": r.name, "definition": r.definition, "reviewer": r.reviewer,
                 "at": r.created.isoformat(timespec="seconds") + "Z"} for r in rows]
