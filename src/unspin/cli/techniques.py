"""`unspin techniques`: the techniques with their definitions (PTC's 14, or a model's own)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command()
def techniques(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    model: str = typer.Option(
        None, "--model", "-m", help="A model folder: its techniques (an adapted model's own list)."
    ),
) -> None:
    """List the techniques with their definitions: PTC's 14, or a model's own."""
    from dataclasses import asdict

    from unspin import config, taxonomy

    found = list(taxonomy.TECHNIQUES)
    if model:
        from unspin.runtime.folder import ModelFolder

        with user_errors():
            folder = ModelFolder.read(config.model_path(model))
        taxonomy.register(folder.technique_info())
        found = [taxonomy.get(name) for name in folder.techniques]
    if as_json:
        print(json.dumps([asdict(t) for t in found], indent=2))
        return
    table = Table("name", "display", "definition")
    for t in found:
        table.add_row(t.name, t.display, t.definition)
    Console().print(table)
