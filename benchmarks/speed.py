"""Speed of the analysis core, as ratios that travel between machines.

The default run times a 1,000-word article (one sentence per line): cold load, p50/p95 of
`analyze` over `--runs`, `pipe` throughput over `--pipe-docs` articles, peak RSS; then the
same number of tokens through a RoBERTa-large-shaped reference encoder (random init, fp32,
torch, as many threads as unspin uses, 512-token windows one after another:
`speed_reference.py`), reported as `reference_p50_ms` and `ratio` = reference p50 / tier
p50 (how many times faster than one RoBERTa-large pass, the 2020 winners' backbone).
Absolute times vary 2-3x between days on a shared machine; ratios measured in one run do
not. Every result names the CPU, its count and unspin's thread count.

    .venv/bin/python benchmarks/speed.py --model fast            # or accurate (the default)
    .venv/bin/python benchmarks/speed.py --backend torch --no-reference
    .venv/bin/python benchmarks/speed.py --model fast --busy     # also beside a CPU-bound process
    .venv/bin/python benchmarks/speed.py --model fast --sweep --out benchmarks/results/speed-sweep-fast.json

`--sweep` also times documents of `--lengths` words in each of `--layouts` (`lines`: one
sentence per line; `one-line`: the same words joined by spaces), each in a fresh process
(so its peak RSS is its own): p50/p95 of `analyze` (`--runs` at 1,000 words and below,
scaled down with length, at least 2), tokens/s, cost against the 1,000-word p50 of the same
layout (linear growth: 16,000 words cost 16x), peak RSS, and the reference pass over the
same number of tokens. Long documents are warmed up on a 1,000-word one.

With `--busy`, the p50 is measured again while a second process keeps one core busy (a
bounded arithmetic loop), and the slowdown against the quiet p50 is reported.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ("lines", "one-line")
TARGET_16K_VS_1K = 17  # issue 16: 16,000 words cost at most 17x the 1,000-word p50


def article(words: int = 1000, layout: str = "lines") -> str:
    """An article of at least `words` words made from the repository's example: one
    sentence per line (`lines`), or the same words on one line (`one-line`)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}.")
    base = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8").split("\n")
    lines, count, i = [], 0, 0
    while count < words:
        line = base[i % len(base)] or "The committee will meet again next week to discuss the plan."
        lines.append(line)
        count += len(line.split())
        i += 1
    return ("\n" if layout == "lines" else " ").join(lines)


def runs_for(words: int, runs: int) -> int:
    """Timed runs for a `words`-word document: `runs` up to 1,000 words, fewer (in
    proportion) above, but at least 2 (unless `runs` itself is smaller)."""
    return min(runs, max(2, round(runs * 1000 / words)))


def percentile(times: list[float], q: float) -> float:
    """The nearest-rank `q` percentile (0 < q <= 1) of `times`: with 2 runs, p95 is the slower."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def growth(rows: list[dict[str, Any]]) -> None:
    """Add to each sweep row its cost against the 1,000-word p50 of the same layout
    (`cost_vs_1000`, linear growth: `words_vs_1000`) and `per_word_vs_1000` (their ratio:
    1.0 is linear, above 1 grows faster). Rows of a layout without a 1,000-word row are
    left as they are."""
    base = {r["layout"]: r for r in rows if r["length"] == 1000}
    for row in rows:
        ref = base.get(row["layout"])
        if ref is None:
            continue
        cost = row["analyze_p50_ms"] / ref["analyze_p50_ms"]
        words = row["words"] / ref["words"]
        row.update(cost_vs_1000=round(cost, 2), words_vs_1000=round(words, 2),
                   per_word_vs_1000=round(cost / words, 2))


def targets(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 16's target per layout, where the sweep reached 16,000 words: the 16,000-word
    p50 at most 17x the 1,000-word p50."""
    out = {}
    for row in rows:
        if row["length"] == 16000 and "cost_vs_1000" in row:
            out[row["layout"]] = {"cost_16000_vs_1000": row["cost_vs_1000"],
                                  "target": TARGET_16K_VS_1K,
                                  "met": row["cost_vs_1000"] <= TARGET_16K_VS_1K}
    return out


def peak_rss_mb() -> int:
    """This process's peak RSS. `VmHWM` where Linux has it: `ru_maxrss` of a process
    started by fork + exec also counts its parent's memory at the fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def machine() -> dict[str, Any]:
    """The CPU this runs on and the threads unspin uses."""
    from unspin.runtime.threads import available_cpus, inference_threads

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpu_count": os.cpu_count(), "available_cpus": available_cpus(),
            "unspin_threads": inference_threads(), "python": platform.python_version(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


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


def measure_length(model: str | None, backend: str, words: int, layout: str, runs: int) -> dict[str, Any]:
    """One sweep point, meant for a fresh process: load, warm up (on at most 1,000 words),
    time `runs` analyses of a `words`-word document, peak RSS."""
    t0 = time.perf_counter()
    import unspin

    analyzer = unspin.load(model, backend=backend)
    load_s = time.perf_counter() - t0
    rss_load = peak_rss_mb()
    text = article(words, layout)
    prepared = analyzer.predictor.prepare(text)
    analyzer.analyze(article(min(words, 1000), layout))  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        analyzer.analyze(text)
        times.append(time.perf_counter() - t)
    p50 = statistics.median(times)
    return {
        "layout": layout,
        "length": words,
        "words": len(text.split()),
        "chars": len(text),
        "tokens": len(prepared.tokens),
        "windows": len(prepared.windows) + len(prepared.shifted),
        "runs": runs,
        "load_s": round(load_s, 2),
        "analyze_p50_ms": round(1000 * p50, 1),
        "analyze_p95_ms": round(1000 * percentile(times, 0.95), 1),
        "tokens_per_s": round(len(prepared.tokens) / p50),
        "rss_after_load_mb": rss_load,
        "peak_rss_mb": peak_rss_mb(),
    }


class Reference:
    """The reference pass in a worker process of its own (built once, kept for the run),
    measured once per token count."""

    def __init__(self, runs: int):
        self.runs = runs
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.done: dict[int, dict[str, Any]] = {}

    def measure(self, tokens: int, words: int) -> dict[str, Any]:
        import speed_reference

        if tokens not in self.done:
            runs = runs_for(words, self.runs)
            self.done[tokens] = self.pool.submit(speed_reference.measure, tokens, runs).result()
        return self.done[tokens]

    def info(self) -> dict[str, Any]:
        import speed_reference

        return self.pool.submit(speed_reference.info).result()

    def close(self) -> None:
        self.pool.shutdown()


def with_ratio(result: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """`result` with the reference's figures and `ratio` (reference p50 / tier p50)."""
    return {**result, **reference,
            "ratio": round(reference["reference_p50_ms"] / result["analyze_p50_ms"], 2)}


