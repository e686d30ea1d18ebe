"""`unspin serve --rate-limit N --fetch-concurrency N`: the options override the environment,
which overrides the WebSettings defaults; a real `unspin serve` process on 127.0.0.1 applies
both (429 past the rate, 503 past the fetches at once)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from unspin.web.settings import WebSettings

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))

from drip_server import drip_server, forever

SRC = Path(__file__).parents[2] / "src"


def default(name: str) -> Any:
    return next(f.default for f in fields(WebSettings) if f.name == name)


def test_options_environment_and_defaults(monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path) -> None:
    from unspin.cli.main import app
    from unspin.web import server

    seen: list[WebSettings] = []
    monkeypatch.setattr(server, "run", lambda web_app, settings, **kw: seen.append(settings))
    base = ["serve", "--memory", "--model", str(tiny_model_dir)]
    monkeypatch.delenv("UNSPIN_WEB_RATE_LIMIT", raising=False)
    monkeypatch.delenv("UNSPIN_WEB_FETCH_CONCURRENCY", raising=False)
    assert CliRunner().invoke(app, base).exit_code == 0
    assert seen[-1].rate_limit == default("rate_limit") == 300
    assert seen[-1].fetch_concurrency == default("fetch_concurrency") == 4
    monkeypatch.setenv("UNSPIN_WEB_RATE_LIMIT", "50")
    assert CliRunner().invoke(app, base).exit_code == 0 and seen[-1].rate_limit == 50
    result = CliRunner().invoke(app, [*base, "--rate-limit", "0", "--fetch-concurrency", "2"])
    assert result.exit_code == 0, result.output
    assert (seen[-1].rate_limit, seen[-1].fetch_concurrency) == (0, 2)
    bad = CliRunner().invoke(app, [*base, "--rate-limit", "-1", "--fetch-concurrency", "0"])
    assert bad.exit_code == 2 and "rate_limit must be 0 (no limit) or more" in bad.output
    assert "fetch_concurrency must be at least 1" in bad.output
    helped = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output
    assert f"(default: {default('rate_limit')})" in " ".join(helped.split())


def test_a_served_process_applies_both(tiny_model_dir: Path, tmp_path: Path) -> None:
    from test_jobs_shared import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "UNSPIN_WEB_FETCH_TIMEOUT": "1.5"}
    with drip_server(lambda _path: forever(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"), pause=0.2) as web:
        proc = subprocess.Popen([sys.executable, "-c", "from unspin.cli.main import app; app()", "serve",
                                 "--host", "127.0.0.1", "--port", str(port), "--memory", "--processes", "1",
                                 "--model", str(tiny_model_dir), "--fetch-allow-network", "127.0.0.1/32",
                                 "--rate-limit", "4", "--fetch-concurrency", "1"], env=env)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=30) as c, ThreadPoolExecutor(2) as pool:
                first = pool.submit(c.post, "/api/analyze", json={"url": f"{web}/a"})
                time.sleep(0.5)  # the first fetch is under way
                second = c.post("/api/analyze", json={"url": f"{web}/b"})
                assert second.status_code == 503 and "fetching 1 URLs" in second.json()["error"]
                assert first.result().status_code == 504
                assert [c.get("/api/version").status_code for _ in range(3)] == [200, 200, 429]
                limited = c.get("/api/version")
                assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
                assert "at most 4 a minute" in limited.json()["error"]
        finally:
            proc.terminate()
            proc.wait(30)
