"""`unspin model calibrate`: what readers see, chosen on the tuning split after `tune`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from unspin.cli.common import user_errors


def calibrate(
    data: Path = typer.Option(..., "--data", help="PTC folder with train-articles/ and labels."),
    model: Path = typer.Option(..., "--model", help="Model folder to calibrate in place."),
    backend: str = typer.Option("auto", "--backend", help="auto, torch, onnx or onnx-fp32."),
    memory: bool = typer.Option(
        True, "--span-memory/--no-span-memory",
        help="Offer the span memory (techniques of the same words in the train split's spans).",
    ),
) -> None:
    """Tune what readers see on the tuning split, after `unspin model tune`: the rules that revise
    a span's technique probabilities (span memory, Repetition where its words came earlier
    or recur; each kept only if TC F1 rises), the tidy-up rules (each kept only if SI and
    FLC F1 do not drop), calibration of span scores (centred isotonic: per technique or one shared
    map, by cross-fitted Brier score), and the default least score (`threshold`) for FLC
    F1; writes them into MODEL/config.json."""
    import unspin
    from unspin.tuning import span_memory
    from unspin.tuning.data import load_corpus
    from unspin.tuning.output import tune_output, write_output_settings
    from unspin.tuning.splits import split_of

    with user_errors():
        analyzer = unspin.load(model, backend=backend)
        docs, labels = load_corpus(data)
        ids = [str(d.id) for d in docs]
        keep, train = set(split_of(ids, "tuning")), set(split_of(ids, "train"))
        table = span_memory.of_documents(
            [d for d in docs if d.id in train], labels, analyzer.predictor.techniques
        )
        dev = [d for d in docs if d.id in keep]
        tuned = tune_output(analyzer.predictor, dev, labels, memory=(table or None) if memory else None)
        write_output_settings(model, tuned)
    print(json.dumps({k: v for k, v in tuned.items() if k not in ("calibration", "span_memory")}))
