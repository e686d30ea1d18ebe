"""SemEval-2020 Task 11 commands: `unspin predict` and `unspin evaluate`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from unspin.cli.common import use_techniques_of, user_errors
from unspin.cli.main import app


class Task(StrEnum):
    si = "si"
    tc = "tc"
    flc = "flc"


@app.command()
def evaluate(
    task: Task = typer.Option(..., "--task", help="si, tc or flc."),
    pred: Path = typer.Argument(..., help="Predicted labels: a file or a folder of *.labels."),
    gold: Path = typer.Argument(..., help="Gold labels: a file or a folder of *.labels."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    model: str = typer.Option(None, "--model", "-m", help="Accept this (adapted) model's technique names."),
) -> None:
    """Score predictions against gold labels (precision, recall, F1, per-technique F1)."""
    from unspin import scoring
    from unspin.io import ptc

    with user_errors():
        use_techniques_of(model)
        score = scoring.evaluate(task.value, ptc.read_labels(pred), ptc.read_labels(gold))
    if as_json:
        print(json.dumps(score.to_dict(), indent=2))
        return
    console = Console()
    console.print(f"[bold]{task.value}[/]  P {score.precision:.4f}  R {score.recall:.4f}  F1 {score.f1:.4f}")
    if score.per_technique:
        table = Table("technique", "F1", "gold")
        for name, f1 in sorted(score.per_technique.items(), key=lambda kv: -kv[1]):
            table.add_row(name, f"{f1:.4f}", str(score.support.get(name, 0)))
        console.print(table)


@app.command()
def predict(
    articles: Path = typer.Argument(..., help="Folder of article<ID>.txt files."),
    task: Task = typer.Option(..., "--task", help="si, tc or flc."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the label rows."),
    spans: Path = typer.Option(None, "--spans", help="TC template: rows `id ? start end` to label."),
    model: str = typer.Option(
        None, "--model", "-m", envvar="UNSPIN_MODEL", help="accurate (default), fast, or a model folder."
    ),
    span_threshold: float = typer.Option(
        None,
        "--span-threshold",
        min=0.0,
        max=1.0,
        help="Override the model's span-decoding threshold (a SemEval research knob; not the "
        "minimum confidence that `analyze --threshold` sets).",
    ),
) -> None:
    """Write SemEval-format predictions for a folder of articles."""
    from rich.progress import track

    from unspin.research import predict_folder

    with user_errors():
        n = predict_folder(
            articles, task.value, out, template=spans, model=model, span_threshold=span_threshold, track=track
        )
    print(f"wrote {n} rows to {out}")
