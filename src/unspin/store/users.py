"""Accounts (users with a role and an argon2 password hash), their credentials (login
sessions and API tokens, kept as sha256 digests so a database leak reveals no secret) and
failed logins (for rate limiting); mixed into `Store`."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from unspin.errors import InputError
from unspin.store import records
from unspin.store.schema import credentials, login_failures, users

ROLES = ("reader", "reviewer", "admin")  # each has the rights of those before it
SESSION, TOKEN = "session", "token"
MIN_PASSWORD = 8
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,99}$")
_DUMMY_HASH: list[str] = []  # a hash checked when the name is unknown: both answers take as long


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """`name` lowercased, or InputError when it is not a login name."""
    clean = (name or "").strip().lower()
    if not _NAME.match(clean):
        raise InputError(f"{name[:100]!r} is not a user name: use 1-100 letters, digits and . _ @ -, "
                         "starting with a letter or digit.")
    return clean


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"Unknown role {role[:20]!r}: use admin, reviewer or reader.")
    return role


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    return _hasher().hash(password)


def _user(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role,
            "created": row.created.isoformat(timespec="seconds") + "Z"}


class UsersMixin:
    """Users, credentials and failed logins (needs `read()`/`write()`)."""

    read: Any
    write: Any

    # -- users ----------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str | None = None) -> dict[str, Any]:
        """A new user; InputError when the name is taken or a value is not valid."""
        row = {"name": check_name(name), "role": check_role(role),
               "password": hash_password(password) if password is not None else None,
               "created": records.now()}
        try:
            with self.write() as conn:
                row["id"] = conn.execute(insert(users).values(row)).inserted_primary_key[0]
        except IntegrityError:
            raise InputError(f"A user named {row['name']!r} already exists.") from None
        return _user(_Row(row))

    def get_user(self, name: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(users).where(users.c.name == (name or "").strip().lower())).first()
        return _user(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        """Every user by name, with whether it has a password and how many API tokens."""
        tokens = (select(func.count()).where(credentials.c.user_id == users.c.id, credentials.c.kind == TOKEN)
                  .correlate(users).scalar_subquery())
        with self.read() as conn:
            rows = conn.execute(select(users, tokens.label("tokens")).order_by(users.c.name)).all()
        return [{**_user(r), "password": r.password is not None, "tokens": int(r.tokens)} for r in rows]

    def admin_count(self) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(users)
                                    .where(users.c.role == "admin")).scalar_one())

    def _existing(self, conn: Any, name: str) -> Any:
        row = conn.execute(select(users).where(users.c.name == (name or "").strip().lower())).first()
        if row is None:
            raise InputError(f"No user named {name[:100]!r} (see `unspin users list`).")
        return row

    def _keep_an_admin(self, conn: Any, row: Any) -> None:
        if row.role == "admin":
            admins = conn.execute(select(func.count()).select_from(users)
                                  .where(users.c.role == "admin")).scalar_one()
            if admins <= 1:
                raise InputError(f"{row.name!r} is the only admin: make another user admin first.")

    def remove_user(self, name: str) -> None:
        """Delete a user and its sessions and tokens (never the last admin)."""
        with self.write() as conn:
            row = self._existing(conn, name)
            self._keep_an_admin(conn, row)
            conn.execute(delete(credentials).where(credentials.c.user_id == row.id))
            conn.execute(delete(users).where(users.c.id == row.id))

    def set_role(self, name: str, role: str) -> None:
        """Change a user's role (the last admin keeps it); takes effect on its next request."""
        check_role(role)
        with self.write() as conn:
            row = self._existing(conn, name)
            if role != "admin":
                self._keep_an_admin(conn, row)
            conn.execute(update(users).where(users.c.id == row.id).values(role=role))

    def set_password(self, name: str, password: str) -> None:
        """A new password; the user's open sessions end (its API tokens stay)."""
        hashed = hash_password(password)
        with self.write() as conn:
            row = self._existing(conn, name)
            conn.execute(update(users).where(users.c.id == row.id).values(password=hashed))
            conn.execute(delete(credentials).where(credentials.c.user_id == row.id,
                                                   credentials.c.kind == SESSION))

    def check_password(self, name: str, password: str) -> dict[str, Any] | None:
        """The user when `password` is its password, else None (as slow for unknown names)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.read() as conn:
            row = conn.execute(select(users).where(users.c.name == (name or "").strip().lower())).first()
        hasher = _hasher()
        if row is None or row.password is None:
            if not _DUMMY_HASH:
                _DUMMY_HASH.append(hasher.hash(secrets.token_hex(16)))
            stored = _DUMMY_HASH[0]
        else:
            stored = row.password
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return _user(row) if row is not None and row.password is not None else None

    # -- credentials ----------------------------------------------------------------------------
    def new_credential(self, name: str, kind: str, *, hours: float | None = None) -> str:
        """A new secret for the user (`session` or `token`), shown only now; the store keeps
        its digest. `hours`: lifetime (None: until revoked)."""
        secret = ("unspin_" if kind == TOKEN else "") + secrets.token_urlsafe(32)
        created = records.now()
        with self.write() as conn:
            row = self._existing(conn, name)
            conn.execute(delete(credentials).where(credentials.c.expires < created))  # old sessions
            conn.execute(insert(credentials).values(
                user_id=row.id, kind=kind, digest=digest(secret), created=created,
                expires=created + timedelta(hours=hours) if hours else None))
        return secret

    def user_for(self, secret: str, kind: str) -> dict[str, Any] | None:
        """The user a live credential of `kind` belongs to, else None."""
        if not secret or len(secret) > 200:
            return None
        with self.read() as conn:
            row = conn.execute(select(users, credentials.c.expires)
                               .join(credentials, credentials.c.user_id == users.c.id)
                               .where(credentials.c.digest == digest(secret),
                                      credentials.c.kind == kind)).first()
        if row is None or (row.expires is not None and row.expires <= records.now()):
            return None
        return _user(row)

    def end_credential(self, secret: str) -> None:
        """Forget one session or token (logout)."""
        with self.write() as conn:
            conn.execute(delete(credentials).where(credentials.c.digest == digest(secret)))

    def revoke_tokens(self, name: str) -> int:
        """Revoke every API token of the user; how many there were."""
        with self.write() as conn:
            row = self._existing(conn, name)
            done = conn.execute(delete(credentials).where(credentials.c.user_id == row.id,
                                                          credentials.c.kind == TOKEN))
        return int(done.rowcount or 0)

    # -- failed logins --------------------------------------------------------------------------
    def login_failures(self, name: str, address: str, since: datetime) -> tuple[int, datetime | None]:
        """Failed logins for (name, address) since `since`: (count, oldest)."""
        with self.read() as conn:
            row = conn.execute(select(func.count(), func.min(login_failures.c.at))
                               .where(login_failures.c.name == name[:100],
                                      login_failures.c.address == address[:64],
                                      login_failures.c.at > since)).one()
        return int(row[0]), row[1]

    def add_login_failure(self, name: str, address: str, *, forget_before: datetime) -> None:
        """Record a failed login (and drop those older than `forget_before`)."""
        with self.write() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.at < forget_before))
            conn.execute(insert(login_failures).values(name=name[:100], address=address[:64],
                                                       at=records.now()))

    def clear_login_failures(self, name: str, address: str) -> None:
        with self.write() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.name == name[:100],
                                                      login_failures.c.address == address[:64]))


class _Row:
    """A dict seen as a row (for `_user` on values just inserted)."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)
