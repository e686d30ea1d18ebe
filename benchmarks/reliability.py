"""Reliability diagram (PNG) from `accuracy.py` result files: per score bin, the mean
calibrated score against how often annotators marked that technique there.

    .venv/bin/python benchmarks/reliability.py benchmarks/results/accuracy-fast-report.json \
        --out docs/reliability.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/reliability.png"))
    parser.add_argument("--labels", default=None, help="comma-separated names, one per result file")
    args = parser.parse_args()

    import altair as alt
    import pandas as pd

    rows = []
    names = args.labels.split(",") if args.labels else [None] * len(args.results)
    for path, name in zip(args.results, names, strict=True):
        result = json.loads(path.read_text())
        label = f"{name or result['model']} ({result['split']}, ECE {result['ece']:.3f})"
        rows += [{**r, "model": label} for r in result["reliability"]]
    data = pd.DataFrame(rows)
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(color="#999", strokeDash=[4, 4])
    diagonal = diagonal.encode(x="x:Q", y="y:Q")
    x = alt.X("score:Q", title="calibrated score (bin mean)", scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("observed:Q", title="share marked by annotators", scale=alt.Scale(domain=[0, 1]))
    color = alt.Color("model:N", legend=alt.Legend(orient="bottom", columns=1, labelLimit=400))
    base = alt.Chart(data).encode(x=x, y=y, color=color)
    points = base.mark_line(strokeWidth=1.5).encode(order="score:Q") + base.mark_circle(opacity=0.8).encode(
        size=alt.Size("count:Q", title="spans in bin", scale=alt.Scale(range=[30, 600])),
        tooltip=["model", "score", "observed", "count"],
    )
    chart = (diagonal + points).properties(width=360, height=360, title="Reliability of span scores")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    chart.save(str(args.out), scale_factor=2)
    print(args.out)


if __name__ == "__main__":
    main()
