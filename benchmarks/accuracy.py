"""Accuracy on a fixed article-level split of the PTC training set (docs/model.md,
"Protocol"): a thin caller of `unspin.tuning.evaluate.evaluate_model`, the function behind
`unspin model evaluate`: SI F1, TC micro-F1 on gold spans, FLC F1 on what `analyze` shows, per
technique figures, spans shown per gold span, the calibration of span scores (ECE), and a 95 %
interval for each F1 from `--bootstrap N` resamples of the split's articles. Quote
`--split report` figures; tune on `--split tuning` only. Two models against each other on the
same articles: `compare.py`.

    .venv/bin/python benchmarks/accuracy.py --model fast --split report --out benchmarks/results/x.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emit import emit, saw_report

from unspin.tuning.evaluate import evaluate_model


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
    seen = saw_report(args.model, args.split)
    figures = evaluate_model(analyzer.predictor, args.data, args.split, name=analyzer.name,
                             resamples=args.bootstrap, per_technique=args.per_technique)
    emit({"saw_report": seen, **figures}, args.out)


if __name__ == "__main__":
    main()
