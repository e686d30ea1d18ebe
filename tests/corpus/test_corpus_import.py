"""Corpus import: JSONL, CSV, text/HTML folders and PTC folders; dedupe; bad records reported."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from unspin.batch.importer import import_paths
from unspin.batch.sources import Problem, iter_documents
from unspin.cli.main import app
from unspin.store import Store

HTML = ("<html><head><title>Fear Week</title></head><body><article><h1>Fear Week</h1>"
        "<p>The invaders are coming for our towns and nobody will be safe when they arrive here.</p>"
        "<p>Only a fool would doubt what every decent citizen already knows about this threat.</p>"
        "</article></body></html>")


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [
        json.dumps({"text": "First text.", "id": "x1", "source": "Daily",
                    "published": "2024-02-03T10:00:00Z"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"text": "Bad date.", "published": "yesterday"}),
        json.dumps({"html": HTML, "source": "Weekly"}),
    ])
    problems: list[Problem] = []
    docs = list(iter_documents([path], problems.append))
    assert next(d.text for d in docs) == "First text."
    assert docs[0].meta == {"ext_id": "x1", "source": "Daily", "published": "2024-02-03"}
    assert "invaders" in docs[1].text and docs[1].meta["title"] == "Fear Week"
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "not valid JSON"), (3, "the record has neither `text` nor `html`"),
        (4, "expected a JSON object, found list"),
        (6, "Cannot read the date 'yesterday'; expected an ISO date such as 2024-03-31.")]
    assert str(problems[0]).startswith(f"{path}:2: ")


def test_csv_rows_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text('id,text,source\n1,"multi\nline text",S\n2,,S\n3,"ok",S,extra\n4,fine text,\n',
                    encoding="utf-8")
    problems: list[Problem] = []
    docs = list(iter_documents([path], problems.append, source="Fallback"))
    assert [(d.text, d.meta["source"]) for d in docs] == [("multi\nline text", "S"),
                                                          ("fine text", "Fallback")]
    assert [p.line for p in problems] == [4, 5]
    bad = tmp_path / "c.csv"
    bad.write_text("body\nhello\n", encoding="utf-8")
    problems.clear()
    assert list(iter_documents([bad], problems.append)) == []
    assert "`text` or `html` column" in problems[0].message


def test_folders_of_text_html_and_ptc(tmp_path: Path, ptc_dir: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "one.txt").write_text("A plain article about the budget.", encoding="utf-8")
    (folder / "two.html").write_text(HTML, encoding="utf-8")
    (folder / "empty.txt").write_text("  ", encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00\x01")
    problems: list[Problem] = []
    docs = list(iter_documents([folder, ptc_dir, tmp_path / "missing"], problems.append, source="Site"))
    by_id = {d.meta.get("ext_id"): d for d in docs}
    assert by_id["one"].text == "A plain article about the budget."
    assert by_id["two"].meta["title"] == "Fear Week"
    ptc_ids = {d.meta["ext_id"] for d in docs if "path" in d.meta and "article" in d.meta["path"]}
    assert {"1", "2", "3"} <= ptc_ids
    # line endings become LF on every path (the batch run analyzes the stored text as is)
    assert by_id["3"].text.endswith("doomed?\n") and by_id["3"].meta["normalized"] == {"line_endings": 3}
    assert len(problems) == 2 and "empty" in str(problems[0]) and "missing" in str(problems[1])


def test_import_twice_adds_nothing(tmp_path: Path, store: Store) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [json.dumps({"text": f"text {i}"}) for i in range(5)]
                       + [json.dumps({"text": "text 0", "id": "same text again"}), "oops"])
    first = import_paths(store, [path])
    assert (first["read"], first["added"], first["duplicates"], first["skipped"]) == (6, 5, 1, 1)
    assert first["problems"] == [f"{path}:7: not valid JSON (Expecting value at column 1)"]
    second = import_paths(store, [path])
    assert (second["added"], second["duplicates"]) == (0, 6)
    assert store.document_count() == 5


def test_cli_import(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [json.dumps({"text": "hello corpus"}), "{"])
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["corpus", "import", str(path), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["skipped"]) == (1, 1)
    assert f"{path}:2" in result.stderr
