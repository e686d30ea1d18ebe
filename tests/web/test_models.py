"""`GET /api/models` and `"model": NAME`: the shipped tiers and the adapted models in the models
folder are listed with their techniques, figures and provenance; analyze, jobs and the form take
a model by name (400 naming an unknown one) and record it; models load once, at most N kept."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer

from unspin import taxonomy
from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore
from unspin.web.models import ModelRegistry
from unspin.web.runner import InferenceRunner

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """UNSPIN_HOME with one adapted model, `tiny-a` (the tiny model, two techniques named)."""
    monkeypatch.setenv("UNSPIN_HOME", str(tmp_path / "home"))
    target = tmp_path / "home" / "models" / "tiny-a"
    shutil.copytree(tiny_model_dir, target)
    config = json.loads((target / "config.json").read_text())
    config["adapted"] = {"start": {"model": "fast"}, "data": {"documents": 12, "sources": []},
                         "taxonomy": {"mode": "keep"},
                         "held_out_after": {"si": 0.5, "tc": 0.25, "flc": 0.125}}
    (target / "config.json").write_text(json.dumps(config))
    (tmp_path / "home" / "models" / ".partial-x").mkdir()  # half-written: never listed
    (tmp_path / "home" / "models" / "no-config").mkdir()
    return tmp_path / "home"


@pytest.fixture
async def models_client(home: Path) -> Any:
    app = create_app(FakeAnalyzer(), store=MemoryStore(), settings=WebSettings(queue_size=4))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:  # stops the jobs
        yield c


async def test_models_lists_tiers_adapted_and_the_servers_own(models_client: httpx.AsyncClient) -> None:
    r = await models_client.get("/api/models")
    assert r.status_code == 200, r.text
    body = r.json()
    by_name = {m["name"]: m for m in body["models"]}
    assert list(by_name) == ["fake-rules", "fast", "accurate", "tiny-a"]
    assert body["default"] == "fake-rules" and by_name["fake-rules"]["kind"] == "server"
    assert body["max_loaded"] == 2
    fast = by_name["fast"]
    assert fast["kind"] == "shipped" and fast["model"] == "unspin-mpnet4-ptc-fast" and not fast["default"]
    assert [t["name"] for t in fast["techniques"]] == list(taxonomy.NAMES)
    assert fast["techniques"][0]["display"] == taxonomy.TECHNIQUES[0].display
    assert fast["figures"]["on"].startswith("validation") and 0 < fast["figures"]["flc"] < 1
    assert fast["provenance"] == {"saw_report": True}
    assert by_name["accurate"]["model"] == "unspin-ptc-accurate" and by_name["accurate"]["figures"] is None
    tiny = by_name["tiny-a"]
    assert tiny["kind"] == "adapted" and tiny["model"] == "tiny-random" and tiny["loaded"] is False
    assert tiny["figures"] == {"on": "held-out part of its adaptation data",
                               "si": 0.5, "tc": 0.25, "flc": 0.125}
    assert tiny["provenance"]["adapted_from"] == "fast" and tiny["provenance"]["documents"] == 12


async def test_analyze_and_jobs_take_a_model_by_name(models_client: httpx.AsyncClient) -> None:
    r = await models_client.post("/api/analyze", json={"text": ARTICLE, "model": "tiny-a", "threshold": 0.0})
    assert r.status_code == 200, r.text
    assert r.json()["model"] == "tiny-random"
    saved = (await models_client.get(f"/api/analyses/{r.json()['id']}")).json()
    assert saved["model"] == "tiny-random"
    default = (await models_client.post("/api/analyze", json={"text": ARTICLE})).json()
    assert default["model"] == "fake-rules"
    listed = {m["name"]: m for m in (await models_client.get("/api/models")).json()["models"]}
    assert listed["tiny-a"]["loaded"] is True and listed["fast"]["loaded"] is False
    job = await models_client.post("/api/jobs", json={"text": ARTICLE, "model": "tiny-a"})
    assert job.status_code == 202, job.text
    for _ in range(1000):
        done = (await models_client.get(job.headers["location"])).json()
        if done["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.01)
    assert done["status"] == "done" and done["result"]["model"] == "tiny-random"
    history = (await models_client.get("/api/analyses")).json()
    assert sorted(i["model"] for i in history["items"]) == ["fake-rules", "tiny-random", "tiny-random"]
    page = (await models_client.get("/history", headers={"Accept": "text/html"})).text
    assert page.count('<span class="small model">by tiny-random</span>') == 2


@pytest.mark.parametrize("route", ["/api/analyze", "/api/jobs"])
async def test_an_unknown_model_is_refused_naming_it(models_client: httpx.AsyncClient, route: str) -> None:
    r = await models_client.post(route, json={"text": ARTICLE, "model": "no-such-model"})
    assert r.status_code == 400
    assert "Unknown model 'no-such-model'" in r.json()["error"] and "tiny-a" in r.json()["error"]
    hidden = await models_client.post(route, json={"text": ARTICLE, "model": ".partial-x"})
    assert hidden.status_code == 400


async def test_the_form_has_a_model_picker(models_client: httpx.AsyncClient) -> None:
    page = (await models_client.get("/", headers={"Accept": "text/html"})).text
    assert '<select id="model" name="model"' in page
    assert '<option value="tiny-a">tiny-a</option>' in page and '<option value="fast">fast</option>' in page
    assert '<option value="" selected>fake-rules (default)</option>' in page
    r = await models_client.post("/analyze", data={"text": ARTICLE, "model": "tiny-a"},
                                 headers={"Accept": "text/html"})
    assert r.status_code == 303, r.text
    shown = (await models_client.get(r.headers["location"], headers={"Accept": "text/html"})).text
    assert "model tiny-random" in shown
    bad = await models_client.post("/analyze", data={"text": ARTICLE, "model": "nope"},
                                   headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "Unknown model &#39;nope&#39;" in bad.text
    assert '<option value="tiny-a">' in bad.text  # the form comes back with the picker


def test_models_load_once_per_name_and_at_most_the_limit(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
    calls: list[str] = []
    gate = threading.Event()

    def loader(path: Path) -> Any:
        calls.append(path.name)
        gate.wait(5)
        return FakeAnalyzer()

    runner = InferenceRunner(FakeAnalyzer(), loader=FakeAnalyzer, workers=1, capacity=2)
    registry = ModelRegistry(runner, folder=tmp_path, limit=1, loader=loader)
    load_a = registry.loader("a")
    assert load_a is not None and registry.loader(None) is None and registry.loader("fake-rules") is None
    threads = [threading.Thread(target=load_a) for _ in range(3)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert calls == ["a"] and registry.loaded() == ["a"]
    first = load_a()
    assert load_a() is first and calls == ["a"]
    registry.loader("b")()  # the limit is 1: "a" goes
    assert registry.loaded() == ["b"] and calls == ["a", "b"]
    assert load_a() is not first and calls == ["a", "b", "a"]
    runner.close()
