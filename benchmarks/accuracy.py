"""Accuracy on a fixed article-level split of the PTC training set (docs/model.md,
"Protocol"): SI F1, TC micro-F1 on gold spans, FLC F1 on what `analyze` shows, per
technique precision / recall / F1 and predicted-per-gold span counts, and the calibration
of span scores (ECE), and with `--bootstrap N` a 95 % interval for each F1 from N resamples of
the split's articles. Quote `--split report` figures; tune on `--split tuning` only. Two models
against each other on the same articles: `compare.py`.

    .venv/bin/python benchmarks/accuracy.py --model fast --split report --out benchmarks/results/x.json
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from emit import emit, saw_report

from unspin.runtime.calibration import calibrate
from unspin.scoring import bootstrap, evaluate, interval, without_ignored
from unspin.tuning.calibration import expected_calibration_error, reliability
from unspin.tuning.output import predictions
from unspin.tuning.splits import evaluation_set
from unspin.tuning.validation import validation_labels


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/ptc")
    parser.add_argument("--model", default=None)
    parser.add_argument("--backend", default="auto")
    parser.add_argument(
        "--split", default="report", choices=("report", "tuning", "all"),
        help="a split of a PTC folder, or 'all' for a folder such as ct24-en (its ignore spans honoured)",
    )
    parser.add_argument("--per-technique", action="store_true")
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamples of articles (0: none)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()

    import unspin

    analyzer = unspin.load(args.model, backend=args.backend)
    predictor = analyzer.predictor
    corpus = evaluation_set(args.data, args.split)
    dev, labels = corpus.docs, corpus.labels
    t = time.perf_counter()
    encoded = list(predictor.encode(d.text for d in dev))  # one encoder pass for everything below
    labelled = validation_labels(predictor, dev, labels, encoded)
    for task in ("si", "flc"):  # spans mostly inside ignore spans are neither right nor wrong
        labelled[task] = without_ignored(labelled[task], corpus.ignore)
    gold_rows = [lab for d in dev for lab in labels.get(str(d.id), [])]
    figures = {task: evaluate(task, labelled[task], gold_rows).to_dict() for task in ("si", "tc", "flc")}
    preds, rows = predictions(predictor, dev, encoded, labels)
    counted = {id(r) for r in without_ignored(rows, corpus.ignore)}
    preds = [p for p, r in zip(preds, rows, strict=True) if id(r) in counted]
    scores = [calibrate(predictor.settings.calibration, p.technique, p.raw) for p in preds]
    shown = [s >= predictor.settings.min_score for s in scores]
    hits = [p.hit for p in preds]
    n_gold = sum(len(labels.get(str(d.id), [])) for d in dev)
    out = {
        "model": analyzer.name,
        "split": args.split,
        "saw_report": saw_report(args.model, args.split),
        "articles": len(dev),
        "seconds": round(time.perf_counter() - t, 1),
        **{
            task: {k: figures[task][k] for k in ("precision", "recall", "f1")} for task in ("si", "tc", "flc")
        },
        "predicted_per_gold": round(sum(shown) / max(1, n_gold), 3),
        "ece": round(expected_calibration_error(scores, hits), 4),
        "ece_shown": round(
            expected_calibration_error(
                [s for s, k in zip(scores, shown, strict=True) if k],
                [h for h, k in zip(hits, shown, strict=True) if k],
            ),
            4,
        ),
        "reliability": reliability(scores, hits),
    }
    if args.bootstrap:
        ids = [str(d.id) for d in dev]
        out["ci95"] = {}
        for task in ("si", "tc", "flc"):
            f1 = bootstrap(task, [labelled[task]], gold_rows, ids, resamples=args.bootstrap)[:, 0]
            out["ci95"][task] = [round(x, 4) for x in interval(f1)]
        out["ci95_resamples"] = args.bootstrap
    if args.per_technique:
        out["tc_per_technique"] = figures["tc"]["per_technique"]
        out["flc_per_technique"] = figures["flc"].get("detail", figures["flc"]["per_technique"])
    emit(out, args.out)


if __name__ == "__main__":
    main()
