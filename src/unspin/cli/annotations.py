"""`unspin export-annotations`: reviewers' corrections from the web app as training data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command("export-annotations")
def export_annotations(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (created if missing).")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file (default: UNSPIN_DB "
                                                        "or the user data folder).")] = None,
    format_: Annotated[str, typer.Option("--format", help="ptc, jsonl or both.")] = "both",
    confirmed_only: Annotated[bool, typer.Option("--confirmed-only", help="Only spans a reviewer accepted, "
                                                 "relabelled, resized or added (default: every span "
                                                 "not rejected).")] = False,
    include_partial: Annotated[bool, typer.Option(
        "--include-partial", help="Also write articles with corrections but not marked reviewed, to the "
                                  "JSONL only, with only the spans a reviewer touched (their other text "
                                  "is unchecked).")] = False,
) -> None:
    """Write the analyses marked reviewed as a PTC folder (for `unspin model train --data`) and/or JSONL."""
    from unspin.store import Store
    from unspin.store.annotations import export_annotations as export

    with user_errors(), Store.open(db) as store:
        summary = export(store, out, fmt=format_, confirmed_only=confirmed_only,
                         include_partial=include_partial)
    print(json.dumps(summary))
