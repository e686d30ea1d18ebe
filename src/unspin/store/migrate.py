"""Alembic migrations run from Python: `upgrade(engine)` brings a database to the newest schema.

Two processes opening a fresh database at once (two `corpus watch --once` from cron) take
turns: the migration runs under a lock (PostgreSQL: a transaction-level advisory lock;
SQLite: `BEGIN IMMEDIATE`, the database's own write lock) and looks at the revision again
once it holds it, so the second one finds the schema made and does nothing.
"""

from __future__ import annotations

import time
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

LOCK_KEY = 0x756E7370696E  # "unspin": the advisory lock key migrations take on PostgreSQL


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("unspin.store").joinpath("migrations")))
    return config


def head() -> str:
    """The newest revision shipped with this version of unspin."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, patience: float = 60.0) -> None:
    """Migrate the database behind `engine` to `revision` (no-op when already there). On
    SQLite, a fresh file that other processes are switching to WAL or migrating at the same
    moment can answer "database is locked" at once, without waiting: try again for up to
    `patience` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return _upgrade(engine, revision)
        except OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            engine.dispose()  # new connections, each setting its pragmas again
            time.sleep(0.2)


def _upgrade(engine: Engine, revision: str) -> None:
    if revision == "head" and current(engine) == head():
        return
    config = alembic_config()
    with engine.begin() as connection:
        _lock(connection)
        if revision == "head" and MigrationContext.configure(connection).get_current_revision() == head():
            return  # another process migrated while this one waited for the lock
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _lock(connection: Connection) -> None:
    """Hold the database's migration lock until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits (busy_timeout) for another writer
