"""Where the store lives (`--db URL`, `UNSPIN_DB`, or a SQLite file in the user's data folder)
and the SQLAlchemy engine for it, with SQLite tuned for one writer and concurrent readers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from unspin import config
from unspin.errors import InputError, StoreError

ENV = "UNSPIN_DB"
FILE_NAME = "unspin.db"


def data_dir() -> Path:
    """The user's data folder for unspin (`UNSPIN_DATA_DIR` overrides it)."""
    override = config.env("UNSPIN_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("unspin", appauthor=False))


def default_url() -> str:
    """`UNSPIN_DB` if set, else a SQLite file in the user's data folder."""
    return config.env(ENV) or f"sqlite:///{data_dir() / FILE_NAME}"


def resolve_url(url: str | os.PathLike[str] | None) -> str:
    """A database URL from a URL, a bare SQLite file path, or None (the default)."""
    if url is None or str(url) == "":
        return default_url()
    text = str(url)
    if "://" not in text:  # a plain path: a SQLite file
        return f"sqlite:///{Path(text).expanduser()}"
    if text.startswith(("postgresql://", "postgres://")):  # psycopg 3, not psycopg2
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`, with WAL mode on for SQLite. A SQLite file's missing folder is
    created only when `create` is true (else `StoreError`: a mistyped path must not quietly
    become a new, empty database)."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise InputError(
            f"Cannot read the database URL {url!r}; expected e.g. sqlite:///path/to/unspin.db "
            "or postgresql://user:password@host/dbname."
        ) from err
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            if not folder.is_dir():
                if not create:
                    raise StoreError(f"The folder {folder} of the database {parsed.database} does not exist; "
                                     "check the path, or add --create to make it.")
                folder.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=60000",
                   "cache_size=-65536", "temp_store=MEMORY"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
