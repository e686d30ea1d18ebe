"""Settings (defaults, environment, explicit values) and the `unspin serve` command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from unspin.errors import InputError
from unspin.web.settings import WebSettings


def test_settings_precedence() -> None:
    env = {"UNSPIN_WEB_PORT": "9001", "UNSPIN_WEB_MAX_BODY_BYTES": "1000", "UNSPIN_DB": "x.db",
           "UNSPIN_WEB_FETCH_ALLOW_NETWORKS": "10.0.0.0/8, 192.168.0.0/16"}
    s = WebSettings.from_env(env, port=9002, queue_size=None)
    assert s.port == 9002 and s.max_body_bytes == 1000 and s.db == "x.db" and s.queue_size == 8
    assert s.fetch_allow_networks == ("10.0.0.0/8", "192.168.0.0/16")
    assert WebSettings.from_env({}).host == "127.0.0.1"


@pytest.mark.parametrize("values,message", [
    ({"port": 0}, "port"), ({"max_body_bytes": 0}, "max_body_bytes"), ({"threshold": 2.0}, "threshold"),
    ({"fetch_timeout": 0}, "fetch_timeout"),
])
def test_settings_validate(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        WebSettings(**values)
    with pytest.raises(InputError, match="UNSPIN_WEB_PORT"):
        WebSettings.from_env({"UNSPIN_WEB_PORT": "eighty"})


def test_serve_command(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.cli.main import app
    from unspin.web import server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(server, "run", lambda web_app, settings, **kw: seen.update(app=web_app, s=settings))
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--memory", "--model", str(tiny_model_dir),
                                      "--max-body-bytes", "5000"])
    assert result.exit_code == 0, result.output
    assert seen["s"].port == 8123 and seen["s"].host == "127.0.0.1" and seen["s"].max_body_bytes == 5000
    assert seen["app"].state.service.runner.model_name == "tiny-random"


def test_serve_reports_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.cli.main import app

    result = CliRunner().invoke(app, ["serve", "--port", "70000", "--memory"])
    assert result.exit_code == 2 and "port must be" in result.output
