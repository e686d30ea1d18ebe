"""`unspin serve`: the web app and HTTP API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: 127.0.0.1]; 0.0.0.0 "
                                                  "exposes it to the network.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8000].")] = None,
    db: Annotated[str | None, typer.Option(help="Database URL or SQLite file (default: UNSPIN_DB or "
                                                "the user data folder).")] = None,
    memory: Annotated[bool, typer.Option("--memory", help="Keep saved analyses in memory only.")] = False,
    model: Annotated[str | None, typer.Option(help="accurate (default), fast, or a model folder "
                                                   "(default: UNSPIN_MODEL or accurate).")] = None,
    max_body_bytes: Annotated[int | None, typer.Option(help="Request body limit (default 2 MB).")] = None,
    queue_size: Annotated[int | None, typer.Option(help="Analyses running or waiting before 503.")] = None,
    workers: Annotated[int | None, typer.Option(help="Inference threads.")] = None,
    threshold: Annotated[float | None, typer.Option(help="Default span threshold (0-1).")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Name stored with review corrections when the "
                                                      "page gives none.")] = None,
) -> None:
    """Start the web app: paste a text or URL in the browser, or use the HTTP API."""
    from unspin.web.server import build, is_loopback, run
    from unspin.web.settings import WebSettings

    with user_errors():
        settings = WebSettings.from_env(host=host, port=port, db=db, max_body_bytes=max_body_bytes,
                                        queue_size=queue_size, workers=workers, threshold=threshold,
                                        reviewer=reviewer)
        web_app = build(settings, model=model, memory=memory)
    if not is_loopback(settings.host):
        print(f"warning: listening on {settings.host}: anyone who can reach it can use it.", file=sys.stderr)
    print(f"unspin: http://{settings.host}:{settings.port}/ (API reference at /docs)", file=sys.stderr)
    run(web_app, settings)
