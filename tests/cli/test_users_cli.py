"""`unspin users` and `unspin audit` on a real SQLite file and PostgreSQL."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from unspin.cli.main import app
from unspin.store import Store

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_users_commands_and_audit(any_url: str) -> None:
    db = ["--db", any_url]
    added = run("users", "add", "Alice", "--role", "admin", "--password-stdin", *db, input="s3cret-pass\n")
    assert added.exit_code == 0, added.output
    assert run("users", "add", "bob", "--role", "reviewer", "--password-stdin", *db,
               input="bobs-password\n").exit_code == 0
    taken = run("users", "add", "bob", "--role", "reader", "--password-stdin", *db, input="whatever1\n")
    assert taken.exit_code == 2 and "already exists" in taken.output
    bad = run("users", "add", "eve", "--role", "owner", "--password-stdin", *db, input="whatever1\n")
    assert bad.exit_code == 2 and "Unknown role" in bad.output
    listed = run("users", "list", "--json", *db)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["name"], r["role"], r["password"]) for r in rows] == [("alice", "admin", True),
                                                                     ("bob", "reviewer", True)]
    token = run("users", "token", "bob", *db)
    assert token.exit_code == 0
    secret = token.stdout.strip()
    with Store.open(any_url) as store:
        assert store.user_for(secret, "token")["name"] == "bob"
        assert store.check_password("alice", "s3cret-pass") is not None
    assert run("users", "password", "alice", "--password-stdin", *db, input="new-pass-123\n").exit_code == 0
    assert run("users", "role", "bob", "reader", *db).exit_code == 0
    last = run("users", "role", "alice", "reader", *db)
    assert last.exit_code == 2 and "only admin" in last.output
    assert run("users", "token", "bob", "--revoke", *db).exit_code == 0
    with Store.open(any_url) as store:
        assert store.user_for(secret, "token") is None
        assert store.get_user("bob")["role"] == "reader"
        assert store.check_password("alice", "new-pass-123") is not None
    assert run("users", "remove", "bob", *db).exit_code == 0
    assert run("users", "remove", "bob", *db).exit_code == 2
    log = run("audit", "--json", *db)
    entries = [json.loads(line) for line in log.stdout.splitlines()]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("user-remove", "bob"), ("token-revoke", "bob"), ("user-role", "bob"), ("user-password", "alice"),
        ("token-add", "bob"), ("user-add", "bob"), ("user-add", "alice")]
    assert all(e["actor"].startswith("cli") for e in entries)
    table = run("audit", "--action", "user-role", *db)
    assert table.stdout.count("\n") == 1 and "user-role\tbob" in table.stdout


def test_password_needs_stdin_without_a_terminal(sqlite_url: str) -> None:
    result = run("users", "add", "carol", "--db", sqlite_url, input="")
    assert result.exit_code == 2 and "--password-stdin" in result.output
