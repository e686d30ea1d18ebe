"""The techniques a reviewer may choose for an analysis: its model's list (an adapted model's
own techniques, else PTC's 14), then the techniques reviewers added (a name and a definition,
stored, offered to every reviewer afterwards)."""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from unspin import taxonomy
from unspin.errors import InputError, UnknownTechniqueError
from unspin.web import context as ctx
from unspin.web.auth import audit

MAX_NAME, MAX_DEFINITION = 64, 500


def _clean(value: str, limit: int) -> str:
    kept = "".join(c for c in value if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(kept.split())[:limit]


def register(added: list[dict[str, Any]]) -> None:
    """Make reviewer-added techniques known to this process (so corrections may name them)."""
    taxonomy.register(taxonomy.custom(a["name"], None, a["definition"]) for a in added)


async def offered(request: Request, model: str | None) -> list[dict[str, Any]]:
    """The techniques offered when reviewing an analysis made by `model` (its recorded name)."""
    svc = request.app.state.service
    names = svc.models.technique_names(model) if svc.models is not None and model else None
    added = await run_in_threadpool(svc.store.added_techniques)
    register(added)
    return ctx.techniques_for(list(names or taxonomy.NAMES), added)


async def ensure(request: Request, name: str, definition: str | None, reviewer: str,
                 choices: list[dict[str, Any]]) -> str:
    """`name` as corrections store it: a technique offered (`choices`) or known in any spelling,
    or, given a `definition`, a new technique stored and offered from now on; else 400."""
    if any(c["name"] == name for c in choices):
        if name not in taxonomy.BY_NAME:
            taxonomy.register([taxonomy.custom(name, None, None)])
        return name
    try:
        return taxonomy.normalize(name)
    except UnknownTechniqueError:
        pass
    name, definition = _clean(name, MAX_NAME), _clean(definition or "", MAX_DEFINITION)
    if not definition:
        raise InputError(f"Unknown technique {name!r}. To add a technique that is not in the list, give "
                         "its definition too (`definition`): it is then offered to every reviewer.")
    if len(name) < 2 or not any(c.isalpha() for c in name):
        raise InputError("A new technique needs a name of at least 2 characters, with letters.")
    svc = request.app.state.service
    stored = await run_in_threadpool(svc.store.add_technique, name, definition, reviewer)
    register([stored])
    await audit(request, "technique-add", None, name=name, definition=stored["definition"])
    return name
