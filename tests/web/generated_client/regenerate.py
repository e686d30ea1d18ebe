"""Regenerate the API client that tests/web/test_generated_client.py uses, from the part of
the OpenAPI document it calls (`trimmed`): `openapi.json` and `unspin_client/` here.

openapi-python-client 0.29.1 needs typer < 0.28 and unspin pins a newer one, so it runs from
its own virtualenv:

    python3 -m venv /tmp/opc && /tmp/opc/bin/pip install openapi-python-client==0.29.1
    PYTHONPATH=src python tests/web/generated_client/regenerate.py /tmp/opc/bin/openapi-python-client
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OPERATIONS = {("/api/analyze", "post"), ("/api/jobs", "post"), ("/api/jobs/{job_id}", "get"),
              ("/api/analyses/{analysis_id}", "get")}


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[1]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


def trimmed(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with only `OPERATIONS` and the component schemas they use (links dropped: they
    name operations left out)."""
    paths: dict[str, Any] = {}
    for (path, method) in sorted(OPERATIONS):
        op = json.loads(json.dumps(spec["paths"][path][method]))
        for answer in op.get("responses", {}).values():
            answer.pop("links", None)
        paths.setdefault(path, {})[method] = op
    schemas = spec["components"]["schemas"]
    keep, todo = set(), _refs(paths)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo |= _refs(schemas[name])
    return {"openapi": spec["openapi"], "info": spec["info"], "paths": paths,
            "components": {"schemas": {name: schemas[name] for name in sorted(keep)}}}


def live_spec() -> dict[str, Any]:
    """The document of the app as this checkout builds it."""
    from unspin.web import WebSettings, create_app
    from unspin.web.memstore import MemoryStore

    return create_app(object(), store=MemoryStore(), settings=WebSettings()).openapi()  # type: ignore[arg-type]


def main(generator: str) -> None:
    doc = HERE / "openapi.json"
    doc.write_text(json.dumps(trimmed(live_spec()), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(HERE / "unspin_client", ignore_errors=True)
    subprocess.run([generator, "generate", "--path", str(doc), "--meta", "none",
                    "--output-path", str(HERE / "unspin_client")], check=True)


if __name__ == "__main__":
    main(sys.argv[1])
