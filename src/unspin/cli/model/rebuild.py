"""`unspin model rebuild`: a shipped tier rebuilt from its recipe in recipes/, resumably."""

from __future__ import annotations

from pathlib import Path

import typer

from unspin.cli.common import user_errors


def rebuild(
    tier: str = typer.Argument(..., help="accurate, fast, or a recipe .toml file."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print every step and check every input; run nothing."
    ),
    from_step: int = typer.Option(
        None, "--from-step", min=1, help="Run again from this step on (1 is the first); skip those before."
    ),
    out: Path = typer.Option(None, "--out", help="Folder for the rebuild (default runs/rebuild-TIER)."),
    data: Path = typer.Option(
        None, "--data",
        help="The data folder the recipe's {data} names (default ../shared/data beside the clone).",
    ),
) -> None:
    """Rebuild a shipped tier from its recipe (recipes/TIER.toml): every step an `unspin model`
    command, each finished step recorded in OUT/rebuild.json and skipped when rerun. `--dry-run`
    prints the steps and checks that every input exists and is the one recorded (SHA-256)."""
    import typer.main

    from unspin.cli.model import model_app
    from unspin.recipes import DATA, check_commands, load, run, show

    with user_errors():
        recipe = load(tier)
        folder = out or Path("runs") / f"rebuild-{recipe.tier}"
        data = data or DATA
        commands = dict(typer.main.get_command(model_app).commands)  # type: ignore[attr-defined]
        check_commands(recipe, folder, data, commands)
        if dry_run:
            show(recipe, folder, data)
            return
        run(recipe, folder, data, from_step=from_step)
    print(f"rebuilt {recipe.tier} into {folder} (steps recorded in {folder / 'rebuild.json'})")
