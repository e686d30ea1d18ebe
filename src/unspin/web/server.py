"""Running the app with uvicorn: what `unspin serve` calls."""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Any

from unspin import config
from unspin.web.settings import ENV_PREFIX, WebSettings, is_loopback

__all__ = ["build", "is_loopback", "run", "settings_env", "worker_app"]

log = logging.getLogger("unspin.web")


def build(settings: WebSettings, *, model: str | None = None, memory: bool = False,
          create: bool = False) -> Any:
    """The app with its model loaded now (not on the first request) and its store opened."""
    import unspin
    from unspin.web.app import check_accounts, create_app
    from unspin.web.memstore import MemoryStore

    if memory:
        store: Any = MemoryStore()
    else:
        from unspin.store import Store

        store = Store.open(settings.db, create=True if create else None)
    if settings.auth_on():  # refuse before spending a while on the model
        check_accounts(settings, store)
    return create_app(unspin.load(model), store=store, settings=settings)


def settings_env(settings: WebSettings, *, model: str | None = None) -> dict[str, str]:
    """`UNSPIN_WEB_*` variables that rebuild `settings` in a worker process."""
    env = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if value is None:
            continue
        env[ENV_PREFIX + field.name.upper()] = ",".join(value) if isinstance(value, tuple) else str(value)
    if model:
        env["UNSPIN_MODEL"] = model
    return env


def worker_app() -> Any:
    """The app in one of several worker processes (`uvicorn --factory`): settings from the
    environment `run` prepared, the model loaded before the first request."""
    settings = WebSettings.from_env()
    return build(settings, model=config.env("UNSPIN_MODEL"), create=True)


def run(app: Any, settings: WebSettings, *, log_level: str = "info", processes: int = 1,
        model: str | None = None) -> None:
    """Serve `app` on `settings.host:settings.port` until interrupted. With `processes` > 1,
    uvicorn starts that many worker processes, each building its own app (`worker_app`).

    On SIGTERM / Ctrl-C the server stops accepting, lets requests in flight finish for up to
    `request_timeout` seconds, and answers any still queued with 503 (never 500)."""
    import uvicorn

    options: dict[str, Any] = dict(host=settings.host, port=settings.port, log_level=log_level,
                                   proxy_headers=False, server_header=False, timeout_keep_alive=30,
                                   timeout_graceful_shutdown=max(1, int(settings.request_timeout)))
    if processes > 1:
        os.environ.update(settings_env(settings, model=model))
        uvicorn.run("unspin.web.server:worker_app", factory=True, workers=processes, **options)
    else:
        uvicorn.run(app, **options)
