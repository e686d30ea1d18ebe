"""`GET /api/models`: the models this server can use, for `"model": NAME` in analyze and jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from unspin.web.models import ModelRegistry
from unspin.web.schemas import spec
from unspin.web.schemas_models import Models

router = APIRouter(prefix="/api", tags=["models"])
MODELS_EXAMPLE = {"ok": True, "default": "accurate", "max_loaded": 2, "models": [{
    "name": "fast", "kind": "shipped", "model": "unspin-mpnet4-ptc-fast", "default": False,
    "loaded": False, "techniques": [{"name": "Loaded_Language", "display": "Loaded language",
                                     "definition": "..."}],
    "figures": {"on": "validation split chosen on in training", "si": 0.39, "tc": 0.70, "flc": 0.27},
    "provenance": {"saw_report": True}}]}


def registry(request: Request) -> ModelRegistry:
    return request.app.state.models


@router.get("/models", **spec(Models, what="The models", example=MODELS_EXAMPLE))
async def list_models(request: Request) -> dict[str, Any]:
    """The models `"model": NAME` may name: the shipped tiers (`shipped`), the adapted models in
    the models folder (`adapted`) and the one the server started with (`default`), each with its
    `techniques`, F1 `figures` from its config (when recorded) and `provenance`."""
    models = registry(request)
    listed = await run_in_threadpool(models.describe)
    return {"ok": True, "default": next(m["name"] for m in listed if m["default"]),
            "max_loaded": models.limit, "models": listed}
