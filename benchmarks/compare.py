"""Two models on the same articles of a split, with paired bootstrap intervals: each
model's SI, TC and FLC F1, and the difference B - A with its 95 % interval and the share of
resamples where B is ahead. A difference whose interval holds 0 is not shown by the split.

    .venv/bin/python benchmarks/compare.py --a runs/x/model-accurate --b accurate --split report
    .venv/bin/python benchmarks/compare.py --a M1 --b M2 --data ../shared/data/ct24-en --split all
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from emit import emit, saw_report

from unspin.scoring import bootstrap, evaluate, interval, without_ignored
from unspin.tuning.splits import evaluation_set
from unspin.tuning.validation import validation_labels

TASKS = ("si", "tc", "flc")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--a", required=True, help="a tier or model folder")
    parser.add_argument("--b", required=True, help="a tier or model folder")
    parser.add_argument("--data", default="../shared/data/ptc")
    parser.add_argument("--backend", default="auto")
    parser.add_argument(
        "--split", default="report", choices=("report", "tuning", "all"),
        help="a split of a PTC folder, or 'all' for a folder such as ct24-en (its ignore spans honoured)",
    )
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    if args.resamples < 1:
        parser.error("--resamples must be at least 1")

    import unspin

    corpus = evaluation_set(args.data, args.split)
    dev, labels = corpus.docs, corpus.labels
    ids = [str(d.id) for d in dev]
    gold_rows = [lab for d in dev for lab in labels.get(str(d.id), [])]
    models = [unspin.load(m, backend=args.backend).predictor for m in (args.a, args.b)]
    runs = [validation_labels(predictor, dev, labels) for predictor in models]
    for run in runs:  # spans mostly inside ignore spans are neither right nor wrong
        run["si"], run["flc"] = (without_ignored(run[task], corpus.ignore) for task in ("si", "flc"))
    out: dict[str, object] = {
        "a": args.a, "b": args.b, "split": args.split, "articles": len(dev), "resamples": args.resamples,
        "seed": args.seed, "a_saw_report": saw_report(args.a, args.split),
        "b_saw_report": saw_report(args.b, args.split),
    }
    for task in TASKS:
        preds = [r[task] for r in runs]
        f1 = bootstrap(task, preds, gold_rows, ids, resamples=args.resamples, seed=args.seed)
        diff = f1[:, 1] - f1[:, 0]
        a, b = (evaluate(task, p, gold_rows).f1 for p in preds)
        out[task] = {
            "a": round(a, 4), "a_ci95": [round(x, 4) for x in interval(f1[:, 0])],
            "b": round(b, 4), "b_ci95": [round(x, 4) for x in interval(f1[:, 1])],
            "b_minus_a": round(b - a, 4), "b_minus_a_ci95": [round(x, 4) for x in interval(diff)],
            "b_ahead_share": round(float(np.mean(diff > 0)), 3),
        }
    emit(out, args.out)


if __name__ == "__main__":
    main()
