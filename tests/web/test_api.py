"""Every API route, and the one error shape, in process against the ASGI app."""

from __future__ import annotations

from typing import Any

import pytest

from unspin import taxonomy

ARTICLE = (
    "The radical left mob staged a shameful, disgusting betrayal of our great nation. "
    "Everybody knows the truth about them. Officials declined to comment."
)


def assert_error(response: Any, status: int, fragment: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert fragment.lower() in body["error"].lower(), body["error"]
    return body


def test_analyze_text(sync_client: Any) -> None:
    r = sync_client.post("/api/analyze", json={"text": ARTICLE})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["model"] == "fake-rules" and body["text"] == ARTICLE
    assert {"density", "spans_per_1k_words", "counts", "words", "characters"} <= set(body["figures"])
    for span in body["spans"]:
        assert {"start", "end", "text", "technique", "score", "why"} <= set(span)
        assert ARTICLE[span["start"]:span["end"]] == span["text"]
        assert span["technique"] in taxonomy.NAMES
    assert body["links"]["page"] == f"/a/{body['id']}"
    again = sync_client.get(f"/api/analyses/{body['id']}")
    assert again.status_code == 200
    assert again.json()["spans"] == body["spans"]


def test_analyze_threshold_and_no_save(sync_client: Any) -> None:
    all_spans = sync_client.post("/api/analyze", json={"text": ARTICLE, "threshold": 0.0}).json()
    high = sync_client.post("/api/analyze", json={"text": ARTICLE, "threshold": 0.8, "save": False}).json()
    assert len(high["spans"]) < len(all_spans["spans"])
    assert all(s["score"] >= 0.8 for s in high["spans"])
    assert high["id"] is None and "links" not in high


def test_analyze_html(sync_client: Any) -> None:
    page = ("<html><body><nav>Menu | Share on Twitter</nav><article><h1>Vote</h1>"
            + "<p>The radical left mob staged a shameful, disgusting betrayal of our great nation, "
              "said the speaker at the rally on Sunday evening in the capital.</p>" * 3
            + "</article></body></html>")
    body = sync_client.post("/api/analyze", json={"html": page, "title": "Rally"}).json()
    assert "radical left mob" in body["text"] and "Share on Twitter" not in body["text"]
    assert body["meta"]["title"] == "Rally"
    assert any(s["technique"] == "Name_Calling,Labeling" for s in body["spans"])


@pytest.mark.parametrize("payload,status,fragment", [
    ({}, 400, "give an article text, a URL or an HTML page (the JSON field `text`, `url` or `html`)"),
    ({"text": ARTICLE, "url": "https://example.com"}, 400, "only one"),
    ({"text": "   \n "}, 400, "empty"),
    ({"text": "abc\u0000def"}, 400, "binary"),
    ({"html": "<p></p>"}, 400, "No article text"),
    ({"text": ARTICLE, "threshold": 1.5}, 422, "threshold"),
    ({"text": 12}, 422, "text"),
    ({"url": "javascript:alert(1)"}, 400, "Only http"),
    ({"url": "http://127.0.0.1:1/admin"}, 400, "loopback"),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, 400, "link-local"),
    ({"url": "file:///etc/passwd"}, 400, "Only http"),
])
def test_analyze_errors(sync_client: Any, payload: dict[str, Any], status: int, fragment: str) -> None:
    assert_error(sync_client.post("/api/analyze", json=payload), status, fragment)


def test_malformed_and_non_json_bodies(sync_client: Any) -> None:
    assert_error(sync_client.post("/api/analyze", content=b"{not json",
                                  headers={"Content-Type": "application/json"}), 422, "json")
    assert_error(sync_client.post("/api/analyze", content=b"\xff\xfe\x00\x01binary",
                                  headers={"Content-Type": "application/json"}), 422)
    assert_error(sync_client.post("/api/analyze", content=b"",
                                  headers={"Content-Type": "application/json"}), 422)


def test_unknown_analysis_and_routes(sync_client: Any) -> None:
    assert_error(sync_client.get("/api/analyses/doesnotexist"), 404, "No saved analysis")
    assert_error(sync_client.get("/api/analyses/" + "x" * 300), 422, "path.analysis_id")  # not an id
    assert_error(sync_client.get("/api/nothing-here"), 404, "Nothing at")
    assert_error(sync_client.get("/api/analyze"), 405, "GET is not allowed")
    assert_error(sync_client.delete("/api/techniques"), 405)


def test_techniques_health_version(sync_client: Any) -> None:
    techniques = sync_client.get("/api/techniques").json()["techniques"]
    assert [t["name"] for t in techniques] == list(taxonomy.NAMES)
    assert all(t["definition"] and t["color"].startswith("#") for t in techniques)
    health = sync_client.get("/api/health").json()
    assert health["ok"] is True and health["model"] == "fake-rules" and health["model_loaded"]
    assert health["queue"]["capacity"] == 4
    version = sync_client.get("/api/version").json()
    assert version["unspin"] and version["model"] == "fake-rules" and version["api"] == 1


def test_openapi_documents_the_api(sync_client: Any) -> None:
    schema = sync_client.get("/openapi.json").json()
    for path in ("/api/analyze", "/api/analyses/{analysis_id}", "/api/techniques", "/api/health",
                 "/api/version"):
        assert path in schema["paths"]
    assert "/a/{analysis_id}" not in schema["paths"]
    docs = sync_client.get("/docs", headers={"Accept": "text/html"})
    assert docs.status_code == 200 and "/api/analyze" in docs.text and "<script>" not in docs.text


def test_model_missing_is_503(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from unspin.errors import ModelNotFoundError
    from unspin.web import create_app
    from unspin.web.memstore import MemoryStore

    app = create_app(None, store=MemoryStore(), settings=settings)

    def missing() -> Any:
        raise ModelNotFoundError("no weights in /nowhere; run `unspin download`.")

    app.state.service.runner._loader = missing
    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_error(c.post("/api/analyze", json={"text": ARTICLE}), 503, "no model")
        assert "/nowhere" in body["error"]
        assert c.get("/api/health").json()["model_loaded"] is False


def test_unexpected_crash_is_500_in_the_shape(sync_client: Any, fake: Any) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    fake.pipe = boom
    fake.analyze = boom
    body = assert_error(sync_client.post("/api/analyze", json={"text": ARTICLE}), 500, "internal error")
    assert "secret" not in body["error"]
