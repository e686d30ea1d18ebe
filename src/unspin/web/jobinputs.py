"""URLs a job fetches itself: `POST /api/jobs` and the job forms accept a job with its URL
first and fetch it when the job runs, so the fetch counts against the store-wide job
capacity (`queue_size`) like the analysis, not only against one process's queue. While it
runs the fetch holds one of this process's `fetch_concurrency` slots (waiting for one when
all are taken, and stopping there if the job is cancelled); `fetch_timeout` covers it whole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.url import check_url
from unspin.web.inputs import document_for, with_title
from unspin.web.service import Service

WAIT = 0.2  # seconds between looks for a free fetch slot


@dataclass(frozen=True)
class FetchLater:
    """A URL (with the title the client gave, if any) that its job fetches when it runs."""

    url: str
    title: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title}


def job_title(item: Document | FetchLater) -> str | None:
    """What a job of `item` is called until done: its title, else a URL to fetch."""
    if isinstance(item, FetchLater):
        return item.title or item.url
    return item.meta.get("title")


async def job_input(service: Service, kind: str, value: Any, title: str | None) -> Document | FetchLater:
    """What a job is submitted with: a URL checked for form only (fetched later), or the
    document of any other input, titled."""
    if kind == "url":
        url = str(value or "").strip()
        if not url:
            raise InputError("The URL is empty.")
        check_url(url)
        return FetchLater(url, title)
    return with_title(await service.document(kind, value), title)


async def fetch_for_job(service: Service, entry: dict[str, Any], stop: Callable[[], None]) -> Document:
    """The document of a payload's `{"url", "title"}` entry, fetched now within one of the
    `fetch_concurrency` slots; `stop()` raises once the job is cancelled."""
    while service.fetching >= service.settings.fetch_concurrency:  # no await between look and take
        await run_in_threadpool(stop)
        await asyncio.sleep(WAIT)
    service.fetching += 1
    try:
        doc = await run_in_threadpool(document_for, "url", entry["url"], service.settings)
    finally:
        service.fetching -= 1
    return with_title(doc, entry.get("title"))
