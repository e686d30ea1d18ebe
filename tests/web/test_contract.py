"""Schemathesis holds the API to its OpenAPI document (issue 33): every check, the examples,
coverage, fuzzing and stateful phases, against the app on the tiny model and a real SQLite
store, served by uvicorn on 127.0.0.1 with accounts on (an admin's API token), offline (a
`url` to fetch never resolves), bounded in examples and time. It must find nothing."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fakes import serve_in_thread

from unspin.web import WebSettings, create_app

pytest.importorskip("schemathesis")
pytest.importorskip("sqlalchemy")
EXAMPLES = 10  # per operation and phase
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names other than loopback do not resolve, as on a machine without a network: a `url`
    Schemathesis makes up is answered 502, never fetched."""
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "offline test: only loopback resolves")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


@pytest.fixture
def served(tmp_path: Path, tiny_analyzer: Any, offline: None) -> Iterator[tuple[str, str]]:
    """The app with accounts on, on the tiny model and SQLite; its URL and database URL."""
    url = f"sqlite:///{tmp_path / 'contract.db'}"
    settings = WebSettings(db=url, auth="on", queue_size=16, fetch_timeout=2.0, rate_limit=0)
    admin_token(url, "contract-admin")  # accounts on needs an admin before the app starts
    with serve_in_thread(create_app(tiny_analyzer, settings=settings)) as base:
        yield base, url


def admin_token(url: str, name: str) -> str:
    """A new admin `name` in the database at `url`, and an API token of theirs."""
    from unspin.store import Store

    with Store.open(url) as store:
        if store.get_user(name) is None:
            store.add_user(name, "admin", "contract-admin-password")
        return store.new_credential(name, "token")


def schemathesis(base: str, token: str, tmp_path: Path, *only: str, exclude: tuple[str, ...] = ()) -> str:
    """Run Schemathesis (every check and phase) on the operations `only` (default: all but
    `exclude`); its output, after asserting it found nothing."""
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    pick = [arg for op in only for arg in ("--include-operation-id", op)]
    pick += [arg for op in exclude for arg in ("--exclude-operation-id", op)]
    report = tmp_path / f"report-{len(only)}.json"
    run = subprocess.run(
        [cli, "--config-file", str(CONFIG), "run", f"{base}/openapi.json", "--checks", "all",
         "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(EXAMPLES),
         "--seed", "33", "--workers", "1", "--request-timeout", "20", "--suppress-health-check", "all",
         "-H", f"Authorization: Bearer {token}", "--report", "json", "--report-json-path", str(report),
         "--no-color", *pick],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    assert "Failures:" not in run.stdout and " passed" in run.stdout, run.stdout[-3000:]
    assert json.loads(report.read_text(encoding="utf-8"))
    return run.stdout


def test_schemathesis_finds_nothing(served: tuple[str, str], tmp_path: Path) -> None:
    base, url = served
    # The run's token would stop working where Schemathesis revokes it, removes its user or
    # makes them a reader (it learns the name from `GET /api/users`): with the only admin these
    # are refused; they run last, with a second admin to act on.
    destructive = ("revoke_tokens", "remove_user", "set_role")
    out = schemathesis(base, admin_token(url, "contract-admin"), tmp_path, exclude=destructive)
    assert "23 selected / 26 total" in out and "Stateful" in out, out[:2000]
    schemathesis(base, admin_token(url, "second-admin"), tmp_path, *destructive)
