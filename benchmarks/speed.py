"""Speed of the analysis core on a 1,000-word article: cold load, p50/p95 latency of
`analyze`, `pipe` throughput, peak RSS. Run each backend in its own process:

    .venv/bin/python benchmarks/speed.py --backend onnx      # int8 ONNX (default tier)
    .venv/bin/python benchmarks/speed.py --backend torch
    .venv/bin/python benchmarks/speed.py --model fast --busy   # also beside a CPU-bound process

With `--busy`, the p50 is measured again while a second process keeps one core busy (a
bounded arithmetic loop), and the slowdown against the quiet p50 is reported.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def article(words: int = 1000) -> str:
    """A 1,000-word article made from the repository's example, one sentence per line."""
    base = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8").split("\n")
    lines, count, i = [], 0, 0
    while count < words:
        line = base[i % len(base)] or "The committee will meet again next week to discuss the plan."
        lines.append(line)
        count += len(line.split())
        i += 1
    return "\n".join(lines)


def _spin(seconds: float) -> None:
    """Keep one core busy for `seconds` (the other process of `--busy`)."""
    end, x = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        for i in range(10_000):
            x = (x + i * i) % 1_000_003


def p50_ms(analyzer, text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        analyzer.analyze(text)
        times.append(time.perf_counter() - t)
    return round(1000 * statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="auto", help="auto, onnx, onnx-fp32 or torch")
    parser.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pipe-docs", type=int, default=32)
    parser.add_argument("--busy", action="store_true", help="also measure beside a CPU-bound process")
    args = parser.parse_args()

    t0 = time.perf_counter()
    import unspin

    analyzer = unspin.load(args.model, backend=args.backend)
    load_s = time.perf_counter() - t0
    text = article()
    n_tokens = len(analyzer.predictor.prepare(text).tokens)
    analyzer.analyze(text)  # warm-up
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        analyzer.analyze(text)
        times.append(time.perf_counter() - t)
    times.sort()
    t = time.perf_counter()
    n = sum(1 for _ in analyzer.pipe([text] * args.pipe_docs, batch_size=16))
    pipe_s = time.perf_counter() - t
    result = {
        "backend": args.backend,
        "predictor_backend": type(analyzer.predictor.backend).__name__,
        "words": len(text.split()),
        "tokens": n_tokens,
        "cold_load_s": round(load_s, 2),
        "analyze_p50_ms": round(1000 * statistics.median(times), 1),
        "analyze_p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
        "pipe_articles_per_s": round(n / pipe_s, 2),
        "pipe_tokens_per_s": round(n * n_tokens / pipe_s),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.busy:
        import multiprocessing

        quiet = p50_ms(analyzer, text, max(3, args.runs // 3))
        other = multiprocessing.get_context("spawn").Process(target=_spin, args=(600.0,), daemon=True)
        other.start()
        try:
            time.sleep(0.5)
            busy = p50_ms(analyzer, text, max(3, args.runs // 3))
        finally:
            other.terminate()
            other.join()
        result.update(quiet_p50_ms=quiet, busy_p50_ms=busy, busy_slowdown=round(busy / quiet, 2))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
