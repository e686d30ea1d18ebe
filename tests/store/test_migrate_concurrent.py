"""Migrations started by several processes at once on a fresh database (SQLite and PostgreSQL):
each one opens the store, none fails with `table alembic_version already exists`."""

from __future__ import annotations

import subprocess
import sys
import time

OPENER = """
import sys, time
from unspin.store import Store
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # all of them at the same moment
store = Store.open(sys.argv[1], create=True)
print(store.document_count())
"""


def test_migrations_started_four_times_at_once(any_url: str) -> None:
    start = time.time() + 3.0  # after the interpreters have started
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, any_url, str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, err
        assert out.strip() == "0"
    from unspin.store import Store
    from unspin.store.migrate import current, head

    assert current(Store.open(any_url).engine) == head()
