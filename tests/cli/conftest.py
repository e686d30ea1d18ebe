"""CLI fixtures: the store's SQLite and PostgreSQL URLs (see tests/store/store_fixtures.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))

from store_fixtures import any_url, pg_url, sqlite_url  # noqa: F401
