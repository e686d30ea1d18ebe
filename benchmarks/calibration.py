"""Calibration error of a model's span scores, cross-fitted by article: the tuning split
is cut into folds, calibration maps are fitted on the other folds' predictions and applied
to each fold's. For a model trained on report-split articles (whose report figures would be
optimistic) this is the honest ECE; for others, `accuracy.py --split report` gives it.

    .venv/bin/python benchmarks/calibration.py --model accurate \
        --out benchmarks/results/calibration-accurate.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emit import emit

from unspin.tuning import calibration as C
from unspin.tuning.data import load_corpus
from unspin.tuning.output import predictions
from unspin.tuning.splits import split_of


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/ptc")
    parser.add_argument("--model", default=None)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import unspin

    predictor = unspin.load(args.model, backend=args.backend).predictor
    docs, labels = load_corpus(args.data)
    keep = set(split_of([str(d.id) for d in docs], "tuning"))
    dev = [d for d in docs if d.id in keep]
    encoded = list(predictor.encode(d.text for d in dev))
    per_doc = [predictions(predictor, [d], [e], labels)[0] for d, e in zip(dev, encoded, strict=True)]
    min_count = C.min_count_of(predictor.settings.calibration)  # the model's kind of maps
    ece, scores, hits = C.cross_fitted_ece(per_doc, min_count=min_count, folds=args.folds)
    raw = [p.raw for ps in per_doc for p in ps]
    raw_hits = [p.hit for ps in per_doc for p in ps]
    out = {
        "model": args.model or "accurate",
        "split": f"tuning, {args.folds}-fold cross-fitted by article",
        "predictions": len(scores),
        "ece_uncalibrated": round(C.expected_calibration_error(raw, raw_hits), 4),
        "maps": "per technique" if min_count == C.MIN_PER_TECHNIQUE else "shared",
        "ece": round(ece, 4),
        "reliability": C.reliability(scores, hits),
        "reliability_uncalibrated": C.reliability(raw, raw_hits),
    }
    emit(out, args.out)


if __name__ == "__main__":
    main()
