"""`unspin check`: verify the base encoder's digest and that the model loads and runs."""

from __future__ import annotations

import json
import time

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app


@app.command()
def check(
    model: str = typer.Option(
        None, "--model", "-m", envvar="UNSPIN_MODEL", help="accurate (default), fast, or a model folder."
    ),
) -> None:
    """Check the installation: verified base weights, model loads, one sentence analyzed."""
    import unspin

    with user_errors():
        t0 = time.perf_counter()
        analyzer = unspin.load(model)
        loaded = time.perf_counter() - t0
        analysis = analyzer.analyze("These corrupt traitors will destroy our great nation!")
    print(
        json.dumps(
            {
                "model": analyzer.name,
                "load_seconds": round(loaded, 2),
                "spans_in_test_sentence": [(s.text, s.technique) for s in analysis.spans],
                "ok": True,
            }
        )
    )
