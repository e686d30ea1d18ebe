"""`create_app()`: the FastAPI app (pages, JSON twins, API, static files, error shape)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import jinja2
import markupsafe
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import unspin
from unspin.errors import InputError
from unspin.web import context as ctx
from unspin.web import contract, errors, sso, versions
from unspin.web.adapting import Adapter
from unspin.web.auth import AuthGate
from unspin.web.jobs import JobManager
from unspin.web.memstore import MemoryStore
from unspin.web.middleware import BodyLimit, HostOriginCheck, SecurityHeaders
from unspin.web.models import ModelRegistry
from unspin.web.ratelimit import RateLimit
from unspin.web.routes import ROUTERS
from unspin.web.runner import AnalyzerLike, InferenceRunner
from unspin.web.service import Service, StoreLike
from unspin.web.settings import WebSettings


def _web_path(name: str) -> str:
    return str(resources.files("unspin.web").joinpath(name))


def templates() -> jinja2.Environment:
    """The Jinja2 environment; autoescape is on for every template."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_web_path("templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals["version"] = unspin.__version__
    env.filters["technique_index"] = lambda name: ctx.technique_info(name)["index"]
    env.filters["inline_code"] = inline_code
    return env


def inline_code(text: str) -> markupsafe.Markup:
    """`text` escaped, with Markdown `code` spans as <code> (the API docstrings use them)."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return markupsafe.escape(text)
    return markupsafe.Markup("").join(markupsafe.Markup("<code>{}</code>").format(p) if i % 2
                                      else markupsafe.escape(p) for i, p in enumerate(parts))


def open_store(settings: WebSettings) -> StoreLike:
    """The project database when `settings.db` is set, else an in-memory store."""
    if settings.db is None:
        return MemoryStore()
    from unspin.store import Store

    return Store.open(settings.db)


def _load_default() -> AnalyzerLike:
    return unspin.load()


def create_app(analyzer: AnalyzerLike | None = None, *, store: StoreLike | None = None,
               settings: WebSettings | None = None) -> FastAPI:
    """The web app around `analyzer` (the shipped model, loaded on first use, if None)."""
    settings = settings or WebSettings.from_env()
    store = store if store is not None else open_store(settings)
    auth = settings.auth_on()
    if auth:
        check_accounts(settings, store)
    runner = InferenceRunner(analyzer, loader=_load_default, workers=settings.workers,
                             capacity=settings.queue_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.jobs.ensure_running()  # runs jobs queued before a restart
        yield
        await app.state.jobs.close()
        runner.close()

    app = FastAPI(
        title="unspin", version=unspin.__version__, lifespan=lifespan,
        description="Find, name and explain propaganda techniques in text. Every error answers "
                    '`{"ok": false, "error": "...", "status": N}`.',
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
        generate_unique_id_function=lambda route: route.name,  # operationIds: the function names
    )
    app.state.service = Service(settings, runner, store)
    app.state.models = app.state.service.models = ModelRegistry(runner, limit=settings.max_models)
    app.state.jobs = JobManager(app.state.service)
    app.state.adapter = Adapter(app.state.jobs, app.state.models, store)
    app.state.templates = templates()
    app.state.auth = auth
    errors.install(app)
    versions.install(app)
    for router in ROUTERS:  # in order: FastAPI matches paths in the order included
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=_web_path("static")), name="static")
    contract.install(app)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit)  # inside AuthGate: sees the user
    app.add_middleware(AuthGate, store=store if auth else None,
                       sso=sso.from_settings(settings) if auth else None)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(HostOriginCheck, allowed=settings.hosts(), origins=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(contract.HeadAsGet)
    return app


def check_accounts(settings: WebSettings, store: StoreLike) -> None:
    """With accounts on, refuse to start without a database or without an admin."""
    why = "--auth on" if settings.auth == "on" else f"listening on {settings.host}, beyond this machine"
    if not hasattr(store, "admin_count"):
        raise InputError(f"Accounts are on ({why}) and live in the database: serve with --db, not "
                         "--memory (or --auth off on a trusted network).")
    if store.admin_count() == 0 and not settings.sso_admins():
        shown = store.describe() if hasattr(store, "describe") else "DB"
        raise InputError(f"Accounts are on ({why}) but no admin exists yet: add one with "
                         f"`unspin users add NAME --role admin --db {shown}` (or map one with "
                         "--sso-role NAME=admin), then start again.")


def app_factory() -> Any:
    """For `uvicorn --factory unspin.web.app:app_factory` (settings from the environment)."""
    return create_app()
