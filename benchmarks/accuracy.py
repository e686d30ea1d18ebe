"""Accuracy on the fixed article-level validation split (src/unspin/models/valid_ids.txt):
SI F1, TC micro-F1 on gold spans, FLC F1, per technique, for one model and backend.

    .venv/bin/python benchmarks/accuracy.py --data ../shared/data/ptc --backend onnx
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from unspin.models.train import default_valid_ids, load_corpus, validate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default="../shared/data/ptc")
    parser.add_argument("--model", default=None)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--threshold", type=float, default=None, help="override the span threshold")
    parser.add_argument("--per-technique", action="store_true")
    args = parser.parse_args()

    import unspin

    analyzer = unspin.load(args.model, backend=args.backend)
    if args.threshold is not None:
        analyzer.predictor.settings.threshold = args.threshold
    docs, labels = load_corpus(args.data)
    valid = set(default_valid_ids())
    dev = [d for d in docs if d.id in valid]
    t = time.perf_counter()
    figures = validate(analyzer.predictor, dev, labels)
    out = {
        "model": analyzer.name,
        "backend": type(analyzer.predictor.backend).__name__,
        "articles": len(dev),
        "threshold": analyzer.predictor.settings.threshold,
        "flc_threshold": analyzer.threshold,
        "seconds": round(time.perf_counter() - t, 1),
        **{
            task: {k: figures[task][k] for k in ("precision", "recall", "f1")} for task in ("si", "tc", "flc")
        },
    }
    if args.per_technique:
        out["tc_per_technique"] = figures["tc"]["per_technique"]
        out["flc_per_technique"] = figures["flc"]["per_technique"]
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
