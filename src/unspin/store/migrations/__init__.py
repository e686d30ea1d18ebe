"""Alembic migrations of the store; `unspin.store.migrate.upgrade` runs them on open."""
