"""Reference pages: the techniques (HTML, JSON and the stylesheet of their colours) and the
API reference rendered from the OpenAPI schema."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from unspin.web import context as ctx
from unspin.web.palette import technique_css
from unspin.web.views import render, twin

router = APIRouter(include_in_schema=False)


@router.get("/techniques.json")
async def techniques_json() -> Response:
    return twin({"techniques": ctx.technique_list()})


@router.get("/techniques")
async def techniques_page(request: Request) -> Response:
    return render(request, "techniques.html", {"techniques": ctx.technique_list(), "page": "techniques",
                                               "title": "Techniques"})


@router.get("/techniques.css")
async def techniques_css() -> Response:
    return Response(technique_css(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/docs")
async def api_docs(request: Request) -> Response:
    """The API reference rendered from the OpenAPI schema (no CDN, no script)."""
    schema = request.app.openapi()
    routes = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            routes.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                           "description": op.get("description", ""),
                           "responses": sorted(op.get("responses", {}))})
    analyze = schema.get("paths", {}).get("/api/analyze", {}).get("post", {})
    sent = analyze.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = sent.get("schema") or schema.get("components", {}).get("schemas", {}).get("AnalyzeRequest", {})
    fields = [{"name": name, "type": _type_of(spec), "description": spec.get("description", "")}
              for name, spec in body.get("properties", {}).items()]
    answer = analyze.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
    model = request.app.state.service.runner.model_name
    response = dict(answer["example"], model=model) if "example" in answer else None
    examples = {"request": json.dumps(sent.get("example"), indent=2, ensure_ascii=False) if sent else None,
                "response": json.dumps(response, indent=2, ensure_ascii=False) if response else None}
    return render(request, "docs.html", {"routes": routes, "fields": fields, "page": "docs", "title": "API",
                                         "examples": examples, "base": str(request.base_url).rstrip("/"),
                                         "model": model,
                                         "description": schema["info"].get("description", "")})


def _type_of(spec: dict[str, Any]) -> str:
    if "anyOf" in spec:
        return " | ".join(s.get("type", "?") for s in spec["anyOf"])
    return str(spec.get("type", "?"))
