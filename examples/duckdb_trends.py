"""Technique trends from an unspin corpus export, with DuckDB (notebook-style: run it whole, or
cell by cell in VS Code / Jupyter through the `# %%` markers).

    pip install duckdb                      # not an unspin dependency; `unspin[examples]` has it
    unspin corpus export out/ --format parquet --table spans --table by_source
    python examples/duckdb_trends.py out/ trends.html

It reads `out/spans.parquet` (one row per span, schema in docs/corpus.md), prints the weekly
spans per technique and each outlet's top techniques, and writes a line chart (Vega-Lite via
Altair, which `unspin[corpus]` installs) to `trends.html`.
"""

# %%
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
chart_path = Path(sys.argv[2] if len(sys.argv) > 2 else "trends.html")
spans = str(folder / "spans.parquet")
con = duckdb.connect()

# %% The export at a glance: DuckDB reads the Parquet file directly.
print(con.sql(f"SELECT count(*) AS spans, count(DISTINCT document_id) AS documents, min(published) AS first, "
              f"max(published) AS last FROM '{spans}'"))

# %% Spans per technique and week (documents without a date are left out).
weekly = con.sql(f"""
    SELECT date_trunc('week', published) AS week, technique, count(*) AS spans,
           count(DISTINCT document_id) AS documents
    FROM '{spans}' WHERE published IS NOT NULL
    GROUP BY ALL ORDER BY week, spans DESC
""")
print(weekly)

# %% Each outlet's three most frequent techniques.
print(con.sql(f"""
    WITH counted AS (SELECT source, technique, count(*) AS spans FROM '{spans}' GROUP BY source, technique)
    SELECT source, technique, spans FROM counted
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY spans DESC, technique) <= 3
    ORDER BY source, spans DESC
"""))

# %% Plot the weekly trend (a standalone HTML page; no server needed).
import altair as alt  # noqa: E402

rows = weekly.df()
chart = (alt.Chart(rows).mark_line(point=True)
         .encode(x=alt.X("week:T", title="Week"), y=alt.Y("spans:Q", title="Spans"),
                 color=alt.Color("technique:N", title="Technique"),
                 tooltip=["week:T", "technique:N", "spans:Q"])
         .properties(width=700, height=320, title="Propaganda techniques per week"))
chart.save(str(chart_path))
print(f"chart: {chart_path}")
