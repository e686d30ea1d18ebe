"""`unspin purge`: make soft deletes final (deleted analyses are kept, hidden, for
`UNSPIN_KEEP_DELETED_DAYS` days first)."""

from __future__ import annotations

from typing import Annotated

import typer

from unspin.cli.common import user_errors
from unspin.cli.corpus import DB_HELP, _store
from unspin.cli.main import app
from unspin.cli.users import actor
from unspin.errors import InputError


@app.command()
def purge(db: Annotated[str | None, typer.Option(help=DB_HELP)] = None,
          older_than: Annotated[float | None, typer.Option(
              "--older-than", metavar="DAYS", min=0,
              help="Only those deleted more than DAYS ago (default: UNSPIN_KEEP_DELETED_DAYS, 30).")] = None,
          purge_all: Annotated[bool, typer.Option(
              "--all", help="Every deleted analysis, however recently deleted.")] = False) -> None:
    """Make deletes final: remove the analyses deleted over 30 days ago (or --older-than DAYS,
    or --all) with their spans, corrections and texts nothing else uses; says how many."""
    from unspin import config

    with user_errors(), _store(db) as store:
        if purge_all and older_than is not None:
            raise InputError("Give --older-than DAYS or --all, not both.")
        try:
            days = None if purge_all else config.keep_deleted_days(older_than)
        except ValueError as err:
            raise InputError(str(err)) from None
        done = store.purge(older_than_days=days)
        left = store.deleted_count()
        store.log_action(actor(), "purge", None, {**done, "older_than_days": days})
    when = "every deleted analysis" if days is None else f"analyses deleted over {days:g} days ago"
    print(f"Purged {done['analyses']} analyses ({when}) and {done['documents']} texts nothing else used; "
          f"{left} deleted analyses wait for a later purge.")
