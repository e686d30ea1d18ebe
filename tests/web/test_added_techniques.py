"""Reviewers add a technique outside the model's list (a name and a definition) while
correcting: it is stored, offered to every reviewer afterwards (also after a restart), and the
pages show it; the techniques offered follow the analysis's model (an adapted model's own)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_fakes import ARTICLE, FakeAnalyzer

from unspin import taxonomy
from unspin.web import WebSettings, create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from store_fixtures import make_analysis, make_doc

HTML = {"Accept": "text/html"}
SMEAR = "Attacks a person's reputation instead of their argument."


def app_on(url: str) -> Any:
    from unspin.store import Store

    return create_app(FakeAnalyzer(), store=Store.open(url), settings=WebSettings(queue_size=4))


def post_review(c: TestClient, aid: str, **body: Any) -> Any:
    return c.post(f"/api/analyses/{aid}/review", json={"reviewer": "Ana", **body})


def test_a_reviewer_adds_a_technique_and_others_are_offered_it(sqlite_url: str) -> None:
    with TestClient(app_on(sqlite_url)) as c:
        first = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        second = c.post("/api/analyze", json={"text": ARTICLE + " More."}).json()["id"]
        start = ARTICLE.index("Officials declined")
        unknown = post_review(c, first, action="add", start=start, end=start + 9, technique="Smear campaign")
        assert unknown.status_code == 400
        assert "Unknown technique 'Smear campaign'" in unknown.json()["error"]
        assert "definition" in unknown.json()["error"]
        added = post_review(c, first, action="add", start=start, end=start + 9, technique="Smear campaign",
                            definition=f"  {SMEAR}\u200b ")
        assert added.status_code == 200, added.text
        assert added.json()["correction"]["technique"] == "Smear campaign"
        mob = next(s for s in added.json()["spans"] if s["text"] == "radical left mob")
        relabel = post_review(c, first, action="relabel", span=mob["key"], technique="Smear campaign")
        assert relabel.status_code == 200 and relabel.json()["correction"]["technique"] == "Smear campaign"
        other = c.get(f"/api/analyses/{second}/review").json()["techniques"]
        assert [t["name"] for t in other] == [*taxonomy.NAMES, "Smear campaign"]
        assert other[-1] == {"name": "Smear campaign", "display": "Smear campaign", "definition": SMEAR,
                             "added": True}
        page = c.get(f"/a/{second}", headers=HTML).text
        assert '<option value="Smear campaign">15 · Smear campaign</option>' in page
        assert '<option value="Smear campaign">Smear campaign</option>' in page  # the add form
        shown = c.get(f"/a/{first}", headers=HTML)
        assert shown.status_code == 200
        legend = c.get(f"/a/{first}.json").json()["legend"]
        smear = next(row for row in legend if row["name"] == "Smear campaign")
        assert smear["count"] == 2 and smear["definition"] == SMEAR and 14 <= smear["index"] < 22
        assert f".t{smear['index']}{{" in c.get("/techniques.css").text
        assert "Smear campaign" in c.get(f"/a/{first}/labels.txt?reviewed=1").text
        assert c.post(f"/api/analyses/{first}/reviewed", json={"reviewer": "Ana"}).status_code == 200
        rows = {r["technique"]: r for r in c.get("/api/agreement").json()["techniques"]}
        assert rows["Smear campaign"]["added"] == 1 and rows["Smear campaign"]["reviewer"] == 2
        assert rows["Name_Calling,Labeling"]["relabelled"] == 1
        entries = c.app.state.service.store.audit_log(action="technique-add")
        assert [e["detail"]["name"] for e in entries] == ["Smear campaign"]
    with TestClient(app_on(sqlite_url)) as c:  # a restarted server still offers it
        offered = c.get(f"/api/analyses/{second}/review").json()["techniques"]
        assert offered[-1]["name"] == "Smear campaign"
        again = post_review(c, second, action="add", start=4, end=20, technique="Smear campaign")
        assert again.status_code == 200, again.text


def test_bad_new_techniques_are_refused(sqlite_url: str) -> None:
    with TestClient(app_on(sqlite_url)) as c:
        aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        short = post_review(c, aid, action="add", start=4, end=20, technique="x", definition="Something.")
        assert short.status_code == 400 and "at least 2 characters" in short.json()["error"]
        spelled = post_review(c, aid, action="add", start=4, end=20, technique="loaded language")
        assert spelled.status_code == 200 and spelled.json()["correction"]["technique"] == "Loaded_Language"
        assert c.get(f"/api/analyses/{aid}/review").json()["techniques"][-1]["added"] is False


def test_the_techniques_offered_follow_the_analysis_model(
        sqlite_url: str, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNSPIN_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "models" / "memes"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(name="memes-model", techniques=["Loaded_Language", "Smears"],
                  technique_info=[{"name": "Smears", "display": "Smear",
                                   "definition": "Attacks a reputation."}])
    (folder / "config.json").write_text(json.dumps(config))
    app = app_on(sqlite_url)
    store = app.state.service.store
    doc = make_doc("They are corrupt FRAUDS and crooks, all of them.", title="Memes")
    with taxonomy.as_written():  # saved by a process that had the model loaded
        analysis = make_analysis(doc, [("FRAUDS", "Smears"), ("corrupt", "Loaded_Language")],
                                 model="memes-model")
    aid = store.save_analysis(analysis, meta={"title": "Memes"})
    with TestClient(app) as c:
        history = c.get("/history", headers=HTML)  # before anything asks for the model's techniques
        assert history.status_code == 200 and "Smear 1<" in history.text
        state = c.get(f"/api/analyses/{aid}/review")
        assert state.status_code == 200, state.text
        assert [t["name"] for t in state.json()["techniques"]] == ["Loaded_Language", "Smears"]
        page = c.get(f"/a/{aid}", headers=HTML)
        assert page.status_code == 200, page.text
        assert '<option value="Smears">2 · Smear</option>' in page.text
        assert '<option value="Doubt">' not in page.text
        legend = {row["name"]: row for row in c.get(f"/a/{aid}.json").json()["legend"]}
        assert legend["Smears"]["display"] == "Smear" and legend["Smears"]["tag"] == "SM"
        fixed = post_review(c, aid, action="relabel", span="m0", technique="Smears")
        assert fixed.status_code == 200, fixed.text
        assert c.post(f"/api/analyses/{aid}/corpus").json()["ok"]
        board = c.get("/corpus.json?model=memes-model").json()
        assert [t["name"] for t in board["techniques"]] == ["Loaded_Language", "Smears"]
        assert board["techniques"][1]["display"] == "Smear"
        assert c.get("/corpus?model=memes-model", headers=HTML).status_code == 200
