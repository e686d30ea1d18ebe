"""Store fixtures (SQLite and PostgreSQL); see store_fixtures.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
sys.path.insert(0, str(Path(__file__).parent))  # ray_cluster
# Ray on 127.0.0.1 only: without this a Linux node registers (and is reached) on its LAN address.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

from store_fixtures import any_url, pg_url, sqlite_url, store  # noqa: F401
