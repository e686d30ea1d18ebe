"""The login page (name and password; failed logins rate limited per name and address),
logout, and `GET /api/me`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from unspin.store import records
from unspin.web.auth import COOKIE, cookie, current_user
from unspin.web.schemas import spec
from unspin.web.schemas_review import Me
from unspin.web.views import read_form, render, service

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["accounts"])
MAX_FIELD = 200


def safe_next(value: Any) -> str:
    """Where to go after logging in: a path on this site only (never `//host` or a URL)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")) \
            and "\n" not in value and "\r" not in value:
        return value[:2000]
    return "/"


def login_page(request: Request, *, next_: str, name: str = "", error: str | None = None,
               status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return render(request, "login.html", {"page": "login", "title": "Log in", "next": next_, "name": name,
                                          "error": error}, status=status,
                  headers={"Cache-Control": "no-store", **(headers or {})})


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if not request.app.state.auth or current_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_page(request, next_=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the name and password; on success a session cookie and a redirect to `next`."""
    if not request.app.state.auth:
        return RedirectResponse("/", status_code=303)
    form = await read_form(request)
    name = str(form.get("name") or "").strip().lower()[:MAX_FIELD]
    password = str(form.get("password") or "")[:1000]
    next_ = safe_next(form.get("next"))
    svc = service(request)
    store, settings = svc.store, svc.settings
    address = request.client.host if request.client else "?"
    now = records.now()
    window = timedelta(seconds=settings.login_window)
    failures, oldest = await run_in_threadpool(store.login_failures, name, address, now - window)
    if failures >= settings.login_failures:
        wait = max(1, int(((oldest + window) - now).total_seconds()) + 1) if oldest else 1
        return login_page(request, next_=next_, name=name, status=429, headers={"Retry-After": str(wait)},
                          error=f"Too many failed logins for this name from your address: try again in "
                                f"{wait} s.")
    user = await run_in_threadpool(store.check_password, name, password) if name and password else None
    if user is None:
        await run_in_threadpool(store.add_login_failure, name, address, forget_before=now - window)
        return login_page(request, next_=next_, name=name, status=401, error="Wrong name or password.")
    await run_in_threadpool(store.clear_login_failures, name, address)
    secret = await run_in_threadpool(store.new_credential, user["name"], "session",
                                     hours=settings.session_hours)
    response = RedirectResponse(next_, status_code=303)
    response.set_cookie(COOKIE, secret, max_age=int(settings.session_hours * 3600), path="/", httponly=True,
                        samesite="lax", secure=settings.secure_cookies or request.url.scheme == "https")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End this session (the cookie stops working everywhere at once)."""
    secret = cookie({"cookie": request.headers.get("cookie", "")})
    if secret and request.app.state.auth:
        await run_in_threadpool(service(request).store.end_credential, secret)
    response = RedirectResponse("/login" if request.app.state.auth else "/", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


@api.get("/me", **spec(Me))
async def me(request: Request) -> dict[str, Any]:
    """Who you are logged in as (`user`: name and role; null when accounts are off)."""
    user = current_user(request)
    return {"ok": True, "auth": bool(request.app.state.auth),
            "user": {"name": user["name"], "role": user["role"]} if user else None}
