"""`unspin users` (accounts for `unspin serve --auth on`: add, list, remove, role, password,
token) and `unspin audit` (who did what, and when)."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated, Any

import typer

from unspin.cli.common import user_errors
from unspin.cli.corpus import CREATE_HELP, DB_HELP, _store
from unspin.cli.main import app
from unspin.errors import InputError

users_app = typer.Typer(help="Accounts for a shared server (`unspin serve --auth on`).",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")

Db = Annotated[str | None, typer.Option(help=DB_HELP)]
Name = Annotated[str, typer.Argument(help="The user's login name (stored lowercase).")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin",
                                             help="Read the password from the first line of stdin.")]


def actor() -> str:
    """How the audit log names someone using these commands."""
    try:
        return f"cli:{getpass.getuser()}"[:100]
    except (KeyError, OSError):
        return "cli"


def read_password(from_stdin: bool) -> str:
    """The password from stdin's first line, or asked twice on the terminal."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("--password-stdin: stdin gave no password.")
        return line
    if not sys.stdin.isatty():
        raise InputError("No terminal to ask for the password: pipe it in with --password-stdin.")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(name: Name,
        role: Annotated[str, typer.Option(help="admin, reviewer or reader.")] = "reader",
        password_stdin: PasswordStdin = False, db: Db = None,
        create: Annotated[bool, typer.Option("--create", help=CREATE_HELP)] = False) -> None:
    """Add a user with a role and a password (asked, or read with --password-stdin)."""
    with user_errors(), _store(db, create) as store:
        from unspin.store.users import check_name, check_role

        check_name(name)
        check_role(role)
        user = store.add_user(name, role, read_password(password_stdin))
        store.log_action(actor(), "user-add", user["name"], {"role": role})
    print(f"added {user['name']} ({role})", file=sys.stderr)


@users_app.command("list")
def list_users(db: Db = None, as_json: Annotated[bool, typer.Option(
                   "--json", help="One JSON object per user.")] = False) -> None:
    """The users: name, role, whether a password is set, API tokens, created."""
    with user_errors(), _store(db) as store:
        found = store.list_users()
    for user in found:
        if as_json:
            print(json.dumps(user))
        else:
            print(f"{user['name']}\t{user['role']}\tpassword={'yes' if user['password'] else 'no'}\t"
                  f"tokens={user['tokens']}\t{user['created']}")


@users_app.command("remove")
def remove(name: Name, db: Db = None) -> None:
    """Remove a user with its sessions and tokens (never the last admin)."""
    with user_errors(), _store(db) as store:
        store.remove_user(name)
        store.log_action(actor(), "user-remove", name.strip().lower())
    print(f"removed {name.strip().lower()}", file=sys.stderr)


@users_app.command("role")
def role(name: Name, new_role: Annotated[str, typer.Argument(help="admin, reviewer or reader.")],
         db: Db = None) -> None:
    """Change a user's role; it applies to the user's next request."""
    with user_errors(), _store(db) as store:
        store.set_role(name, new_role)
        store.log_action(actor(), "user-role", name.strip().lower(), {"role": new_role})
    print(f"{name.strip().lower()} is now {new_role}", file=sys.stderr)


@users_app.command("password")
def password(name: Name, password_stdin: PasswordStdin = False, db: Db = None) -> None:
    """Set a new password; the user's open sessions end (API tokens stay)."""
    with user_errors(), _store(db) as store:
        if store.get_user(name) is None:  # say so before asking for a password
            raise InputError(f"No user named {name[:100]!r} (see `unspin users list`).")
        store.set_password(name, read_password(password_stdin))
        store.log_action(actor(), "user-password", name.strip().lower())
    print(f"password of {name.strip().lower()} changed", file=sys.stderr)


@users_app.command("token")
def token(name: Name, revoke: Annotated[bool, typer.Option(
              "--revoke", help="Revoke every API token of the user instead.")] = False,
          db: Db = None) -> None:
    """Print a new API token for the user (shown once: the database keeps only its digest);
    send it as `Authorization: Bearer TOKEN`."""
    with user_errors(), _store(db) as store:
        if revoke:
            count = store.revoke_tokens(name)
            store.log_action(actor(), "token-revoke", name.strip().lower(), {"tokens": count})
            print(f"revoked {count} token(s) of {name.strip().lower()}", file=sys.stderr)
            return
        secret = store.new_credential(name, "token")
        store.log_action(actor(), "token-add", name.strip().lower())
    print(secret)


@app.command()
def audit(db: Db = None,
          limit: Annotated[int, typer.Option(min=1, help="Entries to show, newest first.")] = 100,
          user: Annotated[str | None, typer.Option(help="Only this actor's entries.")] = None,
          action: Annotated[str | None, typer.Option(help="Only this action (delete, review, "
                                                          "reviewed, export, user-add, ...).")] = None,
          as_json: Annotated[bool, typer.Option(
              "--json", help="One JSON object per entry.")] = False) -> None:
    """The audit log: who deleted, corrected, marked reviewed, exported or changed a user, and when."""
    with user_errors(), _store(db) as store:
        entries: list[dict[str, Any]] = store.audit_log(limit=limit, actor=user, action=action)
    for entry in entries:
        if as_json:
            print(json.dumps(entry, ensure_ascii=False))
        else:
            detail = json.dumps(entry["detail"], ensure_ascii=False) if entry["detail"] else ""
            print(f"{entry['at']}\t{entry['actor']}\t{entry['action']}\t{entry['target'] or '-'}\t{detail}")
