"""`unspin check`: verify the base encoder's digest and that the model loads and runs, and
that int8 ONNX (the default backend) finds what fp32 finds on this CPU."""

from __future__ import annotations

import json
import time
from typing import Any

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command()
def check(
    model: str = typer.Option(
        None, "--model", "-m", envvar="UNSPIN_MODEL", help="accurate (default), fast, or a model folder."
    ),
) -> None:
    """Check the installation: verified base weights, model loads, one sentence analyzed, and
    int8 finding what fp32 finds on this CPU. Exits 1 when they disagree."""
    import unspin
    from unspin import config

    with user_errors():
        t0 = time.perf_counter()
        analyzer = unspin.load(model)
        loaded = time.perf_counter() - t0
        found = spans_of(analyzer)
        report: dict[str, object] = {"model": analyzer.name, "load_seconds": round(loaded, 2),
                                     "spans_in_test_sentence": sorted(found)}
        if config.backend(None) in ("auto", "onnx"):
            reference = spans_of(unspin.load(model, backend="onnx-fp32"))
            agree = len(found & reference) / len(reference) if reference else 1.0
            report["agrees_with_fp32"] = round(agree, 2)
        report["ok"] = float(report.get("agrees_with_fp32", 1.0)) >= AGREEMENT  # type: ignore[arg-type]
    print(json.dumps(report))
    if not report["ok"]:
        typer.echo(f"The int8 model finds {len(found)} of the {len(reference)} spans fp32 finds in the test "
                   "sentence: int8 is broken on this CPU. Use --backend onnx-fp32 (UNSPIN_BACKEND=onnx-fp32) "
                   "and report it.", err=True)
        raise typer.Exit(1)


SENTENCE = "These corrupt traitors will destroy our great nation!"
AGREEMENT = 0.5  # of fp32's spans that int8 must find too (same offsets and technique)


def spans_of(analyzer: Any) -> set[tuple[str, str]]:
    """(text, technique) of each span `analyzer` finds in the test sentence, at no threshold."""
    return {(s.text, s.technique) for s in analyzer.analyze(SENTENCE, threshold=0.0).spans}
