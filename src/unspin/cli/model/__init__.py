"""`unspin model ...`: a model's lifecycle, one command each, in the order they are used.

The table below is the one list: each entry is registered under `unspin model`, and the
names that used to be top-level commands stay as hidden aliases for one release."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from unspin.cli.main import app
from unspin.cli.model import (
    adapt,
    calibrate,
    card,
    evaluate,
    pretrain,
    quantize,
    rebuild,
    train,
    tune,
    weights,
)

model_app = typer.Typer(
    help="A model's lifecycle: pretrain, train, teach, tune, calibrate, evaluate, soup, shrink, quantize, "
    "fuse, adapt, card, rebuild.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")

LIFECYCLE: list[tuple[str, Callable[..., Any]]] = [
    ("pretrain", pretrain.pretrain),
    ("train", train.train),
    ("teach", train.teach),
    ("tune", tune.tune),
    ("calibrate", calibrate.calibrate),
    ("evaluate", evaluate.evaluate),
    ("soup", weights.soup),
    ("shrink", weights.shrink),
    ("quantize", quantize.quantize),
    ("fuse", quantize.fuse),
    ("adapt", adapt.adapt),
    ("card", card.card),
    ("rebuild", rebuild.rebuild),
]
# Top-level names of the last release (`unspin evaluate` is the SemEval scorer and stays).
ALIASES = ("pretrain", "train", "teach", "tune", "calibrate", "soup", "shrink")


def _alias(name: str, command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        print(f"note: `unspin {name}` is now `unspin model {name}`; the old name goes in the next release.",
              file=sys.stderr)
        return command(*args, **kwargs)

    return run


for _name, _command in LIFECYCLE:
    model_app.command(_name)(_command)
    if _name in ALIASES:
        app.command(_name, hidden=True)(_alias(_name, _command))
app.command("adapt")(adapt.adapt)  # the loop users run most: also at the top level
