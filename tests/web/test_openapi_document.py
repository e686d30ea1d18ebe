"""The OpenAPI document names every answer (issue 33): a component schema for each success and
the one `Error` for each error status, statuses per route, `Location` and `Retry-After`,
request rules (`oneOf`), id patterns and links between operations."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def spec(sync_client: Any) -> dict[str, Any]:
    return sync_client.get("/openapi.json").json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, item in spec["paths"].items() for m, op in item.items()]


def test_every_answer_is_a_named_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert len(operations(spec)) >= 24
    assert "HTTPValidationError" not in schemas  # 422 answers are `Error`, like every error
    for method, path, op in operations(spec):
        assert path.startswith("/api/"), path
        for status, answer in op["responses"].items():
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            name = ref.rsplit("/", 1)[1]
            assert name in schemas, (method, path, status)
            assert (name in ("Error", "Stale")) == (int(status) >= 400), (method, path, status, name)
        assert {"400", "401", "500"} <= set(op["responses"]), (method, path)
        assert ("429" in op["responses"]) == (path != "/api/health"), (method, path)  # rate limit
    error = schemas["Error"]
    assert set(error["required"]) == {"error", "status"} and error["additionalProperties"] is False
    for name in ("Analysis", "Span", "Figures", "Job", "Health", "Version", "Technique", "Review",
                 "Correction", "User", "Token", "AuditLog", "AnalysisList", "Agreement"):
        assert name in schemas, name
    span = schemas["Span"]
    assert {"start", "end", "text", "technique", "score", "why"} <= set(span["required"])


def test_statuses_are_those_each_route_answers(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert "413" not in paths["/api/techniques"]["get"]["responses"]
    assert "404" not in paths["/api/analyses"]["get"]["responses"]
    assert "409" in paths["/api/jobs/{job_id}"]["delete"]["responses"]
    assert "409" not in paths["/api/jobs/{job_id}"]["get"]["responses"]
    assert set(paths["/api/analyze"]["post"]["responses"]) >= {"502", "503", "504"}
    assert "page at `url`" in paths["/api/analyze"]["post"]["responses"]["415"]["description"]


def test_headers_are_documented(spec: dict[str, Any]) -> None:
    jobs = spec["paths"]["/api/jobs"]["post"]["responses"]
    assert "Location" in jobs["202"]["headers"]
    assert "Retry-After" in jobs["503"]["headers"]
    assert "Retry-After" in spec["paths"]["/api/analyze"]["post"]["responses"]["503"]["headers"]


def test_request_rules_are_in_the_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    analyze = spec["paths"]["/api/analyze"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert [branch["required"] for branch in analyze["oneOf"]] == [["text"], ["url"], ["html"]]
    review = schemas["ReviewRequest"]
    assert review["additionalProperties"] is False
    rules = {tuple(b["properties"]["action"]["enum"]): b["required"] for b in review["oneOf"]}
    assert rules[("add",)] == ["action", "start", "end", "technique"]
    assert rules[("relabel",)] == ["action", "span", "technique"]
    params = spec["paths"]["/api/analyses/{analysis_id}"]["get"]["parameters"]
    assert params[0]["schema"]["pattern"] == r"^[A-Za-z0-9_.:-]{1,128}$"
    offset = next(p for p in spec["paths"]["/api/analyses"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 1_000_000_000


def test_links_lead_from_analysis_to_review_and_from_job_to_analysis(spec: dict[str, Any]) -> None:
    ids = {op["operationId"] for _, _, op in operations(spec)}
    analyze = spec["paths"]["/api/analyze"]["post"]["responses"]["200"]["links"]
    assert analyze["PostReview"] == {"operationId": "post_review", "parameters": {
        "analysis_id": "$response.body#/id"}, "description": "Correct one of its spans."}
    started = spec["paths"]["/api/jobs"]["post"]["responses"]["202"]["links"]
    assert started["GetJob"]["parameters"] == {"job_id": "$response.body#/id"}
    done = spec["paths"]["/api/jobs/{job_id}"]["get"]["responses"]["200"]["links"]
    assert done["GetAnalysis"]["parameters"] == {"analysis_id": "$response.body#/result/id"}
    for links in (analyze, started, done):
        assert {link["operationId"] for link in links.values()} <= ids


def test_examples_have_every_key_their_schema_requires(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    shown = 0
    for method, path, op in operations(spec):
        for status, answer in op["responses"].items():
            content = answer["content"]["application/json"]
            if "example" in content:
                name = content["schema"]["$ref"].rsplit("/", 1)[1]
                assert set(schemas[name]["required"]) <= set(content["example"]), (method, path, status)
                shown += 1
    assert shown >= 3


def test_real_answers_keep_the_keys_the_schemas_require(sync_client: Any, spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    body = sync_client.post("/api/analyze", json={"text": "The radical left mob won."}).json()
    assert set(schemas["Analysis"]["required"]) <= set(body)
    assert set(schemas["Figures"]["required"]) <= set(body["figures"])
    health = sync_client.get("/api/health").json()
    assert set(schemas["Health"]["required"]) <= set(health) and health["store"] == "memory"
