"""`unspin serve`: the web app and HTTP API."""

from __future__ import annotations

import sys
from dataclasses import fields
from typing import Annotated, Any

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app
from unspin.web.settings import WebSettings


def _default(name: str) -> Any:
    """The default of the web setting `name` (WebSettings is the one place it is set)."""
    return next(f.default for f in fields(WebSettings) if f.name == name)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: 127.0.0.1); 0.0.0.0 "
                                                  "exposes it to the network.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: 8000).")] = None,
    db: Annotated[str | None, typer.Option(help="Database URL or SQLite file (default: UNSPIN_DB or "
                                                "the user data folder).")] = None,
    memory: Annotated[bool, typer.Option("--memory", help="Keep saved analyses in memory only.")] = False,
    model: Annotated[str | None, typer.Option(help="accurate (default), fast, or a model folder "
                                                   "(default: UNSPIN_MODEL or accurate).")] = None,
    max_body_bytes: Annotated[int | None, typer.Option(help="Request body limit (default 2 MB).")] = None,
    queue_size: Annotated[int | None, typer.Option(
        help=f"Analyses running or waiting before 503 (default: {_default('queue_size')}).")] = None,
    workers: Annotated[int | None, typer.Option(help="Inference threads per process (default: 2).")] = None,
    threshold: Annotated[float | None, typer.Option(
        help="Default least span score shown (0-1); default: the model's.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Name stored with review corrections when the "
                                                      "page gives none.")] = None,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", help="A host name the server answers for (repeat); '*' for any. Localhost, "
                               "IP addresses and the --host name are always allowed.")] = None,
    processes: Annotated[int | None, typer.Option(
        min=0, help="Worker processes (default: one per 2 CPUs, at most 4; 1 with --memory).")] = None,
    fetch_allow_network: Annotated[list[str] | None, typer.Option(
        "--fetch-allow-network",
        help="A private network URL fetching may reach, e.g. an intranet's 10.0.0.0/8 (repeat). "
             "By default only public addresses are fetched.")] = None,
    # bounded work per client (the rate_limit and fetch_concurrency settings)
    rate_limit: Annotated[int | None, typer.Option(
        help="API requests a minute per user (per client address with --auth off), 0 for no limit "
             f"(default: {_default('rate_limit')}).")] = None,
    fetch_concurrency: Annotated[int | None, typer.Option(
        help=f"URL fetches at once per process (default: {_default('fetch_concurrency')}).")] = None,
    create: Annotated[bool, typer.Option("--create", help="Create the database folder if missing.")] = False,
    auth: Annotated[str | None, typer.Option(
        help="Accounts: on, off, or auto (default: auto: on unless listening on loopback only). With "
             "accounts on, every page and API call needs a login or an API token (see `unspin users`)."
    )] = None,
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies", help="Mark the login cookie Secure (serving through a TLS reverse proxy)."
    )] = False,
    trusted_user_header: Annotated[str | None, typer.Option(
        help="SSO: the header an authenticating proxy (oauth2-proxy) names the user in, e.g. "
             "X-Forwarded-User. Needs --trusted-proxy; turns accounts on.")] = None,
    trusted_proxy: Annotated[list[str] | None, typer.Option(
        "--trusted-proxy", help="The proxy's address or network (repeat): the header is ignored from "
                                "any other peer.")] = None,
    sso_role: Annotated[list[str] | None, typer.Option(
        "--sso-role", help="NAME=ROLE for a user the proxy signs in (repeat); *=ROLE sets the default "
                           "(default: reader).")] = None,
) -> None:
    """Start the web app: paste a text or URL in the browser, or use the HTTP API."""
    from unspin.web.server import build, is_loopback, run

    with user_errors():
        settings = WebSettings.from_env(host=host, port=port, db=db, max_body_bytes=max_body_bytes,
                                        queue_size=queue_size, workers=workers, threshold=threshold,
                                        reviewer=reviewer,
                                        allowed_hosts=tuple(allowed_host) if allowed_host else None,
                                        processes=processes, auth=auth,
                                        secure_cookies=True if secure_cookies else None,
                                        fetch_allow_networks=tuple(fetch_allow_network) if fetch_allow_network
                                        else None, trusted_user_header=trusted_user_header,
                                        trusted_proxies=tuple(trusted_proxy) if trusted_proxy else None,
                                        sso_roles=tuple(sso_role) if sso_role else None,
                                        rate_limit=rate_limit, fetch_concurrency=fetch_concurrency)
        count = settings.process_count(memory=memory)
        if count > 1:  # each worker process opens it too: check it (and make its folder) once here
            from unspin.store import Store

            with Store.open(settings.db, create=True if create else None) as store:
                if settings.auth_on():
                    from unspin.web.app import check_accounts

                    check_accounts(settings, store)
            web_app = None
        else:
            web_app = build(settings, model=model, memory=memory, create=create)
    if not settings.auth_on() and not is_loopback(settings.host):
        print(f"warning: listening on {settings.host} with --auth off: anyone who can reach it can use it.",
              file=sys.stderr)
    elif settings.auth_on():
        print("unspin: accounts are on: log in at /login, or send `Authorization: Bearer TOKEN`.",
              file=sys.stderr)
        if settings.trusted_user_header:
            print(f"unspin: signing in whoever {settings.trusted_user_header} names on requests from "
                  f"{', '.join(settings.trusted_proxies)} only.", file=sys.stderr)
    shown = f" with {count} worker processes" if count > 1 else ""
    print(f"unspin: http://{settings.host}:{settings.port}/{shown} (API reference at /docs)", file=sys.stderr)
    run(web_app, settings, processes=count, model=model)
