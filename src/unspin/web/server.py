"""Running the app with uvicorn: what `unspin serve` calls."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from unspin.web.settings import WebSettings

log = logging.getLogger("unspin.web")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build(settings: WebSettings, *, model: str | None = None, memory: bool = False) -> Any:
    """The app with its model loaded now (not on the first request) and its store opened."""
    import unspin
    from unspin.web.app import create_app
    from unspin.web.memstore import MemoryStore

    analyzer = unspin.load(model)
    if memory:
        store: Any = MemoryStore()
    else:
        from unspin.store import Store

        store = Store.open(settings.db)
    return create_app(analyzer, store=store, settings=settings)


def run(app: Any, settings: WebSettings, *, log_level: str = "info") -> None:
    """Serve `app` on `settings.host:settings.port` until interrupted."""
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level,
                proxy_headers=False, server_header=False, timeout_graceful_shutdown=5,
                timeout_keep_alive=30)
