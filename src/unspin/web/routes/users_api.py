"""Admins manage accounts over the API (the same operations as `unspin users`, each recorded
in the audit log) and read the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.errors import InputError
from unspin.web.auth import audit, require
from unspin.web.schemas import Answer, spec
from unspin.web.schemas_review import AuditLog, Removed, Revoked, Token, UserAnswer, Users
from unspin.web.views import service


def accounts_on(request: Request) -> None:
    """403 with accounts off: then anyone could add an admin for the day they are turned on."""
    if not request.app.state.auth:
        raise HTTPException(403, "Accounts are off on this server: manage them with `unspin users` and read "
                                 "the log with `unspin audit`.")


api = APIRouter(prefix="/api", tags=["accounts"],
                dependencies=[Depends(accounts_on), Depends(require("admin"))])
CHANGE = (403, 413, 415, 422)  # a body that is not JSON, or a field that is wrong
DONE = (403, 422)  # no body: refused, or not a user name
USER_400 = {400: "No such user, the name is taken, the password too short, the last admin, no database, "
                 "or a refused Host"}
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$"  # as `unspin.store.users.check_name` takes them
MIN_PASSWORD = 8  # `unspin.store.users.MIN_PASSWORD` (tests/web/test_contract_fixes.py checks they agree)
UserName = Path(pattern=NAME_PATTERN, description="A user's login name.")
Role = Literal["admin", "reviewer", "reader"]


class NewUser(BaseModel):
    """A user to add: `name`, `role` and a `password` (8 characters at least)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME_PATTERN, description="A login name (kept lowercase).")
    role: Role = "reader"
    password: str = Field(min_length=MIN_PASSWORD, max_length=1000)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=MIN_PASSWORD, max_length=1000)


def accounts(request: Request) -> Any:
    store = service(request).store
    if not hasattr(store, "audit_log"):
        raise InputError("Accounts and the audit log need the app on a database (`unspin serve --db`).")
    return store


@api.get("/users", **spec(Users, 403, what="Every user"))
async def list_users(request: Request) -> dict[str, Any]:
    """Admins: every user (name, role, whether a password is set, API tokens, created)."""
    return {"ok": True, "users": await run_in_threadpool(accounts(request).list_users)}


@api.post("/users", status_code=201, **spec(UserAnswer, *CHANGE, status=201, what="Added", meaning=USER_400))
async def add_user(body: NewUser, request: Request) -> dict[str, Any]:
    """Admins: add a user (400 when the name is taken or the password too short)."""
    user = await run_in_threadpool(accounts(request).add_user, body.name, body.role, body.password)
    await audit(request, "user-add", user["name"], role=body.role)
    return {"ok": True, "user": user}


@api.post("/users/{name}/role", **spec(UserAnswer, *CHANGE, what="The user", meaning=USER_400))
async def set_role(body: RoleChange, request: Request, name: str = UserName) -> dict[str, Any]:
    """Admins: change a user's role (never the last admin's); it applies to the next request."""
    await run_in_threadpool(accounts(request).set_role, name, body.role)
    await audit(request, "user-role", name.lower(), role=body.role)
    return {"ok": True, "user": await run_in_threadpool(accounts(request).get_user, name)}


@api.post("/users/{name}/password", **spec(Answer, *CHANGE, what="Set", meaning=USER_400))
async def set_password(body: PasswordChange, request: Request, name: str = UserName) -> dict[str, Any]:
    """Admins: set a user's password; the user's open sessions end."""
    await run_in_threadpool(accounts(request).set_password, name, body.password)
    await audit(request, "user-password", name.lower())
    return {"ok": True}


@api.delete("/users/{name}", **spec(Removed, *DONE, what="Removed", meaning=USER_400))
async def remove_user(request: Request, name: str = UserName) -> dict[str, Any]:
    """Admins: remove a user with its sessions and tokens (never the last admin)."""
    await run_in_threadpool(accounts(request).remove_user, name)
    await audit(request, "user-remove", name.lower())
    return {"ok": True, "removed": name.lower()}


@api.post("/users/{name}/token", status_code=201, **spec(Token, *DONE, status=201, what="The token",
                                                               meaning=USER_400))
async def new_token(request: Request, name: str = UserName) -> dict[str, Any]:
    """Admins: a new API token for the user, returned only now (`token`)."""
    secret = await run_in_threadpool(accounts(request).new_credential, name, "token")
    await audit(request, "token-add", name.lower())
    return {"ok": True, "token": secret}


@api.delete("/users/{name}/tokens", **spec(Revoked, *DONE, what="Revoked", meaning=USER_400))
async def revoke_tokens(request: Request, name: str = UserName) -> dict[str, Any]:
    """Admins: revoke every API token of the user (`revoked`: how many)."""
    count = await run_in_threadpool(accounts(request).revoke_tokens, name)
    await audit(request, "token-revoke", name.lower(), tokens=count)
    return {"ok": True, "revoked": count}


@api.get("/audit", **spec(AuditLog, 403, 422, what="The audit log"))
async def audit_log(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
                    user: str | None = Query(None, max_length=100),
                    action: str | None = Query(None, max_length=32)) -> dict[str, Any]:
    """Admins: the audit log newest first (`at`, `actor`, `action`, `target`, `detail`): deletes,
    corrections, review marks, exports and changes to users."""
    entries = await run_in_threadpool(accounts(request).audit_log, limit=limit, offset=offset, actor=user,
                                      action=action)
    return {"ok": True, "entries": entries}
