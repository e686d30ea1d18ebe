"""`unspin model tune`: the decoding settings chosen on the tuning split after training."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from unspin.cli.common import numbers, user_errors
from unspin.cli.model.train import annotation_split


def tune(
    data: Path = typer.Option(..., "--data", help="PTC folder with train-articles/ and labels, or a "
                              "Label Studio .json / doccano .jsonl export."),
    model: Path = typer.Option(Path("runs/minilm/model"), "--model", help="Model folder to tune in place."),
    backend: str = typer.Option("torch", "--backend", help="auto, torch, onnx or onnx-fp32."),
    weights: str = typer.Option(
        None,
        "--weights",
        help="Fused pair only: first member's weights to try, e.g. 0.4,0.5,0.6,0.7.",
    ),
    technique_weights: str = typer.Option(
        None,
        "--technique-weights",
        help="Fused pair only, with --weights: first member's weights to try for the techniques "
        "alone (the spans keep the weight --weights chose), e.g. 0.3,0.5.",
    ),
) -> None:
    """Tune the decoding settings on the validation split (and, with --weights, a fused
    pair's member weights; with --technique-weights, a separate weight for the techniques);
    writes them into MODEL/config.json."""
    import unspin
    from unspin.errors import InputError
    from unspin.tuning.data import load_corpus
    from unspin.tuning.splits import tuning_ids
    from unspin.tuning.thresholds import tune as run_tune
    from unspin.tuning.thresholds import tune_fusion, write_settings

    with user_errors():
        analyzer = unspin.load(model, backend=backend)
        docs, labels = load_corpus(data)
        valid = set(annotation_split(data).get("tuning_ids") or tuning_ids())
        dev = [d for d in docs if d.id in valid]
        if not dev:
            raise InputError(f"No document of the validation split is in {data}: nothing to tune on.")
        if technique_weights and not weights:
            raise InputError("--technique-weights needs --weights.")
        if weights:
            firsts = numbers("--weights", weights)
            technique_firsts = numbers("--technique-weights", technique_weights) if technique_weights else []
            tuned = tune_fusion(analyzer.predictor, dev, labels, firsts, technique_firsts)
        else:
            tuned = run_tune(analyzer.predictor, dev, labels)
        write_settings(model, tuned)
    print(json.dumps(tuned))
