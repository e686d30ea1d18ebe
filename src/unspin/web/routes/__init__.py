"""Every router of the web app, in `ROUTERS`: `create_app` includes them in this order (the
order FastAPI matches paths in), so a new router goes into this list and nowhere else.

`*_api` modules answer JSON under `/api` (in the OpenAPI document); `*_pages` modules serve
HTML pages and their JSON twins; `adapt`, `history` and `login` have one router of each.
The corpus dashboard is in the list when the corpus extra (SQLAlchemy) is installed."""

from __future__ import annotations

from fastapi import APIRouter

from unspin.web.routes import (
    adapt,
    analyze_api,
    analyze_pages,
    history,
    jobs_api,
    jobs_pages,
    login,
    models_api,
    reference_pages,
    review_api,
    users_api,
)


def _dashboard() -> list[APIRouter]:
    """The corpus dashboard's router, or none without the corpus extra."""
    try:
        from unspin.web.routes import dashboard
    except ImportError:
        return []
    return [dashboard.router]


ROUTERS: list[APIRouter] = [
    analyze_api.router,
    jobs_api.router,
    models_api.router,
    adapt.router,
    adapt.pages,
    history.api,
    review_api.api,
    login.api,
    users_api.api,
    login.router,
    history.router,
    analyze_pages.router,
    jobs_pages.router,
    reference_pages.router,
    *_dashboard(),
]
