"""Co-occurrence and drill-down with an adapted model's own techniques (outside PTC's 14),
next to PTC's, on SQLite and PostgreSQL; expected rows worked out by hand."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from store_fixtures import make_analysis, make_doc
from typer.testing import CliRunner

from unspin import taxonomy
from unspin.batch.annotate import export_annotations
from unspin.cli.main import app
from unspin.store import Store, drill
from unspin.store import queries as q
from unspin.web import WebSettings, create_app

NC, LL = "Name_Calling,Labeling", "Loaded_Language"
SM, QR = "Smears", "Questioning_the_Reputation"  # an adapted model's own
# (text, source, published, [(phrase, technique)])
CORPUS = [
    ("d1 the traitors spread smears.", "Daily", "2024-01-01", [("traitors", NC), ("smears", SM)]),
    ("d2 traitors, vile lies, smears, doubtful record.", "Daily", "2024-01-05",
     [("traitors", NC), ("vile", LL), ("smears", SM), ("doubtful", QR)]),
    ("d3 smears and a doubtful record.", "Weekly", "2024-02-01", [("smears", SM), ("doubtful", QR)]),
    ("d4 a vile decision.", "Weekly", "2024-02-03", [("vile", LL)]),
    ("d5 a doubtful record.", "Daily", "2024-02-10", [("doubtful", QR)]),
    ("d6 nothing here.", "Daily", "2024-02-11", []),
]


@pytest.fixture
def corpus(store: Store) -> Store:
    store.add_documents([make_doc(t, source=s, published=p, title=f"Story-{t[1]}") for t, s, p, _ in CORPUS])
    by_text = {d.text: d for d in store.pending("m1")}
    with taxonomy.as_written():  # stored as a process with the adapted model loaded writes them
        store.save_batch([make_analysis(by_text[t], found) for t, _, _, found in CORPUS])
        saved = make_doc("Saved: traitors and smears.")  # a saved analysis: never in corpus figures
        store.save_analysis(make_analysis(saved, [("traitors", NC), ("smears", SM)]))
    return store


def pairs(store: Store, **filters: Any) -> set[tuple[str, str, int, float]]:
    with taxonomy.as_written():  # as in a process that loaded the adapted model
        rows = q.cooccurrence(store, q.Filters(**filters))
    return {(r["a"], r["b"], r["documents"], r["jaccard"]) for r in rows}


def both(x: str, y: str, n: int, jaccard: float) -> set[tuple[str, str, int, float]]:
    return {(x, y, n, jaccard), (y, x, n, jaccard)}


def test_every_pair_counted(corpus: Store) -> None:
    # documents: NC d1 d2; LL d2 d4; SM d1 d2 d3; QR d2 d3 d5
    expected = {(NC, NC, 2, 1.0), (LL, LL, 2, 1.0), (SM, SM, 3, 1.0), (QR, QR, 3, 1.0),
                *both(NC, LL, 1, 0.3333), *both(NC, SM, 2, 0.6667), *both(NC, QR, 1, 0.25),
                *both(LL, SM, 1, 0.25), *both(LL, QR, 1, 0.25), *both(SM, QR, 2, 0.5)}
    assert pairs(corpus) == expected
    rows = q.cooccurrence(corpus, q.Filters())
    assert [(r["a"], r["b"]) for r in rows] == sorted((r["a"], r["b"]) for r in rows)


def test_filters_apply(corpus: Store) -> None:
    assert pairs(corpus, sources=("Weekly",)) == {(LL, LL, 1, 1.0), (SM, SM, 1, 1.0), (QR, QR, 1, 1.0),
                                                  *both(SM, QR, 1, 1.0)}
    assert pairs(corpus, start=date(2024, 1, 1), end=date(2024, 1, 31)) == {
        (NC, NC, 2, 1.0), (LL, LL, 1, 1.0), (SM, SM, 2, 1.0), (QR, QR, 1, 1.0),
        *both(NC, LL, 1, 0.5), *both(NC, SM, 2, 1.0), *both(NC, QR, 1, 0.5),
        *both(LL, SM, 1, 0.5), *both(LL, QR, 1, 1.0), *both(SM, QR, 1, 0.5)}
    assert pairs(corpus, techniques=(SM, LL)) == {(LL, LL, 2, 1.0), (SM, SM, 3, 1.0), *both(LL, SM, 1, 0.25)}
    assert pairs(corpus, techniques=(SM, QR)) == {(SM, SM, 3, 1.0), (QR, QR, 3, 1.0), *both(SM, QR, 2, 0.5)}
    ptc_only = {(NC, NC, 2, 1.0), (LL, LL, 2, 1.0), *both(NC, LL, 1, 0.3333)}
    assert pairs(corpus, techniques=(NC, LL)) == ptc_only
    assert pairs(corpus, model="m2") == set()


def test_drill_down_with_own_techniques(corpus: Store) -> None:
    def found(f: q.Filters, **kw: Any) -> set[str]:
        return {d["title"][-1] for d in drill.documents_for(corpus, f, **kw)["documents"]}

    with taxonomy.as_written():
        assert found(q.Filters(), require=(SM, NC)) == {"1", "2"}
        assert found(q.Filters(), technique=SM, require=(SM, QR)) == {"2", "3"}
        # an own technique in the filter while the focus joins technique_counts too
        assert found(q.Filters(techniques=(SM,)), technique=LL) == {"2"}
        assert found(q.Filters(techniques=(QR, NC)), technique=LL) == {"2"}


def test_dashboard_chart_and_drill(corpus: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # the web app registers an adapted model's techniques when it loads the model
    monkeypatch.setattr(taxonomy, "_REGISTERED", dict(taxonomy._REGISTERED))
    monkeypatch.setattr(taxonomy, "_REGISTERED_ALIASES", dict(taxonomy._REGISTERED_ALIASES))
    taxonomy.register([taxonomy.custom(SM), taxonomy.custom(QR)])
    with TestClient(create_app(None, store=corpus, settings=WebSettings())) as client:
        rows = client.get("/corpus/charts/cooccurrence.json").json()["rows"]
        cell = next(r for r in rows if (r["a"], r["b"]) == (QR, SM))
        assert (cell["documents"], cell["a_display"]) == (2, "Questioning the Reputation")
        page = client.get(cell["drill"])
        assert page.status_code == 200
        assert "with Questioning the Reputation" in page.text and "contain Smears" in page.text
        assert "Story-2" in page.text and "Story-3" in page.text and "Story-5" not in page.text


def test_dashboard_filters_by_an_own_technique_without_the_model(corpus: Store,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # a server that has not loaded the adapted model still filters by the techniques the corpus holds
    monkeypatch.setattr(taxonomy, "_REGISTERED", dict(taxonomy._REGISTERED))
    monkeypatch.setattr(taxonomy, "_REGISTERED_ALIASES", dict(taxonomy._REGISTERED_ALIASES))
    with TestClient(create_app(None, store=corpus, settings=WebSettings())) as client:
        answer = client.get("/corpus/charts/cooccurrence.json",
                            params={"technique": ["smears", "Loaded language"]})
        assert answer.status_code == 200, answer.text
        rows = {(r["a"], r["b"], r["documents"]) for r in answer.json()["rows"]}
        assert rows == {(LL, LL, 2), (SM, SM, 3), (LL, SM, 1), (SM, LL, 1)}
        page = client.get("/corpus/documents", params={"focus": "Questioning the Reputation"})
        assert page.status_code == 200 and "Story-5" in page.text
        assert client.get("/corpus.json", params={"technique": "Slurs"}).status_code == 400


def test_cli_stats_and_export_without_the_model(corpus: Store, tmp_path: Path) -> None:
    # `unspin corpus stats/export` read the store only: the adapted model is not loaded here
    runner = CliRunner()
    result = runner.invoke(app, ["corpus", "stats", "--db", corpus.url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {(r["technique"], r["documents"], r["display"]) for r in data["by_technique"]} == {
        (NC, 2, "Name calling / labeling"), (LL, 2, "Loaded language"), (SM, 3, "Smears"),
        (QR, 3, "Questioning the Reputation")}
    assert {(r["a"], r["b"], r["documents"]) for r in data["cooccurrence"]} >= {(SM, QR, 2), (NC, SM, 2)}
    out = runner.invoke(app, ["corpus", "export", str(tmp_path / "x"), "--db", corpus.url, "-f", "csv",
                              "--table", "cooccurrence", "--source", "Weekly"])
    assert out.exit_code == 0, out.output
    with (tmp_path / "x" / "cooccurrence.csv").open(encoding="utf-8") as fh:
        rows = {(r["a"], r["b"], int(r["documents"]), float(r["jaccard"])) for r in csv.DictReader(fh)}
    assert rows == {(LL, LL, 1, 1.0), (SM, SM, 1, 1.0), (QR, QR, 1, 1.0), *both(SM, QR, 1, 1.0)}


def test_cli_technique_filter_names_an_own_technique(corpus: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(taxonomy, "_REGISTERED", dict(taxonomy._REGISTERED))  # the CLI registers it
    monkeypatch.setattr(taxonomy, "_REGISTERED_ALIASES", dict(taxonomy._REGISTERED_ALIASES))
    runner = CliRunner()
    result = runner.invoke(app, ["corpus", "stats", "--db", corpus.url, "--json", "--technique", "smears",
                                 "--technique", "loaded language"])  # any spelling, as for PTC's
    assert result.exit_code == 0, result.output
    rows = {(r["a"], r["b"], r["documents"], r["jaccard"]) for r in json.loads(result.stdout)["cooccurrence"]}
    assert rows == {(LL, LL, 2, 1.0), (SM, SM, 3, 1.0), *both(LL, SM, 1, 0.25)}
    unheld = runner.invoke(app, ["corpus", "stats", "--db", corpus.url, "--technique", "Slurs"])
    assert unheld.exit_code == 2 and "Unknown technique 'Slurs'" in unheld.output


def test_label_studio_export_lists_own_labels(corpus: Store, tmp_path: Path) -> None:
    export_annotations(corpus, tmp_path, fmt="label-studio")
    config = (tmp_path / "label-studio-config.xml").read_text(encoding="utf-8")
    offered = set(re.findall(r'<Label value="([^"]+)"', config))
    assert {SM, QR, NC, LL} <= offered and len(offered) == 16  # PTC's 14 and the two own
    tasks = json.loads((tmp_path / "label-studio.json").read_text(encoding="utf-8"))
    results = [r for t in tasks for p in t["predictions"] for r in p["result"]]
    used = {label for r in results for label in r["value"]["labels"]}
    assert used == {SM, QR, NC, LL}
