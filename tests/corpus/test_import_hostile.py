"""Corpus import of hostile records: each bad one is reported and skipped, its neighbours
are imported, and nothing a database rejects reaches it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.batch.importer import import_paths
from unspin.batch.sources import Problem, iter_documents
from unspin.cli.main import app
from unspin.store import Store

SHARED = ("The minister said the reform would protect every family in the country from the crisis, "
          "and that the cost of the programme would be met without new taxes on working people.")


def html(i: int) -> str:
    return (f"<html><body><article><h1>Story {i}</h1><p>Opening paragraph {i} about the local council "
            f"and its budget meeting this week.</p><p>{SHARED}</p><p>Closing remarks {i} from residents "
            "who attended the hearing downtown.</p></article></body></html>")


def hostile_jsonl(path: Path) -> Path:
    lines = [
        json.dumps({"text": "Good one.", "id": "g1"}),
        '{"text": "Lone \\ud800 surrogate in the text.", "id": "s1"}',
        '{"text": "Lone surrogate in the source.", "source": "Daily\\udc00 News", "id": "s2"}',
        '{"text": "NUL in source and title.", "source": "Bad\\u0000Source", "title": "T\\u0000", "id": "n1"}',
        '{"text": "NUL in the text\\u0000."}',
        "[" * 100_000 + "]" * 100_000,
        '{"text": 12345}',
        '{"text": true}',
        '{"text": "big number", "n": ' + "9" * 5000 + "}",
        '{"text": "Windows\\r\\nline endings\\r\\n", "id": "crlf"}',
        *(json.dumps({"html": html(i), "id": f"h{i}"}) for i in range(6)),
        json.dumps({"text": "Good two.", "id": "g2"}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def test_bad_records_are_reported_and_skipped(tmp_path: Path) -> None:
    problems: list[Problem] = []
    docs = {d.meta.get("ext_id"): d for d in iter_documents([hostile_jsonl(tmp_path / "h.jsonl")],
                                                             problems.append)}
    assert set(docs) == {"g1", "s1", "s2", "n1", "crlf", "g2", *(f"h{i}" for i in range(6))}
    assert docs["s1"].text == "Lone \ufffd surrogate in the text."
    assert docs["s2"].meta["source"] == "Daily\ufffd News"
    assert docs["n1"].meta["source"] == "BadSource" and docs["n1"].meta["title"] == "T"
    assert docs["crlf"].text == "Windows\nline endings\n"
    assert all(SHARED in docs[f"h{i}"].text for i in range(6))  # no dedupe across records
    found = sorted((p.line, p.message) for p in problems)
    assert [line for line, _ in found] == [5, 6, 7, 8, 9]
    assert "NUL" in found[0][1] and "nested too deeply" in found[1][1]
    assert "must be a string" in found[2][1] and "must be a string" in found[3][1]


def test_hostile_import_into_the_store(tmp_path: Path, store: Store) -> None:
    report = import_paths(store, [hostile_jsonl(tmp_path / "h.jsonl")])
    assert (report["added"], report["skipped"]) == (12, 5)
    sources = {store.get_document(d.id).meta.get("source") for d in store.pending("m")}  # type: ignore[union-attr]
    assert {"Daily\ufffd News", "BadSource"} <= sources


def test_links_out_of_the_folder_are_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Top secret text outside the folder.", encoding="utf-8")
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "inside.txt").write_text("A text inside the folder.", encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "leak.txt")
    os.symlink(outside, folder / "leakdir")
    os.symlink(folder / "sub" / "inside.txt", folder / "alias.txt")  # stays inside: read
    problems: list[Problem] = []
    texts = sorted(d.text for d in iter_documents([folder], problems.append))
    assert texts == ["A text inside the folder.", "A text inside the folder."]
    assert sorted(Path(p.path).name for p in problems) == ["leak.txt", "leakdir"]
    assert all("outside the imported folder" in p.message for p in problems)


def test_cli_import_reports_and_continues(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    result = CliRunner().invoke(app, ["corpus", "import", str(hostile_jsonl(tmp_path / "h.jsonl")),
                                      "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 12
    assert result.stderr.count("skipped ") == 5


def test_db_in_a_missing_folder_needs_create(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "c.db"
    data = tmp_path / "a.jsonl"
    data.write_text('{"text": "One."}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["corpus", "import", str(data), "--db", str(path)])
    assert result.exit_code == 2 and "does not exist" in result.stderr and "--create" in result.stderr
    assert not path.parent.exists()
    result = CliRunner().invoke(app, ["corpus", "import", str(data), "--db", str(path), "--create"])
    assert result.exit_code == 0, result.output
    assert path.exists()


@pytest.mark.postgres
def test_unreachable_postgres_is_one_line(pg_url: str) -> None:
    bad = pg_url.rsplit("/", 1)[0] + "/no_such_database_here"
    result = CliRunner().invoke(app, ["corpus", "stats", "--db", bad])
    assert result.exit_code == 2 and "Cannot open the database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["corpus", "stats", "--db", "postgresql://postgres@127.0.0.1:1/x"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_filters_with_nul_do_not_reach_the_database(store: Store) -> None:
    from unspin.store.queries import Filters, overview

    assert overview(store, Filters(sources=("\x00", "S\ud800"), model="m\x00"))["documents"] == 0


def test_fifos_are_reported_and_skipped(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("A text before the pipe.", encoding="utf-8")
    os.mkfifo(folder / "b.txt")  # nobody ever writes: reading it would block forever
    os.symlink(folder / "b.txt", folder / "c.txt")  # a link to it, inside the folder
    (folder / "d.jsonl").write_text('{"text": "A record after the pipe."}\n', encoding="utf-8")
    os.mkfifo(tmp_path / "given.txt")
    db = tmp_path / "f.db"
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "corpus", "import", str(folder),
           str(tmp_path / "given.txt"), "--db", str(db), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], report["skipped"]) == (2, 3)
    assert done.stderr.count("a FIFO (named pipe), not a regular file; skipped") == 3
    assert all(name in done.stderr for name in ("b.txt", "c.txt", "given.txt"))
