"""A client generated from the OpenAPI document (openapi-python-client, in
tests/web/generated_client) analyzes a text and follows a job against uvicorn on 127.0.0.1:
the document is good enough to build a working client from (issue 33)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fakes import serve_in_thread

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

GENERATED = Path(__file__).with_name("generated_client")
sys.path.insert(0, str(GENERATED))

from regenerate import trimmed  # noqa: E402
from unspin_client import Client  # noqa: E402
from unspin_client.api.api import analyze, get_analysis  # noqa: E402
from unspin_client.api.jobs import get_job, start_job  # noqa: E402
from unspin_client.models import Analysis, AnalyzeBodyType0, AnalyzeRequestType0, Job  # noqa: E402
from unspin_client.models.job_status import JobStatus  # noqa: E402

TEXT = "The radical left mob staged a shameful, disgusting betrayal of our great nation. " * 3


@pytest.fixture
def served(tiny_analyzer: Any) -> Iterator[str]:
    with serve_in_thread(create_app(tiny_analyzer, store=MemoryStore(), settings=WebSettings())) as url:
        yield url


def test_the_client_is_generated_from_this_document(sync_client: Any) -> None:
    committed = json.loads((GENERATED / "openapi.json").read_text(encoding="utf-8"))
    assert trimmed(sync_client.get("/openapi.json").json()) == committed, (
        "The operations the generated client calls changed: regenerate it "
        "(see tests/web/generated_client/regenerate.py).")


def test_generated_client_analyzes_and_follows_a_job(served: str) -> None:
    with Client(base_url=served, raise_on_unexpected_status=True) as client:
        body = AnalyzeBodyType0(text=TEXT)
        body["threshold"] = 0.0
        answer = analyze.sync_detailed(client=client, body=body)
        assert answer.status_code == 200
        analysis = answer.parsed
        assert isinstance(analysis, Analysis) and analysis.model == "tiny-random" and analysis.text == TEXT
        for span in analysis.spans:
            assert TEXT[span.start:span.end] == span.text
        assert analysis.figures.words == len(TEXT.split())

        started = start_job.sync_detailed(client=client, body=AnalyzeRequestType0(text=TEXT))
        assert started.status_code == 202 and isinstance(started.parsed, Job)
        job_id = started.parsed.id
        assert started.headers["location"] == f"/api/jobs/{job_id}"
        deadline = time.monotonic() + 30
        job = started.parsed
        while job.status not in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = get_job.sync(job_id, client=client)
            assert isinstance(job, Job)
        assert job.status == JobStatus.DONE and job.progress.fraction == 1.0
        assert isinstance(job.result, Analysis) and job.result.id
        saved = get_analysis.sync(job.result.id, client=client)
        assert isinstance(saved, Analysis)
        assert saved.text == TEXT
        assert [s.to_dict() for s in saved.spans] == [s.to_dict() for s in job.result.spans]
