"""`unspin model quantize` and `unspin model fuse`: a model folder made ready to ship."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from unspin.cli.common import numbers, user_errors


def quantize(
    model: Path = typer.Argument(..., help="Model folder (not a fused one: quantize each member)."),
    outliers: str = typer.Option(
        "ffn-top8", "--outliers",
        help="int8 recipe: attn-int8, int8-all, ffn-top4|8|16, ffn-ge6-max16, all-top4|8, all-ge6-max16.",
    ),
    news: Path = typer.Option(
        Path("../shared/data/news/hyperpartisan-2017.jsonl"), "--news",
        help="Unlabelled news (JSONL with a text field; never PTC) whose activations choose the channels.",
    ),
    windows: int = typer.Option(32, "--windows", min=1, help="News windows to take the activations from."),
) -> None:
    """Choose which encoder MatMuls run int8 and which of their input channels stay fp32
    (outliers found on unlabelled news), and write the choice into MODEL/config.json
    (`int8_only`, `int8_outliers`, `"backend": "onnx"`). Needs torch (the fp32 export).
    Compare the recipes with benchmarks/int8_outliers.py."""
    from unspin.errors import InputError
    from unspin.runtime.export import outliers as chooser

    with user_errors():
        if outliers not in chooser.RECIPES:
            raise InputError(f"--outliers {outliers!r}: expected one of {', '.join(chooser.RECIPES)}.")
        if not news.is_file():
            raise InputError(f"--news {news}: no such file.")
        maxima, used = chooser.maxima_of(model, news, windows=windows)
        chosen = chooser.entries(outliers, maxima)
        chooser.write(model, chosen)
    channels = sum(map(len, chosen.get("int8_outliers", {}).values()))
    print(json.dumps({"model": str(model), "recipe": outliers, "windows": used, "fp32_channels": channels}))


def fuse(
    members: list[Path] = typer.Argument(..., help="Member model folders, the first one's tokens lead."),
    out: Path = typer.Option(..., "--out", help="Folder for the fused model (its config.json only)."),
    weights: str = typer.Option(
        None, "--weights", help="One weight per member, e.g. 0.7,0.3 (equal by default)."
    ),
    views: str = typer.Option(None, "--views", help="1 or 2 views of a long text per member, e.g. 1,1."),
    name: str = typer.Option(None, "--name", help="The fused model's name (default: the folder's)."),
) -> None:
    """Write a fused ensemble's folder: a config.json naming its members (relative paths),
    their weights and views; then `unspin model tune --weights ...` and `calibrate` it."""
    import os

    from unspin.errors import InputError
    from unspin.runtime.folder import ModelFolder

    with user_errors():
        shares = numbers("--weights", weights) if weights else [1 / len(members)] * len(members)
        seen = [int(v) for v in numbers("--views", views)] if views else None
        for member in members:
            ModelFolder.read(member)
        if len(shares) != len(members) or (seen is not None and len(seen) != len(members)):
            raise InputError("--weights and --views need one value per member.")
        out.mkdir(parents=True, exist_ok=True)
        config = {
            "format": 1, "name": name or out.name,
            "fuse": [os.path.relpath(m.resolve(), out.resolve()) for m in members],
            "weights": shares, **({"views": seen} if seen else {}),
        }
        path = ModelFolder(out, config).write()
    print(f"{path}: {len(members)} members, weights {shares}")
