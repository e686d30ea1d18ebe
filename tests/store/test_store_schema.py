"""Migrations: they build exactly the schema the code declares, and reopening is a no-op."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from unspin.errors import InputError
from unspin.store import Store, migrate, resolve_url
from unspin.store.engine import default_url
from unspin.store.schema import metadata


def test_migrations_match_declared_schema(any_url: str) -> None:
    store = Store.open(any_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert migrate.current(store.engine) == migrate.head()
    Store.open(any_url).close()  # second open: already at head
    store.close()


def test_url_resolution(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("UNSPIN_DB", "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    monkeypatch.delenv("UNSPIN_DB")
    monkeypatch.setenv("UNSPIN_DATA_DIR", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path / 'unspin.db'}"
    store = Store.open()
    assert (tmp_path / "unspin.db").exists()
    store.close()


def test_bad_url_is_a_named_error() -> None:
    with pytest.raises(InputError, match="database URL"):
        Store.open("not a url://")
