"""With accounts on, the logged-in user is the reviewer (a name in the request is ignored),
`export-annotations` carries it, and the audit log records who did what; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from auth_fixtures import accounts_store, auth_app, client, log_in
from typer.testing import CliRunner
from web_fakes import ARTICLE, FakeAnalyzer

from unspin.store.annotations import export_annotations
from unspin.web import WebSettings, create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(any_url: str) -> Any:
    s = accounts_store(any_url)
    yield s
    s.close()


async def test_the_reviewer_is_the_logged_in_user(fake: FakeAnalyzer, store: Any, tmp_path: Path) -> None:
    app = auth_app(fake, store)
    async with client(app) as rev:
        await log_in(rev, "rev")
        aid = (await rev.post("/api/analyze", json={"text": ARTICLE})).json()["id"]
        fixed = await rev.post(f"/api/analyses/{aid}/review",
                               json={"action": "reject", "span": "m0", "reviewer": "alice"})
        assert fixed.status_code == 200 and fixed.json()["correction"]["reviewer"] == "rev"
        marked = await rev.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": True, "reviewer": "alice"})
        assert marked.json()["reviewed"]["reviewer"] == "rev"
        page = await rev.get(f"/a/{aid}")
        assert 'value="rev" readonly' in page.text and "your login" in page.text
        state = (await rev.get(f"/api/analyses/{aid}/review")).json()
        assert [c["reviewer"] for c in state["corrections"]] == ["rev"]
    export_annotations(store, tmp_path / "out", fmt="jsonl")
    [line] = (tmp_path / "out" / "annotations.jsonl").read_text().splitlines()
    exported = json.loads(line)
    assert exported["reviewers"] == ["rev"] and exported["reviewed"]["reviewer"] == "rev"


async def test_the_audit_log_says_who_did_what(fake: FakeAnalyzer, store: Any, any_url: str) -> None:
    app = auth_app(fake, store)
    async with client(app) as rev, client(app) as ada:
        await log_in(rev, "rev")
        await log_in(ada, "ada")
        aid = (await rev.post("/api/analyze", json={"text": ARTICLE, "title": "Mob"})).json()["id"]
        await rev.post(f"/api/analyses/{aid}/review", json={"action": "relabel", "span": "m0",
                                                           "technique": "Doubt"})
        await rev.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": True})
        await rev.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": False})
        assert (await ada.get("/history/export.jsonl")).status_code == 200
        assert (await ada.delete(f"/api/analyses/{aid}")).status_code == 200
        log = (await ada.get("/api/audit")).json()["entries"]
        assert [(e["actor"], e["action"], e["target"]) for e in log] == [
            ("ada", "delete", aid), ("ada", "export", None), ("rev", "unreviewed", aid),
            ("rev", "reviewed", aid), ("rev", "review", aid)]
        assert log[0]["detail"] == {"title": "Mob"}
        assert log[1]["detail"] == {"count": 1, "query": None, "chosen": False}
        assert log[4]["detail"] == {"action": "relabel", "span": "m0", "technique": "Doubt",
                                    "reviewer": "rev"}
        only = (await ada.get("/api/audit?user=rev&action=reviewed")).json()["entries"]
        assert [e["action"] for e in only] == ["reviewed"]
        assert (await rev.get("/api/audit")).status_code == 403
    from unspin.cli.main import app as cli

    printed = CliRunner().invoke(cli, ["audit", "--db", any_url, "--limit", "2"])
    assert printed.exit_code == 0
    rows = [line.split("\t") for line in printed.stdout.splitlines()]
    assert [(r[1], r[2], r[3]) for r in rows] == [("ada", "delete", aid), ("ada", "export", "-")]


def test_with_accounts_off_the_log_names_the_address(fake: FakeAnalyzer, sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    from unspin.store import Store

    with Store.open(sqlite_url) as store:
        app = create_app(fake, store=store, settings=WebSettings(auth="off", reviewer="desk"))
        with TestClient(app) as c:
            aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
            fixed = c.post(f"/api/analyses/{aid}/review", json={"action": "accept", "span": "m0",
                                                                 "reviewer": "bea"})
            assert fixed.json()["correction"]["reviewer"] == "bea"  # free text counts with accounts off
            assert c.delete(f"/api/analyses/{aid}").status_code == 200
            assert c.get("/api/me").json() == {"ok": True, "auth": False, "user": None}
        assert [(e["actor"], e["action"]) for e in store.audit_log()] == [
            ("anonymous@testclient", "delete"), ("anonymous@testclient", "review")]
