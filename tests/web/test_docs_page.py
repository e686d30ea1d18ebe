"""The API reference at /docs (issue 30 item 12): code shown as code, each route with the
statuses it can answer, curl examples for analyzing, jobs and review, and an example
response with exactly the fields of a real answer and this server's model name."""

from __future__ import annotations

import json
import re
from typing import Any

from unspin.web.inputs import EXAMPLE_REQUEST, EXAMPLE_RESPONSE

HTML = {"Accept": "text/html"}


def keys(value: Any) -> Any:
    """The shape of a JSON value: its keys, recursively (lists by their first item; `counts`,
    keyed by technique, as a mapping of numbers)."""
    if isinstance(value, dict):
        return {k: ("technique -> int" if k == "counts" else keys(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return type(value).__name__ if value is not None else "null"


def test_code_statuses_and_examples(sync_client: Any) -> None:
    page = sync_client.get("/docs", headers=HTML).text
    assert "`" not in re.sub(r"<pre.*?</pre>", "", page, flags=re.S)  # no Markdown backticks left
    assert "Analyze one of <code>text</code>, <code>url</code> or <code>html</code>" in page
    statuses = {f"{m} {p}": a for m, p, a in re.findall(
        r"<tr><td><code>(\w+)</code></td><td><code>([^<]+)</code></td>\s*<td>.*?</td><td>([^<]*)</td></tr>",
        page, flags=re.S)}
    assert statuses["GET /api/health"] == "200, 400, 401, 500"  # 401: a token that is not valid
    # 422: not an id
    assert statuses["GET /api/analyses/{analysis_id}"] == "200, 400, 401, 404, 422, 429, 500"
    assert statuses["POST /api/analyze"] == "200, 400, 401, 403, 413, 415, 422, 429, 500, 502, 503, 504"
    assert len(set(statuses.values())) >= 5
    for name in ("analyze", "job", "review"):
        assert f'id="example-curl-{name}"' in page
    assert "curl -si http://testserver/api/jobs" in page and "/reviewed" in page
    shown = json.loads(re.search(r'id="example-response">(.*?)</pre>', page, flags=re.S).group(1)
                       .replace("&#34;", '"').replace("&quot;", '"'))
    assert shown["model"] == "fake-rules"  # this server's model, not a made-up name


def test_example_response_has_the_fields_of_a_real_answer(sync_client: Any) -> None:
    real = sync_client.post("/api/analyze", json=EXAMPLE_REQUEST).json()
    assert keys(EXAMPLE_RESPONSE) == keys(real)
    assert EXAMPLE_RESPONSE["text"] == real["text"]
    assert EXAMPLE_RESPONSE["figures"]["words"] == real["figures"]["words"]
    assert EXAMPLE_RESPONSE["meta"] == real["meta"]
