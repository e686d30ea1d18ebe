"""Reviewers correct the model: corrections through the API, the reviewed page, agreement,
and `unspin export-annotations` writing what `unspin train --data` reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api import ARTICLE, assert_error

from unspin.io import ptc
from unspin.web import WebSettings, create_app

HTML = {"Accept": "text/html"}


def review(c: Any, aid: str, **body: Any) -> dict[str, Any]:
    r = c.post(f"/api/analyses/{aid}/review", json={"reviewer": "Ana", **body})
    assert r.status_code == 200, r.text
    return r.json()


def by_text(spans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["text"]: s for s in spans}


def round_trip(c: Any) -> str:
    aid = c.post("/api/analyze", json={"text": ARTICLE, "title": "Rally"}).json()["id"]
    state = c.get(f"/api/analyses/{aid}/review").json()
    assert state["corrections"] == [] and {s["status"] for s in state["spans"]} == {"model"}
    spans = by_text(state["spans"])
    mob = spans["radical left mob"]
    out = review(c, aid, action="reject", span=spans["Everybody knows the truth about them."]["key"])
    assert out["correction"]["reviewer"] == "Ana" and out["correction"]["created"].endswith("Z")
    out = review(c, aid, action="relabel", span=mob["key"], technique="Loaded_Language")
    out = review(c, aid, action="resize", span=mob["key"], start=mob["start"] + 8)
    start = ARTICLE.index("Officials declined")
    out = review(c, aid, action="add", start=start, end=start + len("Officials declined"), technique="Doubt")
    now = by_text(out["spans"])
    assert now["left mob"]["status"] == "resized" and now["left mob"]["technique"] == "Loaded_Language"
    assert now["left mob"]["model"]["technique"] == "Name_Calling,Labeling"
    assert now["Officials declined"]["status"] == "added" and now["Officials declined"]["model"] is None
    assert now["Everybody knows the truth about them."]["status"] == "rejected"
    assert len(c.get(f"/api/analyses/{aid}/review").json()["corrections"]) == 4

    twin = c.get(f"/a/{aid}.json").json()
    assert twin["review"]["corrections"] == 4 and twin["review"]["reviewers"] == ["Ana"]
    page = c.get(f"/a/{aid}", headers=HTML).text
    assert "4 corrections by Ana, not marked reviewed yet" in page and "reviewed-badge" not in page
    assert 'aria-label="Officials declined (Doubt, reviewer added)"' in page
    assert "rejected by Ana" in page and "Everybody knows" in page
    block = page.split('id="data-main">')[1].split("</script>")[0]
    assert '"status": "rejected"' in block or '"status":"rejected"' in block

    model_rows = c.get(f"/a/{aid}/labels.txt").text.splitlines()
    reviewed_rows = c.get(f"/a/{aid}/labels.txt", params={"reviewed": 1}).text.splitlines()
    assert len(model_rows) == 5 and len(reviewed_rows) == 5  # one rejected, one added
    assert f"{aid}\tDoubt\t{start}\t{start + 18}" in reviewed_rows
    assert not any("Bandwagon" in row for row in reviewed_rows)

    assert c.get("/api/agreement").json() == {"ok": True, "articles": 0, "techniques": []}  # not marked
    assert c.get("/api/analyses", params={"reviewed": "true"}).json()["total"] == 0
    mark = c.post(f"/api/analyses/{aid}/reviewed", json={"reviewer": "Ana"}).json()
    assert mark["ok"] and mark["reviewed"]["reviewer"] == "Ana" and mark["reviewed"]["at"].endswith("Z")
    assert c.get(f"/api/analyses/{aid}/review").json()["reviewed"] == mark["reviewed"]
    page = c.get(f"/a/{aid}", headers=HTML).text
    assert '<span class="reviewed-badge">Reviewed by Ana, ' in page and "not marked reviewed" not in page
    assert 'class="mark-reviewed" aria-pressed="true"' in page
    [item] = c.get("/api/analyses", params={"reviewed": "true"}).json()["items"]
    assert item["id"] == aid and item["reviewed"] == mark["reviewed"]
    agreement = c.get("/api/agreement").json()
    rows = {r["technique"]: r for r in agreement["techniques"]}
    assert agreement["articles"] == 1
    assert rows["Name_Calling,Labeling"] == {**rows["Name_Calling,Labeling"], "model": 1, "agreed": 0,
                                             "relabelled": 1, "reviewer": 0, "agreement": 0.0}
    assert rows["Loaded_Language"]["reviewer"] == 2 and rows["Loaded_Language"]["agreed"] == 1
    assert rows["Doubt"]["added"] == 1 and rows["Bandwagon,Reductio_ad_hitlerum"]["rejected"] == 1
    assert "Model and reviewers" in c.get("/history", headers=HTML).text
    return aid


def test_review_in_memory(sync_client: Any) -> None:
    round_trip(sync_client)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_mark_reviewed_filter_and_unmark(store: str, tmp_path: Path, fake: Any) -> None:
    if store == "sqlite":
        pytest.importorskip("sqlalchemy")
    settings = WebSettings(db=str(tmp_path / "m.db")) if store == "sqlite" else WebSettings()
    with TestClient(create_app(fake, settings=settings)) as c:
        done = c.post("/api/analyze", json={"text": ARTICLE, "title": "Checked"}).json()["id"]
        c.post("/api/analyze", json={"text": ARTICLE + " Again.", "title": "Unchecked"})
        assert_error(c.post(f"/api/analyses/{done}/reviewed", json={"reviewed": True}), 400, "reviewer")
        assert_error(c.post("/api/analyses/nope/reviewed", json={"reviewer": "Ana"}), 404)
        assert c.post(f"/api/analyses/{done}/reviewed", json={"reviewer": "Ana"}).json()["reviewed"]
        agreement = c.get("/api/agreement").json()  # untouched model spans of a reviewed article agree
        assert agreement["articles"] == 1 and all(r["agreement"] == 1.0 for r in agreement["techniques"])
        html = c.get("/history", params={"reviewed": "yes"}, headers=HTML).text
        assert "Checked" in html and "Unchecked" not in html and '<span class="badge">reviewed</span>' in html
        assert '<option value="yes" selected>reviewed only</option>' in html
        assert [i["title"] for i in c.get("/history.json", params={"reviewed": "no"}).json()["items"]] == \
            ["Unchecked"]
        assert_error(c.get("/history.json", params={"reviewed": "maybe"}), 400, "reviewed")
        assert c.post(f"/api/analyses/{done}/reviewed", json={"reviewed": False}).json()["reviewed"] is None
        assert c.get("/api/analyses", params={"reviewed": "true"}).json()["total"] == 0
        assert c.get("/api/agreement").json()["articles"] == 0


@pytest.mark.parametrize("body,status,fragment", [
    ({"action": "accept", "span": "m99"}, 400, "No span"),
    ({"action": "add", "start": 5, "end": 2, "technique": "Doubt"}, 400, "start < end"),
    ({"action": "add", "start": 0, "end": 3, "technique": "Nonsense"}, 400, "technique"),
    ({"action": "add", "start": 3, "end": 4, "technique": "Doubt"}, 400, "spaces"),
    ({"action": "accept", "span": "m0", "reviewer": "  "}, 400, "reviewer"),
    ({"action": "explode", "span": "m0"}, 422, "action"),
])
def test_review_errors(sync_client: Any, body: dict[str, Any], status: int, fragment: str) -> None:
    aid = sync_client.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    assert_error(sync_client.post(f"/api/analyses/{aid}/review", json={"reviewer": "Ana", **body}),
                 status, fragment)
    assert_error(sync_client.post("/api/analyses/nope/review", json={"action": "accept", "span": "m0",
                                                                      "reviewer": "Ana"}), 404)


def test_reviewer_setting_is_the_default_name(fake: Any) -> None:
    from unspin.web.memstore import MemoryStore

    app = create_app(fake, store=MemoryStore(), settings=WebSettings(reviewer="Desk"))
    with TestClient(app) as c:
        aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        out = c.post(f"/api/analyses/{aid}/review", json={"action": "accept", "span": "m0"}).json()
        assert out["correction"]["reviewer"] == "Desk"
        assert 'value="Desk"' in c.get(f"/a/{aid}", headers=HTML).text


def test_export_annotations_for_training(tmp_path: Path, fake: Any) -> None:
    pytest.importorskip("sqlalchemy")
    from typer.testing import CliRunner

    from unspin.cli.main import app as cli

    db = str(tmp_path / "r.db")
    with TestClient(create_app(fake, settings=WebSettings(db=db))) as c:
        aid = round_trip(c)
        c.post("/api/analyze", json={"text": "Not reviewed at all, a shameful, disgusting betrayal."})
        part = c.post("/api/analyze", json={"text": "Partly reviewed: the radical left mob, a shameful, "
                                                    "disgusting betrayal of our great nation."}).json()["id"]
        spans = by_text(c.get(f"/api/analyses/{part}/review").json()["spans"])
        review(c, part, action="accept", span=spans["radical left mob"]["key"])
        review(c, part, action="reject", span=spans["disgusting"]["key"])
        expected = sorted((s["technique"], s["start"], s["end"])
                          for s in c.get(f"/api/analyses/{aid}/review").json()["spans"]
                          if s["status"] != "rejected")
    out = tmp_path / "ptc"
    result = CliRunner().invoke(cli, ["export-annotations", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["articles"] == 1 and summary["spans"] == len(expected) == 5
    [doc] = ptc.read_articles(out / "train-articles")  # what `unspin train --data` reads
    assert doc.text == ARTICLE and doc.id == str(int(aid, 16))
    labels = ptc.read_labels(out / "train-labels-task-flc-tc")
    assert sorted((x.technique, x.start, x.end) for x in labels) == expected
    assert all(x.article_id == doc.id for x in labels)
    [line] = (out / "annotations.jsonl").read_text(encoding="utf-8").splitlines()
    row = json.loads(line)
    assert row["analysis_id"] == aid and row["reviewers"] == ["Ana"] and row["title"] == "Rally"
    assert sorted((s["technique"], s["start"], s["end"]) for s in row["spans"]) == expected
    assert row["complete"] is True and row["reviewed"]["reviewer"] == "Ana"

    wider = tmp_path / "wider"
    result = CliRunner().invoke(cli, ["export-annotations", "--db", db, "--out", str(wider),
                                      "--include-partial"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["articles"] == 2 and json.loads(result.output)["partial"] == 1
    assert len(ptc.read_articles(wider / "train-articles")) == 1  # a partial article never goes to PTC
    rows = [json.loads(x) for x in (wider / "annotations.jsonl").read_text(encoding="utf-8").splitlines()]
    [partial] = [r for r in rows if r["analysis_id"] == part]
    assert partial["complete"] is False and partial["reviewed"] is None
    touched = [(s["technique"], s["status"]) for s in partial["spans"]]
    assert touched == [("Name_Calling,Labeling", "accepted")]
    refused = CliRunner().invoke(cli, ["export-annotations", "--db", db, "--out", str(wider),
                                       "--format", "ptc", "--include-partial"])
    assert refused.exit_code != 0 and "JSONL only" in refused.output

    strict = tmp_path / "strict"
    result = CliRunner().invoke(cli, ["export-annotations", "--db", db, "--out", str(strict),
                                      "--format", "ptc", "--confirmed-only"])
    assert result.exit_code == 0, result.output
    labels = ptc.read_labels(strict / "train-labels-task-flc-tc")
    assert sorted(x.technique for x in labels) == ["Doubt", "Loaded_Language"]
    assert not (strict / "annotations.jsonl").exists()
    bad = CliRunner().invoke(cli, ["export-annotations", "--db", db, "--out", str(strict), "--format", "xml"])
    assert bad.exit_code == 2 and "Unknown format" in bad.output


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_the_reviewed_mark_strips_bidi_and_zero_width_from_the_name(store: str, tmp_path: Path,
                                                                     fake: Any) -> None:
    """The name in `POST .../reviewed` goes through the same rule as a correction's (issue 32)."""
    settings = WebSettings(db=str(tmp_path / "m.db")) if store == "sqlite" else WebSettings()
    hostile = "\u202eAna\u202c\u200b \u2066Lopez\u2069\ufeff\u200d"
    with TestClient(create_app(fake, settings=settings)) as c:
        aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        mark = c.post(f"/api/analyses/{aid}/reviewed", json={"reviewer": hostile}).json()["reviewed"]
        assert mark["reviewer"] == "Ana Lopez"
        assert c.get(f"/api/analyses/{aid}/review").json()["reviewed"]["reviewer"] == "Ana Lopez"
        assert_error(c.post(f"/api/analyses/{aid}/reviewed", json={"reviewer": "\u200b\u202e"}), 400,
                     "reviewer")
