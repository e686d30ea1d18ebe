"""Web settings: defaults, then `UNSPIN_WEB_*` environment variables, then explicit values."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from unspin import config
from unspin.errors import InputError

ENV_PREFIX = "UNSPIN_WEB_"


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Everything the app can be told; each field has an `UNSPIN_WEB_<NAME>` variable."""

    host: str = "127.0.0.1"
    port: int = 8000
    db: str | None = None  # database URL or SQLite path; None keeps analyses in memory
    max_body_bytes: int = 2 * 1024 * 1024  # larger request bodies get 413
    queue_size: int = 8  # analyses running or waiting; one more gets 503 + Retry-After
    workers: int = 2  # inference threads per process: a short text need not wait for a long one
    threshold: float | None = None  # default span threshold; None uses the model's own
    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_allow_networks: tuple[str, ...] = ()  # internal networks URL fetching may reach (tests, intranets)
    fetch_concurrency: int = 4  # URL fetches at once per process (each holds a queue slot); more get 503
    rate_limit: int = 300  # /api requests per minute per user (per address without accounts); 0: none
    jobs_per_user: int = 4  # jobs one user may have queued or running (accounts on); 0: no limit
    batch_size: int = 16
    reviewer: str | None = None  # the name corrections are stored under when the page gives none
    sync_max_chars: int = 30_000  # longer texts get 413 from the sync routes: use POST /api/jobs
    request_timeout: float = 60.0  # seconds one analysis may queue and run before 504
    allowed_hosts: tuple[str, ...] = ()  # Host names served, besides the bound address and localhost
    processes: int = 0  # uvicorn worker processes; 0: one per 2 CPUs, at most 4 (1 with --memory)
    auth: str = "auto"  # on: accounts needed; off; auto: on unless listening on loopback only
    secure_cookies: bool = False  # mark the session cookie Secure (behind a TLS proxy)
    session_hours: float = 12.0  # a login lasts this long
    login_failures: int = 5  # failed logins per name and address within login_window before 429
    login_window: float = 300.0  # seconds
    max_models: int = 2  # models kept loaded at once for `"model": NAME` (the least recently used goes)
    trusted_user_header: str | None = None  # SSO: the header an authenticating proxy names the user in
    trusted_proxies: tuple[str, ...] = ()  # addresses (or networks) whose trusted_user_header is believed
    sso_roles: tuple[str, ...] = ()  # NAME=ROLE for users the proxy signs in; "*=ROLE": default (reader)

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.port < 65536:
            problems.append(f"port must be 1..65535, got {self.port}")
        for name in ("max_body_bytes", "queue_size", "workers", "fetch_max_bytes", "batch_size",
                     "sync_max_chars", "fetch_concurrency", "max_models"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.auth not in ("auto", "on", "off"):
            problems.append(f"auth must be on, off or auto, got {self.auth!r}")
        if self.login_failures < 1:
            problems.append(f"login_failures must be at least 1, got {self.login_failures}")
        for name in ("fetch_timeout", "request_timeout", "session_hours", "login_window"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} must be positive, got {getattr(self, name)}")
        if self.jobs_per_user < 0:
            problems.append(f"jobs_per_user must be 0 (no limit) or more, got {self.jobs_per_user}")
        if self.rate_limit < 0:
            problems.append(f"rate_limit must be 0 (no limit) or more, got {self.rate_limit}")
        if self.processes < 0:
            problems.append(f"processes must be 0 (automatic) or more, got {self.processes}")
        for network in self.fetch_allow_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                problems.append(f"fetch_allow_networks: {network!r} is not a network like 10.0.0.0/8")
        problems.extend(self._sso_problems())
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            problems.append(f"threshold must be in [0, 1], got {self.threshold}")
        if problems:
            raise InputError("Bad web settings: " + "; ".join(problems) + ".")

    def _sso_problems(self) -> list[str]:
        """What is wrong with the SSO settings (`unspin.web.sso`)."""
        from unspin.web.sso import role_pairs

        problems = []
        header = self.trusted_user_header
        if header is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,100}", header):
            problems.append(f"trusted_user_header: {header[:100]!r} is not a header name like "
                            "X-Forwarded-User")
        if header and not self.trusted_proxies:
            problems.append("trusted_user_header needs trusted_proxies (--trusted-proxy ADDR, the proxy's "
                            "address): else any client could send the header and be anyone")
        if header and self.auth == "off":
            problems.append("trusted_user_header signs users in: it needs accounts, not auth off")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                problems.append(f"trusted_proxies: {proxy!r} is not an address like 127.0.0.1 or 10.0.0.0/8")
        try:
            role_pairs(self.sso_roles)
        except InputError as err:
            problems.append(str(err).rstrip("."))
        return problems

    def sso_admins(self) -> bool:
        """Whether the SSO role mapping makes someone an admin."""
        from unspin.web.sso import role_pairs

        mapped = role_pairs(self.sso_roles)
        return bool(self.trusted_user_header) and any(role == "admin" for _, role in mapped)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **values: Any) -> WebSettings:
        """Defaults, overridden by `UNSPIN_WEB_*` variables, overridden by `values` not None."""
        environ = os.environ if environ is None else environ
        merged: dict[str, Any] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                merged[field.name] = _parse(field.name, str(field.type), raw)
        if "db" not in merged and (db := config.env("UNSPIN_DB", environ)):
            merged["db"] = db
        merged.update({k: v for k, v in values.items() if v is not None})
        return cls(**merged)

    def with_(self, **values: Any) -> WebSettings:
        return replace(self, **values)

    def hosts(self) -> frozenset[str]:
        """Host names (lowercase, no port) the app answers besides IP literals and names
        without dots: localhost, the bound address, and `allowed_hosts` ("*" allows any)."""
        bound = {self.host.lower()} if self.host not in ("0.0.0.0", "::") else set()
        return frozenset({"localhost", *bound,
                          *(h.lower().strip("[]") for h in self.allowed_hosts)})

    def auth_on(self) -> bool:
        """Whether accounts are needed: `auth` on, or auto and listening beyond loopback or
        signing users in through a trusted proxy's header."""
        return self.auth == "on" or (self.auth == "auto" and (not is_loopback(self.host)
                                                              or bool(self.trusted_user_header)))

    def process_count(self, *, memory: bool = False, cpus: int | None = None) -> int:
        """Worker processes to run: `processes`, or one per 2 CPUs (at most 4); 1 in memory."""
        if memory:
            return 1
        if self.processes:
            return self.processes
        cpus = cpus if cpus is not None else (os.cpu_count() or 1)
        return max(1, min(4, cpus // 2))


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse(name: str, kind: str, raw: str) -> Any:
    try:
        if kind.startswith("bool"):
            if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes", "on")
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as err:
        raise InputError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}.") from err
    return raw
