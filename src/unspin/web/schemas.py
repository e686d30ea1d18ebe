"""The named models of the API's answers (the OpenAPI document's component schemas) and
`spec()`, which gives a route its documented statuses, headers and links. The models only
document: routes return plain dicts, so an answer keeps every key it has (the models allow
more keys, which newer servers may add); tests/web/test_contract.py checks real answers
against them with Schemathesis."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"  # a saved analysis's id (`Service.get` looks up no other)
JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Answer(BaseModel):
    """A successful answer: `ok` is true; more keys may come in later versions."""

    model_config = ConfigDict(extra="allow")
    ok: Literal[True] = True


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(BaseModel):
    """Every error: `ok` false, a message that says what to do, and the HTTP status."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[False] = False
    error: str = Field(description="What went wrong and what to do about it.")
    status: int = Field(description="The HTTP status, repeated.")


class Why(Part):
    """A word that weighed in the span's score."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    weight: float


class Span(Part):
    """A technique found in the text: `text` is `text[start:end]` of the analysis."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    technique: str = Field(description="One of the names `GET /api/techniques` lists.")
    score: float = Field(ge=0, le=1, description="A calibrated probability.")
    why: list[Why] = Field(description="Words that weighed in the score (may be empty).")


class Figures(Part):
    """Document figures: `density` is the share of characters inside some span."""

    characters: int = Field(ge=0)
    words: int = Field(ge=0)
    spans: int = Field(ge=0)
    density: float = Field(ge=0)
    spans_per_1k_words: float = Field(ge=0)
    counts: dict[str, int] = Field(description="Spans per technique.")


class AnalysisLinks(Part):
    page: str = Field(description="The analysis's page.")
    api: str = Field(description="The analysis in the API (`GET /api/analyses/{id}`).")


class Analysis(Answer):
    """An analysis: the text as analyzed (offsets index it), its spans and figures. `id` is
    null and `links` absent when it was not saved."""

    id: str | None
    model: str = Field(description="The model that analyzed it.")
    text: str
    figures: Figures
    spans: list[Span]
    created: str = Field(description="When, ISO 8601 UTC.")
    meta: dict[str, Any] = Field(description="title, source, format, threshold, url, normalized, ...")
    links: AnalysisLinks | None = None


class Progress(Part):
    done: int = Field(ge=0, description="Windows analyzed.")
    total: int = Field(ge=0, description="Windows in all (0 until it starts).")
    fraction: float = Field(ge=0, le=1)


class JobLinks(Part):
    api: str
    page: str
    result: str | None = Field(None, description="The result's page, once saved.")


class JobError(Part):
    message: str
    status: int | None = None


class AdaptResult(Part):
    """A done `adapt` job's result: the new model's name and adapt's report."""

    model: str = Field(description="The new model's name (`GET /api/models`).")
    report: dict[str, Any] = Field(description="Data, taxonomy, split, figures before and after.")


class Job(Answer):
    """A background job: an analysis (`kind` analyze or compare) or an adaptation (`adapt`).
    Once `status` is done, `result` is the analysis (as `POST /api/analyze` answers it), or
    for `adapt` the new model; when it failed, `error` says why."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    title: str | None
    words: int = Field(ge=0)
    created: str
    finished: str | None
    progress: Progress
    links: JobLinks
    error: JobError | None = None
    result: Analysis | list[Analysis] | AdaptResult | None = None
    user: str | None = Field(None, description="Who submitted it (accounts on).")
    stage: str | None = Field(None, description="adapt: export, read, train, tune or save.")
    start: str | None = Field(None, description="adapt: the model it started from.")
    model: str | None = Field(None, description="adapt: the new model's name.")


class Technique(Part):
    name: str
    display: str
    definition: str
    example: str
    color: str
    index: int
    tag: str
    group: str
    line: str


class Techniques(Answer):
    techniques: list[Technique]


class Queue(Part):
    pending: int
    capacity: int
    workers: int
    done: int
    refused: int
    cancelled: int
    mean_seconds: float | None


class Health(Answer):
    """Liveness: the model (loaded yet or not), the inference queue and the store's kind
    (sqlite, postgresql or memory; never a path or an address)."""

    model: str | None
    model_loaded: bool
    queue: Queue
    store: str


class Version(Answer):
    unspin: str
    model: str | None
    api: int
    python: str


class TechniqueCount(Part):
    name: str
    display: str
    count: int


class ReviewMark(Part):
    """Who marked an analysis reviewed, and when."""

    reviewer: str
    at: str


class AnalysisSummary(Part):
    id: str
    created: str
    title: str | None = None
    spans: int
    techniques: list[TechniqueCount]
    corrections: int
    reviewed: ReviewMark | None


class AnalysisList(Answer):
    total: int = Field(ge=0, description="How many match, over all pages.")
    items: list[AnalysisSummary]


class Deleted(Answer):
    deleted: str = Field(description="The id deleted.")


class SentToCorpus(Answer):
    analysis_id: str


class AgreementRow(Part):
    technique: str
    display: str
    model: int
    reviewer: int
    agreed: int
    rejected: int
    relabelled: int
    added: int
    agreement: float


class Agreement(Answer):
    articles: int = Field(ge=0, description="Analyses marked reviewed.")
    techniques: list[AgreementRow]


MEANING = {
    400: "Bad input: empty or binary text, a refused URL, or a Host header this server does not answer",
    401: "Accounts are on: log in, or send `Authorization: Bearer TOKEN`",
    403: "A cross-site request, or your role lacks the right",
    404: "Nothing with that id",
    409: "The job has already finished",
    413: "The body is over the size limit",
    415: "The body is not JSON (`Content-Type: application/json`)",
    422: "A field is missing, of the wrong type or unknown; the message names it",
    429: "Over this client's request rate (`rate_limit` a minute): retry after `Retry-After` seconds",
    500: "An unexpected error; the server log has the details",
    502: "The URL could not be fetched (no such host, an error answer, a bad redirect)",
    503: "Busy, or no model loaded: retry after `Retry-After` seconds",
    504: "The analysis (or fetching the URL) took longer than the time budget",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer", "minimum": 1}}}
LOCATION = {"Location": {"description": "Where to poll the job: `/api/jobs/{id}`.",
                         "schema": {"type": "string"}}}


def spec(model: type[BaseModel], *codes: int, status: int = 200, what: str = "OK",
         meaning: dict[int, str] | None = None, headers: dict[str, Any] | None = None,
         links: dict[str, Any] | None = None, example: Any = None, limited: bool = True) -> dict[str, Any]:
    """Route keyword arguments documenting an answer `status` shaped as `model` and the error
    `codes` as `Error`, with those every route can answer: 400 (a refused Host), 401 (accounts
    on: not logged in, or a token not valid), 429 (over the rate limit; not where `limited` is
    false) and 500; `meaning` overrides what a code means on this route."""
    ok: dict[str, Any] = {"model": model, "description": what}
    if headers:
        ok["headers"] = headers
    if links:
        ok["links"] = links
    if example is not None:
        ok["content"] = {"application/json": {"example": example}}
    said = {**MEANING, **(meaning or {})}
    responses: dict[int | str, dict[str, Any]] = {status: ok}
    for code in sorted({400, 401, 500, *codes, *((429,) if limited else ())}):
        responses[code] = {"model": Error, "description": said[code]}
        if code in (429, 503):
            responses[code]["headers"] = RETRY_AFTER
    return {"response_model": None, "responses": responses}
