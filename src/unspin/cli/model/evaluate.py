"""`unspin model evaluate`: a model's figures on labelled articles, with 95 % intervals."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from unspin.cli.common import user_errors


def evaluate(
    model: str = typer.Option(None, "--model", "-m", help="accurate (default), fast, or a model folder."),
    split: str = typer.Option(
        "report", "--split",
        help="report, tuning, train or all (of the PTC folder --data), or a folder of labelled "
        "articles to score whole (PTC or ct24-en layout).",
    ),
    data: Path = typer.Option(Path("../shared/data/ptc"), "--data", help="The PTC folder the splits are of."),
    backend: str = typer.Option(None, "--backend", help="auto, onnx, onnx-fp32 or torch."),
    resamples: int = typer.Option(
        1000, "--resamples", min=0, help="Bootstrap resamples of articles (0: none)."
    ),
    out: Path = typer.Option(None, "--out", "-o", help="Also write the figures as JSON here."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """SI, TC and FLC F1 with 95 % intervals, per technique, spans shown per gold span and the
    calibration error (ECE) of a model on labelled articles. Quote report-split figures; make
    choices on the tuning split only."""
    import unspin
    from unspin import config
    from unspin.errors import InputError
    from unspin.runtime import provenance
    from unspin.tuning.evaluate import evaluate_model

    with user_errors():
        if split not in ("report", "tuning", "train", "all"):
            if not Path(split).is_dir():
                raise InputError(
                    f"--split {split!r} is neither report, tuning, train, all nor a folder."
                )
            data, split = Path(split), "all"
        analyzer = unspin.load(model, backend=backend)
        seen = provenance.saw_report(config.model_path(model))
        if split == "report" and (warning := provenance.describe(analyzer.name, seen)):
            print(f"warning: {warning}", file=sys.stderr)
        figures = evaluate_model(analyzer.predictor, data, split, name=analyzer.name, resamples=resamples)
        figures["saw_report"] = seen
    text = json.dumps(figures, indent=2) + "\n"
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    if as_json:
        sys.stdout.write(text)
    else:
        show(figures, Console())


def show(figures: dict[str, Any], console: Console) -> None:
    """The figures as a reader wants them: tasks with intervals, then per technique."""
    console.print(f"[bold]{figures['model']}[/] on {figures['split']} of {figures['data']}: "
                  f"{figures['articles']} articles, {figures['gold_spans']} gold spans")
    table = Table("task", "precision", "recall", "F1", "95 % interval")
    for task in ("si", "tc", "flc"):
        lo, hi = figures.get("ci95", {}).get(task, (None, None))
        table.add_row(task.upper(), f"{figures[task]['precision']:.3f}", f"{figures[task]['recall']:.3f}",
                      f"{figures[task]['f1']:.3f}", f"{lo:.3f}-{hi:.3f}" if lo is not None else "")
    console.print(table)
    if "techniques_scored" in figures:
        console.print(f"The model's techniques are not the data's: TC and FLC count the "
                      f"{len(figures['techniques_scored'])} both have, in the data's names, and leave out "
                      f"{figures['gold_left_out']} gold span(s) of others; SI counts every span.")
    console.print(f"spans shown per gold span {figures['predicted_per_gold']:.2f}; "
                  f"ECE {figures['ece']:.3f} (of the spans shown {figures['ece_shown']:.3f})")
    if "tc_per_technique" in figures:
        flc = figures["flc_per_technique"]
        per = Table("technique", "TC F1", "FLC F1")
        for name, f1 in sorted(figures["tc_per_technique"].items(), key=lambda kv: -kv[1]):
            value = flc.get(name)
            value = value.get("f1") if isinstance(value, dict) else value
            per.add_row(name, f"{f1:.3f}", f"{value:.3f}" if isinstance(value, float | int) else "")
        console.print(per)
