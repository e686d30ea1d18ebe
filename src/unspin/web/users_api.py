"""Admins manage accounts over the API (the same operations as `unspin users`, each recorded
in the audit log) and read the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.errors import InputError
from unspin.web.api import errors
from unspin.web.auth import audit, require
from unspin.web.pages import service


def accounts_on(request: Request) -> None:
    """403 with accounts off: then anyone could add an admin for the day they are turned on."""
    if not request.app.state.auth:
        raise HTTPException(403, "Accounts are off on this server: manage them with `unspin users` and read "
                                 "the log with `unspin audit`.")


api = APIRouter(prefix="/api", tags=["accounts"],
                dependencies=[Depends(accounts_on), Depends(require("admin"))])
CHANGE = errors(400, 401, 403, 415, 422)
Role = Literal["admin", "reviewer", "reader"]


class NewUser(BaseModel):
    """A user to add: `name`, `role` and a `password` (8 characters at least)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    role: Role = "reader"
    password: str = Field(min_length=1, max_length=1000)


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=1000)


def accounts(request: Request) -> Any:
    store = service(request).store
    if not hasattr(store, "audit_log"):
        raise InputError("Accounts and the audit log need the app on a database (`unspin serve --db`).")
    return store


@api.get("/users", responses=errors(400, 401, 403))
async def list_users(request: Request) -> dict[str, Any]:
    """Admins: every user (name, role, whether a password is set, API tokens, created)."""
    return {"ok": True, "users": await run_in_threadpool(accounts(request).list_users)}


@api.post("/users", status_code=201, responses=CHANGE)
async def add_user(body: NewUser, request: Request) -> dict[str, Any]:
    """Admins: add a user (400 when the name is taken or the password too short)."""
    user = await run_in_threadpool(accounts(request).add_user, body.name, body.role, body.password)
    await audit(request, "user-add", user["name"], role=body.role)
    return {"ok": True, "user": user}


@api.post("/users/{name}/role", responses=CHANGE)
async def set_role(name: str, body: RoleChange, request: Request) -> dict[str, Any]:
    """Admins: change a user's role (never the last admin's); it applies to the next request."""
    await run_in_threadpool(accounts(request).set_role, name, body.role)
    await audit(request, "user-role", name.lower(), role=body.role)
    return {"ok": True, "user": await run_in_threadpool(accounts(request).get_user, name)}


@api.post("/users/{name}/password", responses=CHANGE)
async def set_password(name: str, body: PasswordChange, request: Request) -> dict[str, Any]:
    """Admins: set a user's password; the user's open sessions end."""
    await run_in_threadpool(accounts(request).set_password, name, body.password)
    await audit(request, "user-password", name.lower())
    return {"ok": True}


@api.delete("/users/{name}", responses=CHANGE)
async def remove_user(name: str, request: Request) -> dict[str, Any]:
    """Admins: remove a user with its sessions and tokens (never the last admin)."""
    await run_in_threadpool(accounts(request).remove_user, name)
    await audit(request, "user-remove", name.lower())
    return {"ok": True, "removed": name.lower()}


@api.post("/users/{name}/token", status_code=201, responses=CHANGE)
async def new_token(name: str, request: Request) -> dict[str, Any]:
    """Admins: a new API token for the user, returned only now (`token`)."""
    secret = await run_in_threadpool(accounts(request).new_credential, name, "token")
    await audit(request, "token-add", name.lower())
    return {"ok": True, "token": secret}


@api.delete("/users/{name}/tokens", responses=CHANGE)
async def revoke_tokens(name: str, request: Request) -> dict[str, Any]:
    """Admins: revoke every API token of the user (`revoked`: how many)."""
    count = await run_in_threadpool(accounts(request).revoke_tokens, name)
    await audit(request, "token-revoke", name.lower(), tokens=count)
    return {"ok": True, "revoked": count}


@api.get("/audit", responses=errors(400, 401, 403, 422))
async def audit_log(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0),
                    user: str | None = Query(None, max_length=100),
                    action: str | None = Query(None, max_length=32)) -> dict[str, Any]:
    """Admins: the audit log newest first (`at`, `actor`, `action`, `target`, `detail`): deletes,
    corrections, review marks, exports and changes to users."""
    entries = await run_in_threadpool(accounts(request).audit_log, limit=limit, offset=offset, actor=user,
                                      action=action)
    return {"ok": True, "entries": entries}
