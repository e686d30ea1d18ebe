"""The `unspin` app; each command lives in its own module and registers itself here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="unspin",
    help="Find, name and explain propaganda techniques in news and social-media text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register on `app` when imported (keep this list sorted).
from unspin.cli import (  # noqa: E402, F401
    analyze,
    annotations,
    check,
    convert,
    corpus,
    feeds,
    model,
    purge,
    semeval,
    serve,
    setup,
    techniques,
    users,
)
