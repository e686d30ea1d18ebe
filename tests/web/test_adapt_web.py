"""Adapting from the page: `POST /api/adapt` runs `adapt` over the articles marked reviewed as a
job (202 + Location, progress by stage, cancel), writes the model into the models folder under
a new name, which `GET /api/models` then lists and `"model": NAME` analyzes with; the audit log
records it; reviewers and admins only; the history page has the "Adapt the model" form."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from auth_fixtures import accounts_store, auth_app, client, log_in
from web_fakes import ARTICLE, FakeAnalyzer

from unspin.web import WebSettings, create_app

pytestmark = pytest.mark.anyio
TINY = {"epochs": 1, "replay": 0.0, "batch_size": 2, "held_out": 0.5}
EXTRA = ["Officials met again on Monday.", "The vote was put off.", "A report follows next week.",
         "Nobody was available for comment."]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def models(tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNSPIN_HOME", str(tmp_path / "home"))
    shutil.copytree(tiny_model_dir, tmp_path / "home" / "models" / "tiny")
    return tmp_path / "home" / "models"


@pytest.fixture
def store(sqlite_url: str) -> Any:
    from unspin.store import Store

    with Store.open(sqlite_url) as s:
        yield s


@pytest.fixture
async def adapt_client(models: Path, store: Any) -> Any:
    app = create_app(FakeAnalyzer(), store=store, settings=WebSettings(queue_size=4, rate_limit=0))  # polls
    app.state.adapter.options = dict(TINY)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:  # stops the jobs
        c.app = app  # type: ignore[attr-defined]
        yield c


async def review(c: httpx.AsyncClient, n: int) -> list[str]:
    ids = []
    for extra in EXTRA[:n]:
        r = await c.post("/api/analyze", json={"text": f"{ARTICLE} {extra}"})
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])
        mark = await c.post(f"/api/analyses/{ids[-1]}/reviewed", json={"reviewer": "ann"})
        assert mark.status_code == 200, mark.text
    return ids


async def wait(c: httpx.AsyncClient, url: str, until: tuple[str, ...],
               seconds: float = 120) -> dict[str, Any]:
    for _ in range(int(seconds / 0.02)):
        body = (await c.get(url)).json()
        if body["status"] in until:
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"the job never reached {until}: {body}")


async def test_adapt_runs_as_a_job_and_the_model_appears(adapt_client: httpx.AsyncClient, models: Path,
                                                         store: Any) -> None:
    await review(adapt_client, 4)
    r = await adapt_client.post("/api/adapt", json={"from": "tiny", "taxonomy": "data"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/jobs/{job['id']}" and job["kind"] == "adapt"
    name = job["model"]
    assert name.startswith("tiny-adapted-") and job["start"] == "tiny"
    stages = set()
    for _ in range(6000):
        body = (await adapt_client.get(r.headers["location"])).json()
        stages.add(body.get("stage"))
        if body["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.02)
    assert body["status"] == "done", body
    assert {"train", "save"} <= stages
    assert body["result"]["model"] == name and body["links"]["result"] == f"/?model={name}"
    report = body["result"]["report"]
    assert str(models) not in json.dumps(body) and "/tmp" not in json.dumps(body)  # no server paths
    assert report["start"] == {"model": "tiny"} and report["settings"]["start"] == "tiny"
    assert report["data"]["documents"] == 4 and report["split"]["held_out"] == 2
    assert sorted(report["taxonomy"]["techniques"]) == sorted(
        {"Loaded_Language", "Exaggeration,Minimisation", "Flag-Waving", "Name_Calling,Labeling",
         "Bandwagon,Reductio_ad_hitlerum"})
    assert sorted(p.name for p in models.iterdir()) == sorted(["tiny", name])  # no partial folder left
    listed = {m["name"]: m for m in (await adapt_client.get("/api/models")).json()["models"]}
    adapted = listed[name]
    assert adapted["kind"] == "adapted" and adapted["model"] == name
    assert adapted["provenance"]["adapted_from"] == "tiny" and adapted["provenance"]["documents"] == 4
    assert adapted["provenance"]["taxonomy"] == "data"
    assert "reviewed" in adapted["provenance"]["data"][0]["path"]
    assert [t["name"] for t in adapted["techniques"]] == report["taxonomy"]["techniques"]
    assert set(adapted["figures"]) == {"on", "si", "tc", "flc"}
    used = await adapt_client.post("/api/analyze", json={"text": ARTICLE, "model": name, "threshold": 0.0})
    assert used.status_code == 200 and used.json()["model"] == name
    log = store.audit_log(limit=10)
    actions = [(e["action"], e["target"]) for e in log]
    assert ("adapt", name) in actions and ("adapted", name) in actions
    done = next(e for e in log if e["action"] == "adapted")
    assert done["detail"]["status"] == "done" and done["detail"]["from"] == "tiny"
    assert set(done["detail"]["after"]) == {"si", "tc", "flc"}
    page = (await adapt_client.get(f"/?model={name}", headers={"Accept": "text/html"})).text
    assert f'<option value="{name}" selected>' in page
    # run again (its server stopped after publishing, before the job ended): done, no training
    adapter = adapt_client.app.state.adapter  # type: ignore[attr-defined]
    payload = {"start": "tiny", "model": name, "taxonomy": "data", "minutes": None, "actor": "ann"}
    again = await asyncio.to_thread(adapter.work, payload, lambda *_: None, lambda: False)
    assert again == report and sorted(p.name for p in models.iterdir()) == sorted(["tiny", name])


async def test_cancel_stops_the_run_and_leaves_nothing(adapt_client: httpx.AsyncClient, models: Path,
                                                        store: Any) -> None:
    await review(adapt_client, 4)
    adapt_client.app.state.adapter.options["epochs"] = 500  # type: ignore[attr-defined]
    r = await adapt_client.post("/api/adapt", json={"from": "tiny", "minutes": 30})
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    for _ in range(6000):
        body = (await adapt_client.get(location)).json()
        if body.get("stage") == "train" and body["progress"]["done"] >= 1:
            break
        await asyncio.sleep(0.02)
    assert body["stage"] == "train", body
    busy = await adapt_client.post("/api/adapt", json={"from": "tiny"})
    assert busy.status_code == 409 and "being adapted already" in busy.json()["error"]
    other = create_app(FakeAnalyzer(), store=store, settings=WebSettings(queue_size=4, rate_limit=0))
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c2:
        busy = await c2.post("/api/adapt", json={"from": "tiny"})  # another process, the same store
        assert busy.status_code == 409 and "being adapted already" in busy.json()["error"]
        seen = (await c2.get(location)).json()
        assert seen["kind"] == "adapt" and seen["stage"] == "train" and seen["model"] == body["model"]
    cancelled = await adapt_client.delete(location)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    manager = adapt_client.app.state.jobs  # type: ignore[attr-defined]
    for _ in range(3000):  # the run stops at its next training step
        if not manager._running:
            break
        await asyncio.sleep(0.02)
    assert not manager._running
    assert (await adapt_client.get(location)).json()["status"] == "cancelled"
    assert [p.name for p in models.iterdir()] == ["tiny"]
    listed = [m["name"] for m in (await adapt_client.get("/api/models")).json()["models"]]
    assert listed == ["fake-rules", "fast", "accurate", "tiny"]
    detail = next(e for e in store.audit_log(limit=5) if e["action"] == "adapted")["detail"]
    assert detail["status"] == "cancelled"


async def test_refusals(adapt_client: httpx.AsyncClient) -> None:
    await review(adapt_client, 1)
    few = await adapt_client.post("/api/adapt", json={"from": "tiny"})
    assert few.status_code == 400 and "at least 2 articles marked reviewed" in few.json()["error"]
    assert "1 is" in few.json()["error"]
    unknown = await adapt_client.post("/api/adapt", json={"from": "nope"})
    assert unknown.status_code == 400 and "Unknown model 'nope'" in unknown.json()["error"]
    bad = await adapt_client.post("/api/adapt", json={"from": "tiny", "taxonomy": "mine"})
    assert bad.status_code == 422
    extra = await adapt_client.post("/api/adapt", json={"from": "tiny", "epochs": 99})
    assert extra.status_code == 422
    how = await adapt_client.post("/api/adapt", json={"from": "tiny", "heads_only": "perhaps"})
    assert how.status_code == 422
    form = await adapt_client.post("/adapt", data={"from": "tiny", "heads_only": "perhaps"},
                                   headers={"Accept": "text/html"})
    assert form.status_code == 400 and "what to train" in form.text


async def test_the_history_page_form(adapt_client: httpx.AsyncClient) -> None:
    page = (await adapt_client.get("/history", headers={"Accept": "text/html"})).text
    assert "Adapting needs at least 2 articles marked reviewed (0 so far)" in page
    await review(adapt_client, 2)
    page = (await adapt_client.get("/history", headers={"Accept": "text/html"})).text
    assert '<form class="adapt-form" method="post" action="/adapt">' in page
    assert '<option value="tiny">tiny</option>' in page and ">Adapt the model</button>" in page
    assert '<select id="adapt-heads" name="heads_only">' in page
    r = await adapt_client.post("/adapt", data={"from": "tiny", "taxonomy": "keep", "minutes": "",
                                                "heads_only": "true"}, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    progress = await adapt_client.get(r.headers["location"], headers={"Accept": "text/html"})
    assert progress.status_code in (200, 303)
    if progress.status_code == 200:
        assert "The new model will be called <code>tiny-adapted-" in progress.text
    job = "/api" + r.headers["location"]
    done = await wait(adapt_client, job, ("done", "failed", "cancelled"))
    assert done["status"] == "done", done
    assert done["title"] == "Adapt tiny (heads only) to 2 reviewed articles"
    assert done["result"]["report"]["settings"]["heads_only"] is True
    final = await adapt_client.get(r.headers["location"], headers={"Accept": "text/html"})
    assert final.status_code == 303 and final.headers["location"] == f"/?model={done['model']}"


async def test_readers_may_not_adapt(sqlite_url: str, models: Path) -> None:
    app = auth_app(FakeAnalyzer(), accounts_store(sqlite_url))
    async with client(app) as c:
        await log_in(c, "rea")
        refused = await c.post("/api/adapt", json={"from": "tiny"})
        assert refused.status_code == 403 and "needs reviewer" in refused.json()["error"]
        page = (await c.get("/history", headers={"Accept": "text/html"})).text
        assert "Adapt the model" not in page
    async with client(app) as c:
        await log_in(c, "rev")
        allowed = await c.post("/api/adapt", json={"from": "tiny"})
        assert allowed.status_code == 400 and "0 are" in allowed.json()["error"]


def test_the_job_page_and_its_script_name_every_stage_adapt_reports() -> None:
    """The progress page's first render (the template) and its polling (forms.js) label the
    same stages: those the API documents for an adaptation."""
    import re

    from unspin.web import schemas

    web = Path(schemas.__file__).parent
    template = (web / "templates" / "job.html").read_text(encoding="utf-8")
    script = (web / "static" / "forms.js").read_text(encoding="utf-8")
    in_template = set(re.findall(r'"(\w+)": "', re.search(r"set stages = \{(.*?)\}", template).group(1)))
    in_script = set(re.findall(r"(\w+): \"", re.search(r"const STAGES = \{(.*?)\};", script, re.S).group(1)))
    documented = schemas.Job.model_fields["stage"].description
    listed = set(re.findall(r"\w+", documented.split(":", 1)[1])) - {"or"}
    assert in_template == in_script == listed == {"export", "read", "train", "tune", "save"}
