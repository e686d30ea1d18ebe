"""Speed against document length (PNG) from `speed.py --sweep` result files: p50 of
`analyze` against words (log-log, one line per tier and layout, dotted: linear growth from
the 1,000-word p50) and, where the run timed the reference, how many times faster than one
RoBERTa-large pass over the same tokens (the figure that travels between machines).

    .venv/bin/python benchmarks/speed_plot.py benchmarks/results/speed-sweep-fast.json \
        benchmarks/results/speed-sweep-accurate.json --out docs/speed.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def rows_of(result: dict[str, Any], tier: str) -> list[dict[str, Any]]:
    """One row per sweep point of a `speed.py --sweep` result."""
    if not result.get("sweep"):
        raise SystemExit(f"error: {tier}: no sweep in this result; run speed.py with --sweep.")
    return [{"tier": tier, "layout": r["layout"], "length": r["length"], "words": r["words"],
             "p50_ms": r["analyze_p50_ms"], "ratio": r.get("ratio")} for r in result["sweep"]]


def linear_guides(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tier, a line through its 1,000-word p50 (lines layout where there is one) that
    grows in proportion to words, across the words the sweep covered."""
    guides = []
    for tier in dict.fromkeys(r["tier"] for r in rows):
        own = [r for r in rows if r["tier"] == tier]
        anchors = sorted(own, key=lambda r: (abs(r["words"] - 1000), r["layout"] != "lines"))
        per_word = anchors[0]["p50_ms"] / anchors[0]["words"]
        for words in (min(r["words"] for r in own), max(r["words"] for r in own)):
            guides.append({"tier": tier, "words": words, "p50_ms": per_word * words})
    return guides


def log_ticks(lo: float, hi: float) -> list[int]:
    """1, 2, 5 times powers of ten from below `lo` to above `hi`."""
    ticks = [m * 10**e for e in range(7) for m in (1, 2, 5)]
    below = max([t for t in ticks if t <= lo], default=ticks[0])
    above = min([t for t in ticks if t >= hi], default=ticks[-1])
    return [t for t in ticks if below <= t <= above]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/speed.png"))
    parser.add_argument("--labels", default=None, help="comma-separated names, one per result file")
    args = parser.parse_args()

    import altair as alt
    import pandas as pd

    rows: list[dict[str, Any]] = []
    names = args.labels.split(",") if args.labels else [None] * len(args.results)
    machines = set()
    for path, name in zip(args.results, names, strict=True):
        result = json.loads(path.read_text())
        rows += rows_of(result, name or str(result.get("model", path.stem)))
        info = result.get("machine", {})
        machines.add(f"{info.get('cpu', '?')}, {info.get('unspin_threads', '?')} threads")
    data = pd.DataFrame(rows)
    lo, hi = data["words"].min(), data["words"].max()
    x = alt.X("words:Q", title="words", scale=alt.Scale(type="log", domain=[lo / 1.3, hi * 1.3], nice=False),
              axis=alt.Axis(format=",d", values=sorted({r["length"] for r in rows})))
    color = alt.Color("tier:N", legend=alt.Legend(orient="bottom"))
    dash = alt.StrokeDash("layout:N", legend=alt.Legend(orient="bottom"))
    base = alt.Chart(data).encode(x=x, color=color, tooltip=list(data.columns))

    def lines(y: Any) -> Any:
        return base.mark_line().encode(y=y, strokeDash=dash) + base.mark_circle(size=40).encode(y=y)

    ticks = log_ticks(data["p50_ms"].min(), data["p50_ms"].max())
    y = alt.Y("p50_ms:Q", title="analyze p50 (ms)",
              scale=alt.Scale(type="log", domain=[ticks[0], ticks[-1]], nice=False),
              axis=alt.Axis(format=",d", values=ticks))
    guide = alt.Chart(pd.DataFrame(linear_guides(rows))).mark_line(color="#999", strokeDash=[1, 3])
    guide = guide.encode(x=x, y="p50_ms:Q", detail="tier:N")
    cost = (guide + lines(y)).properties(
        width=300, height=260, title="Cost (dotted: linear growth from 1,000 words)"
    )
    chart: Any = cost
    if data["ratio"].notna().any():
        y = alt.Y("ratio:Q", title="× faster than one RoBERTa-large pass", scale=alt.Scale(zero=False))
        ratio = lines(y).transform_filter("isValid(datum.ratio)").properties(
            width=300, height=260, title="Against the reference, same run"
        )
        chart = alt.hconcat(cost, ratio)
    chart = chart.properties(title=alt.Title("unspin speed against document length",
                                             subtitle="; ".join(sorted(machines))))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    chart.save(str(args.out), scale_factor=2)
    print(args.out)


if __name__ == "__main__":
    main()
