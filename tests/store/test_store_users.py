"""Accounts in the store: users, argon2 passwords, sessions and tokens kept as digests,
failed logins and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from unspin.errors import InputError
from unspin.store import records
from unspin.store.schema import credentials, users
from unspin.store.users import digest


def test_users_roles_and_passwords(store) -> None:
    added = store.add_user("Alice", "admin", "correct horse")
    assert (added["name"], added["role"]) == ("alice", "admin")
    with pytest.raises(InputError, match="already exists"):
        store.add_user("alice", "reader", "another one")
    with pytest.raises(InputError, match="Unknown role"):
        store.add_user("bob", "owner", "password1")
    with pytest.raises(InputError, match="too short"):
        store.add_user("bob", "reader", "short")
    with pytest.raises(InputError, match="not a user name"):
        store.add_user("bob smith", "reader", "password1")
    store.add_user("bob", "reader", "password1")
    with store.read() as conn:
        stored = conn.execute(select(users.c.password).where(users.c.name == "alice")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert store.check_password("alice", "correct horse")["name"] == "alice"
    assert store.check_password("ALICE", "correct horse")["name"] == "alice"
    assert store.check_password("alice", "wrong horse") is None
    assert store.check_password("nobody", "correct horse") is None
    assert [(u["name"], u["role"], u["tokens"]) for u in store.list_users()] == [
        ("alice", "admin", 0), ("bob", "reader", 0)]
    assert store.admin_count() == 1
    with pytest.raises(InputError, match="only admin"):
        store.set_role("alice", "reader")
    with pytest.raises(InputError, match="only admin"):
        store.remove_user("alice")
    store.set_role("bob", "admin")
    store.set_role("alice", "reviewer")
    assert store.get_user("alice")["role"] == "reviewer"
    store.set_password("alice", "battery staple")
    assert store.check_password("alice", "correct horse") is None
    assert store.check_password("alice", "battery staple")["role"] == "reviewer"
    store.remove_user("alice")
    assert store.get_user("alice") is None
    with pytest.raises(InputError, match="No user named"):
        store.remove_user("alice")


def test_credentials_are_digests_that_expire_and_revoke(store) -> None:
    store.add_user("carol", "reviewer", "password1")
    token = store.new_credential("carol", "token")
    session = store.new_credential("carol", "session", hours=1)
    assert token.startswith("unspin_") and len(token) > 40
    with store.read() as conn:
        digests = set(conn.execute(select(credentials.c.digest)).scalars())
    assert token not in digests and session not in digests and len(digests) == 2
    assert store.user_for(token, "token")["name"] == "carol"
    assert store.user_for(token, "session") is None  # a token is not a session cookie
    assert store.user_for(session, "session")["role"] == "reviewer"
    assert store.user_for("unspin_forged", "token") is None
    assert store.list_users()[0]["tokens"] == 1
    store.set_password("carol", "password2")  # ends sessions, keeps tokens
    assert store.user_for(session, "session") is None
    assert store.user_for(token, "token") is not None
    assert store.revoke_tokens("carol") == 1
    assert store.user_for(token, "token") is None
    short = store.new_credential("carol", "session", hours=1)
    with store.write() as conn:
        conn.execute(credentials.update().values(expires=records.now() - timedelta(seconds=1)))
    assert store.user_for(short, "session") is None
    live = store.new_credential("carol", "session", hours=1)  # and the expired one is cleared away
    with store.read() as conn:
        assert conn.execute(select(credentials.c.digest)).scalars().all() == [digest(live)]
    live = store.new_credential("carol", "session", hours=1)
    store.end_credential(live)
    assert store.user_for(live, "session") is None
    other = store.new_credential("carol", "token")
    store.add_user("dave", "admin", "password1")
    store.remove_user("carol")
    assert store.user_for(other, "token") is None


def test_login_failures_and_audit(store) -> None:
    start = records.now() - timedelta(seconds=1)
    for _ in range(3):
        store.add_login_failure("erin", "10.0.0.1", forget_before=start)
    store.add_login_failure("erin", "10.0.0.2", forget_before=start)
    count, oldest = store.login_failures("erin", "10.0.0.1", start)
    assert count == 3 and oldest >= start
    store.clear_login_failures("erin", "10.0.0.1")
    assert store.login_failures("erin", "10.0.0.1", start)[0] == 0
    assert store.login_failures("erin", "10.0.0.2", start)[0] == 1
    store.log_action("alice", "delete", "abc123", {"title": "T"})
    store.log_action("bob", "export", None, {"count": 2})
    log = store.audit_log()
    assert [(e["actor"], e["action"], e["target"], e["detail"]) for e in log] == [
        ("bob", "export", None, {"count": 2}), ("alice", "delete", "abc123", {"title": "T"})]
    assert [e["actor"] for e in store.audit_log(actor="alice")] == ["alice"]
    assert log[0]["at"].endswith("Z")
