"""`unspin purge` on a real SQLite file and PostgreSQL: says how many it removed, waits for
the keep period unless --all, and the audit log records it."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.doc import Document
from unspin.store import Store, records
from unspin.store.schema import analyses

runner = CliRunner()


def saved(store: Store, text: str) -> str:
    from unspin.doc import Analysis

    return store.save_analysis(Analysis(Document(text=text, meta={}), (), "m1"))


def test_purge_says_how_many_and_is_audited(any_url: str, monkeypatch) -> None:
    monkeypatch.delenv("UNSPIN_KEEP_DELETED_DAYS", raising=False)
    with Store.open(any_url) as store:
        old, new, kept = saved(store, "An old text."), saved(store, "A new text."), saved(store, "Kept.")
        assert store.delete_analysis(old) and store.delete_analysis(new)
        with store.write() as conn:
            conn.execute(update(analyses).where(analyses.c.id == old)
                         .values(deleted=records.now() - timedelta(days=40)))
    db = ["--db", any_url]
    first = runner.invoke(app, ["purge", *db])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == ("Purged 1 analyses (analyses deleted over 30 days ago) and 1 texts "
                                    "nothing else used; 1 deleted analyses wait for a later purge.")
    monkeypatch.setenv("UNSPIN_KEEP_DELETED_DAYS", "0")
    assert "Purged 1 analyses (analyses deleted over 0 days ago)" in runner.invoke(app, ["purge", *db]).stdout
    both = runner.invoke(app, ["purge", "--all", "--older-than", "3", *db])
    assert both.exit_code == 2 and "not both" in both.output
    last = runner.invoke(app, ["purge", "--all", *db])
    assert last.stdout.startswith("Purged 0 analyses (every deleted analysis)") and last.exit_code == 0
    log = [json.loads(line) for line in runner.invoke(app, ["audit", "--json", *db]).stdout.splitlines()]
    assert [(e["action"], e["detail"]) for e in log] == [
        ("purge", {"analyses": 0, "documents": 0, "older_than_days": None}),
        ("purge", {"analyses": 1, "documents": 1, "older_than_days": 0.0}),
        ("purge", {"analyses": 1, "documents": 1, "older_than_days": 30.0})]
    with Store.open(any_url) as store:
        assert [i["id"] for i in store.saved_analyses()["items"]] == [kept]
        assert store.get_analysis(old) is None and store.get_analysis(new) is None
