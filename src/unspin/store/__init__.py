"""Persistence: documents and analyses in SQLite (default) or PostgreSQL, and corpus analytics.

    >>> from unspin.store import Store                    # doctest: +SKIP
    >>> store = Store.open()                              # doctest: +SKIP
    >>> analysis_id = store.save_analysis(analysis)       # doctest: +SKIP
    >>> store.get_analysis(analysis_id)["spans"]          # doctest: +SKIP

Where: `Store.open(url)` takes a SQLAlchemy URL (`sqlite:///path.db`,
`postgresql://user:pw@host/db`, run through psycopg 3) or a plain file path; without one it
uses `UNSPIN_DB`, else `unspin.db` in the user's data folder (platformdirs; `UNSPIN_DATA_DIR`
overrides). Opening runs the Alembic migrations shipped in `store/migrations` up to head.

Tables: `documents` (keyed by the sha256 of the text, so a text is stored once; `source`,
`url`, `title`, `published`, `in_corpus` for imported ones), `analyses` (one row per analysis;
`kind` is "batch" for corpus runs, unique per document and model version, or "saved" for
analyses saved from the web app, whose id is the permalink token), `spans` (offsets,
technique, score, cues), `technique_counts` and `cues` (per-analysis rollups the analytics
queries group; source and day/week/month buckets are copied in to avoid joins).

Concurrency: writes go through `Store.write()`, one transaction at a time per database in a
process (a lock), and SQLite runs in WAL mode with a busy timeout, so readers never wait for
the writer and other processes queue behind it. `save_batch` writes a whole batch in one
transaction, so a killed run loses at most that batch and never leaves half a document.

The package imports the core (`doc`, `taxonomy`, `errors`) only, never the model packages
(`unspin.runtime`, `unspin.tuning`, `unspin.training`).
"""

from __future__ import annotations

from unspin.store.engine import default_url, resolve_url
from unspin.store.store import Added, Store

__all__ = ["Added", "Store", "default_url", "resolve_url"]
