"""int8 for MPNet with outlier channels kept fp32 (docs/model.md, "int8 for MPNet"): compares the
int8 recipes of `unspin.runtime.export.outliers` against the fused fp32 graph. Choosing one
for a model is `unspin model quantize MODEL --outliers RECIPE`, which writes its config.

    .venv/bin/python benchmarks/int8_outliers.py --config all-top8   # print the config entries
    .venv/bin/python benchmarks/int8_outliers.py --compare attn-int8,int8-all,ffn-top8,all-top8 \
        --out benchmarks/results/int8-outliers.json

`--compare` builds each recipe's graph, then reports the share of word pieces of tuning-split
windows whose "inside a span" decision (P(B) + P(I) > 0.25) flips against fp32, the
relative change of the hidden states, and the time per window on `--speed-windows` news
windows (every recipe runs each window in turn, the first one rotating; median of
`--repeats`), so that all recipes share the machine's ups and downs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from emit import emit

from unspin.runtime import windows as W
from unspin.runtime.backends import onnx as onnx_backend
from unspin.runtime.decode.bio import O, softmax
from unspin.runtime.export.outliers import RECIPES, entries, feed, maxima_of, news_windows, outliers_for
from unspin.runtime.export.quantize import quantize


def tuning_windows(data: str, tokenizer, settings: dict, *, count: int) -> list[dict]:
    from unspin.tuning.data import load_corpus
    from unspin.tuning.splits import split_of

    docs, _ = load_corpus(data)
    keep, size, out = set(split_of([str(d.id) for d in docs], "tuning")), settings["max_len"] - 2, []
    for doc in (d for d in docs if d.id in keep):
        ids = W.tokenize(tokenizer, doc.text).ids.tolist()
        out += [feed(settings, ids[a : a + size]) for a in range(0, max(1, len(ids) - 64), size)]
    return out[:count]


def compare(fused: Path, head: Path, recipes: list[str], maxima: dict, tuning: list, speed: list,
            repeats: int) -> dict:
    from unspin.runtime.backends.onnx import OnnxBackend

    folder = Path(tempfile.mkdtemp(prefix="int8-outliers-"))
    sessions = {"fp32": OnnxBackend(fused, head, threads=2).session}
    for name in recipes:
        path = folder / f"{name}.onnx"
        quantize(fused, path, only=RECIPES[name][0], outliers=outliers_for(name, maxima))
        sessions[name] = OnnxBackend(path, head, threads=2).session
        path.unlink()
    out: dict[str, dict] = {n: {} for n in sessions}
    ref = [sessions["fp32"].run(None, f) for f in tuning]
    for name in recipes:
        flips = total = 0
        drift = []
        for f, (states, bio, _) in zip(tuning, ref, strict=True):
            s, b, _ = sessions[name].run(None, f)
            a, c = 1 - softmax(bio[0, 1:-1])[:, O], 1 - softmax(b[0, 1:-1])[:, O]
            flips, total = flips + int(((a > 0.25) != (c > 0.25)).sum()), total + len(a)
            drift.append(np.linalg.norm(s - states) / np.linalg.norm(states))
        out[name].update(flipped=round(flips / total, 4), state_change=round(float(np.mean(drift)), 4),
                         channels=sum(map(len, outliers_for(name, maxima).values())))
    order, times = list(sessions), {n: [] for n in sessions}
    for s in sessions.values():
        s.run(None, speed[0])
    for rep in range(repeats):
        spent = dict.fromkeys(sessions, 0.0)
        for i, f in enumerate(speed):
            k = (i + rep) % len(order)
            for name in order[k:] + order[:k]:
                t = time.perf_counter()
                sessions[name].run(None, f)
                spent[name] += time.perf_counter() - t
        for name in sessions:
            times[name].append(1000 * spent[name] / len(speed))
    fp32 = statistics.median(times["fp32"])
    for name, t in times.items():
        median = statistics.median(t)
        out[name].update(ms_per_window=round(median, 1), vs_fp32=round(fp32 / median, 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=Path("src/unspin/resources/model-mpnet"))
    parser.add_argument("--news", type=Path, default=Path("../shared/data/news/hyperpartisan-2017.jsonl"))
    parser.add_argument("--data", default="../shared/data/ptc")
    parser.add_argument("--windows", type=int, default=32, help="calibration windows")
    parser.add_argument("--config", choices=RECIPES, help="print this recipe's config entries")
    parser.add_argument("--compare", default="", help="recipes, comma-separated")
    parser.add_argument("--tuning-windows", type=int, default=48)
    parser.add_argument("--speed-windows", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from unspin.runtime import bases
    from unspin.runtime.folder import ModelFolder

    config = ModelFolder.read(args.model).config
    settings = config["settings"]
    maxima, used = maxima_of(args.model, args.news, windows=args.windows)
    if args.config:
        sys.stdout.write(json.dumps(entries(args.config, maxima)) + "\n")
        return
    tokenizer = W.load_tokenizer(args.model, bases.locate(config["base"]) if config.get("base") else None)
    fused, head = onnx_backend.cached_paths(args.model, quantize=False)
    recipes = [r for r in args.compare.split(",") if r]
    unknown = [r for r in recipes if r not in RECIPES]
    if unknown:
        parser.error(f"unknown recipes {unknown}: expected some of {', '.join(RECIPES)}")
    out = {
        "calibration_windows": used,
        "recipes": compare(
            fused, head, recipes, maxima,
            tuning_windows(args.data, tokenizer, settings, count=args.tuning_windows),
            news_windows(args.news, tokenizer, settings, skip=100, count=args.speed_windows),
            args.repeats,
        ),
    }
    emit(out, args.out)


if __name__ == "__main__":
    main()