def default_run(args: argparse.Namespace) -> tuple[dict[str, Any], Any, str]:
    """The 1,000-word run of earlier versions (same keys), in this process."""
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
    result: dict[str, Any] = {
        "backend": args.backend,
        "predictor_backend": type(getattr(analyzer.predictor, "backend", analyzer.predictor)).__name__,
        "model": args.model or os.environ.get("UNSPIN_MODEL") or "accurate",
        "model_name": analyzer.name,
        "words": len(text.split()),
        "tokens": n_tokens,
        "cold_load_s": round(load_s, 2),
        "runs": args.runs,
        "analyze_p50_ms": round(1000 * statistics.median(times), 1),
        "analyze_p95_ms": round(1000 * percentile(times, 0.95), 1),
    }
    if args.pipe_docs:
        t = time.perf_counter()
        n = sum(1 for _ in analyzer.pipe([text] * args.pipe_docs, batch_size=16))
        pipe_s = time.perf_counter() - t
        result.update(pipe_articles_per_s=round(n / pipe_s, 2),
                      pipe_tokens_per_s=round(n * n_tokens / pipe_s))
    result["peak_rss_mb"] = peak_rss_mb()
    return result, analyzer, text


def busy_run(analyzer, text: str, runs: int) -> dict[str, Any]:
    quiet = p50_ms(analyzer, text, max(3, runs // 3))
    other = multiprocessing.get_context("spawn").Process(target=_spin, args=(600.0,), daemon=True)
    other.start()
    try:
        time.sleep(0.5)
        busy = p50_ms(analyzer, text, max(3, runs // 3))
    finally:
        other.terminate()
        other.join()
    return {"quiet_p50_ms": quiet, "busy_p50_ms": busy, "busy_slowdown": round(busy / quiet, 2)}


def sweep(args: argparse.Namespace, reference: Reference | None) -> list[dict[str, Any]]:
    """Each length and layout in a fresh process, then the reference over its tokens."""
    rows = []
    context = multiprocessing.get_context("spawn")
    for words in args.lengths:
        for layout in args.layouts:
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                row = pool.submit(measure_length, args.model, args.backend, words, layout,
                                  runs_for(words, args.runs)).result()
            if reference is not None:
                row = with_ratio(row, reference.measure(row["tokens"], words))
            print(f"{layout} {row['words']} words: p50 {row['analyze_p50_ms']} ms, "
                  f"ratio {row.get('ratio', '-')}, peak RSS {row['peak_rss_mb']} MB", file=sys.stderr)
            rows.append(row)
    growth(rows)
    return rows


def _ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def _layouts(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    for name in names:
        if name not in LAYOUTS:
            raise argparse.ArgumentTypeError(f"layouts are {', '.join(LAYOUTS)}; got {name!r}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="auto", help="auto, onnx, onnx-fp32 or torch")
    parser.add_argument("--model", default=None,
                        help="a tier (accurate, fast) or a model folder (default: UNSPIN_MODEL or accurate)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs at 1,000 words")
    parser.add_argument("--pipe-docs", type=int, default=32, help="articles for `pipe` (0: skip)")
    parser.add_argument("--busy", action="store_true", help="also measure beside a CPU-bound process")
    parser.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the RoBERTa-large reference pass and report ratios (default: on)")
    parser.add_argument("--reference-runs", type=int, default=5,
                        help="reference runs at 1,000 words (scaled down with length, at least 2)")
    parser.add_argument("--sweep", action="store_true", help="also time --lengths x --layouts")
    parser.add_argument("--lengths", type=_ints, default=[250, 1000, 4000, 16000],
                        help="words, comma-separated")
    parser.add_argument("--layouts", type=_layouts, default=list(LAYOUTS), help="lines, one-line")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON result here")
    args = parser.parse_args()

    info = machine()
    result, analyzer, text = default_run(args)
    reference = Reference(args.reference_runs) if args.reference else None
    try:
        if reference is not None:
            result = with_ratio(result, reference.measure(result["tokens"], 1000))
        if args.busy:
            result.update(busy_run(analyzer, text, args.runs))
        if args.sweep:
            del analyzer
            result["sweep"] = sweep(args, reference)
            result["targets"] = targets(result["sweep"])
        if reference is not None:
            result["reference"] = reference.info()
    finally:
        if reference is not None:
            reference.close()
    info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = info
    json.dump(result, sys.stdout)
    print()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
