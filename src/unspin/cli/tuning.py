"""`unspin tune` and `unspin calibrate`: settings chosen on the tuning split after training."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from unspin.cli.common import numbers, user_errors
from unspin.cli.main import app
from unspin.cli.train import annotation_split


@app.command()
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


@app.command()
def calibrate(
    data: Path = typer.Option(..., "--data", help="PTC folder with train-articles/ and labels."),
    model: Path = typer.Option(..., "--model", help="Model folder to calibrate in place."),
    backend: str = typer.Option("auto", "--backend", help="auto, torch, onnx or onnx-fp32."),
    memory: bool = typer.Option(
        True, "--span-memory/--no-span-memory",
        help="Offer the span memory (techniques of the same words in the train split's spans).",
    ),
) -> None:
    """Tune what readers see on the tuning split, after `unspin tune`: the rules that revise
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
