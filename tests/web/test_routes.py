"""`unspin.web.routes.ROUTERS` is the one list of the app's routers: every APIRouter defined
under `web/routes/` is in it exactly once, and every route of the app comes from it (or is
the static files mount or the OpenAPI document), in its order, so a new router cannot be
forgotten."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from unspin.web import routes
from unspin.web.routes import ROUTERS

OWN = {"/openapi.json"}  # FastAPI's own route, not a router's
MOUNTS = {"/static"}


def route_modules() -> list[ModuleType]:
    """Every module under `web/routes/` (the dashboard's only with the corpus extra)."""
    found = []
    for info in pkgutil.iter_modules(routes.__path__):
        try:
            found.append(importlib.import_module(f"{routes.__name__}.{info.name}"))
        except ImportError:
            assert info.name == "dashboard", info.name  # only it needs an extra (SQLAlchemy)
    return found


def defined_routers() -> dict[int, str]:
    """Every APIRouter defined under `web/routes/`, by id, named `module.variable`."""
    return {id(v): f"{m.__name__.rsplit('.', 1)[1]}.{k}" for m in route_modules()
            for k, v in vars(m).items() if isinstance(v, APIRouter)}


def origin(route: Any) -> APIRouter | None:
    """The router of ROUTERS an app route came from (FastAPI keeps the included router; older
    versions copied its routes); None when it came from none of them."""
    if hasattr(route, "original_router"):
        return next((r for r in ROUTERS if r is route.original_router), None)
    endpoint = getattr(route, "endpoint", None)
    return next((r for r in ROUTERS for own in r.routes if getattr(own, "endpoint", 0) is endpoint), None)


def unlisted(app: FastAPI) -> list[str]:
    """The app's routes that come from no router of ROUTERS (nor are the mount or OpenAPI)."""
    bad = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if (isinstance(route, Mount) and path in MOUNTS) or (path in OWN and not isinstance(route, APIRoute)):
            continue
        if origin(route) is None:
            router = getattr(route, "original_router", None)
            bad += [router.prefix + r.path for r in router.routes] if router else [path]
    return bad


def test_every_router_under_routes_is_listed_once():
    defined = defined_routers()
    listed = [defined.get(id(r), repr(r)) for r in ROUTERS]
    assert len(defined) >= 14  # every module has one; adapt, history and login two
    assert [name for name in listed if listed.count(name) > 1] == []
    assert sorted(listed) == sorted(defined.values())


def test_every_app_route_comes_from_the_list_in_its_order(app: FastAPI):
    assert unlisted(app) == []
    included = [r.original_router for r in app.routes if hasattr(r, "original_router")]
    names = defined_routers()  # FastAPI (0.165) keeps each included router: ROUTERS, in order
    assert [names.get(id(r), repr(r)) for r in included] == [names[id(r)] for r in ROUTERS]
    paths = {getattr(r, "path", "") for r in app.routes}
    assert paths >= MOUNTS | OWN


def test_a_router_left_out_of_the_list_is_found(app: FastAPI):
    forgotten = APIRouter()

    @forgotten.get("/forgotten")
    async def forgotten_page() -> dict[str, Any]:
        return {}

    app.include_router(forgotten)
    assert unlisted(app) == ["/forgotten"]
