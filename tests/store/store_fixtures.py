"""Store fixtures shared by tests/store, tests/batch and tests/corpus (their conftests import them)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from unspin.doc import Analysis, Cue, Document, Span

PG_URL_FILE = Path(__file__).parents[2] / ".ci" / "pg-url"


def configured_pg_url() -> str | None:
    """`UNSPIN_TEST_PG_URL`, else the URL `.ci/setup-postgres.sh` wrote, else None."""
    url = os.environ.get("UNSPIN_TEST_PG_URL")
    if not url and PG_URL_FILE.exists():
        url = PG_URL_FILE.read_text().strip()
    return url or None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'unspin.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the configured PostgreSQL server, dropped afterwards."""
    base = configured_pg_url()
    if base is None:
        pytest.skip("no PostgreSQL server configured (UNSPIN_TEST_PG_URL or .ci/pg-url)")
    import sqlalchemy as sa

    from unspin.store.engine import resolve_url

    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def store(any_url: str):
    from unspin.store import Store

    opened = Store.open(any_url)
    yield opened
    opened.close()


def make_doc(text: str, **meta: object) -> Document:
    return Document(text=text, meta=dict(meta))


def make_analysis(doc: Document, found: list[tuple[str, str]], model: str = "m1") -> Analysis:
    """An analysis marking the first occurrence of each (phrase, technique) in `doc.text`."""
    spans = []
    for phrase, technique in found:
        start = doc.text.index(phrase)
        end = start + len(phrase)
        spans.append(Span(doc, start, end, technique, 0.8, (Cue(start, min(end, start + 8), 0.5),)))
    return Analysis(doc, tuple(sorted(spans, key=lambda s: (s.start, s.end))), model)
