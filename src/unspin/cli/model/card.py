"""`unspin model card`: a model's card (Markdown) from its folder and its recipe."""

from __future__ import annotations

from pathlib import Path

import typer

from unspin.cli.common import user_errors


def card(
    model: str = typer.Argument(..., help="A shipped tier (accurate, fast) or a model folder."),
    recipe: str = typer.Option(
        None, "--recipe",
        help="Its recipe (accurate, fast or a .toml); by default the tier's, or the one of the same name.",
    ),
    out: Path = typer.Option(None, "--out", help="Write the card here (default: print it)."),
) -> None:
    """Write a model card: intended use, the figures on articles no choice was made on (with
    95 % intervals), the tuning-split figures labelled as such, what the folder holds, and the
    recipe's steps."""
    from unspin import config
    from unspin.recipes import RECIPES, load
    from unspin.runtime.folder import ModelFolder
    from unspin.tuning.card import card as write_card

    with user_errors():
        path = config.model_path(model)
        if recipe is None and model in config.TIERS:
            recipe = model
        if recipe is None:
            name = ModelFolder.read(path).name
            recipe = next((p.stem for p in sorted(RECIPES.glob("*.toml")) if load(p).name == name), None)
        text = write_card(path, load(recipe) if recipe else None)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"{out}: card of {path}")
    else:
        print(text, end="")
