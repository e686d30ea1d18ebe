"""Named models of the review and accounts answers (see `unspin.web.schemas`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from unspin.web.schemas import Answer, Part, ReviewMark, Span


def needs(actions: list[str], *fields: str, **extra: Any) -> dict[str, Any]:
    """The JSON Schema of a correction whose `action` is one of `actions`: `fields` required
    and not null."""
    return {"properties": {"action": {"enum": actions}, **{f: {"not": {"type": "null"}} for f in fields}},
            "required": ["action", *fields], **extra}


# Which fields each review action needs (`unspin.review.correction` checks the same).
ACTION_RULES = {"oneOf": [
    needs(["accept", "reject", "reset"], "span"),
    needs(["relabel"], "span", "technique"),
    needs(["resize"], "span", anyOf=[needs(["resize"], "start"), needs(["resize"], "end")]),
    needs(["add"], "start", "end", "technique"),
]}
def _whole(value: Any) -> Any:
    """20.0 as 20: JSON Schema's `integer` is any number without a fraction (20.5, "20" and
    true stay refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Offset = Annotated[int, Field(ge=0), BeforeValidator(_whole)]  # a character offset
Status = Literal["model", "accepted", "rejected", "relabelled", "resized", "added"]


class ModelSpan(Part):
    """The model's own offsets and technique for a span."""

    start: int
    end: int
    technique: str


class ReviewedSpan(Span):
    """A span after the corrections: `key` names it in a correction."""

    key: str
    status: Status
    reviewer: str | None
    at: str | None
    model: ModelSpan | None = Field(description="Null for a span a reviewer added.")
    version: int = Field(0, ge=0, description="Corrections naming this span so far: send it as "
                         "`If-Match` with the next one.")


class Correction(Part):
    """One correction as stored: the span it targets and what it made of it."""

    action: Literal["accept", "reject", "relabel", "resize", "add", "reset"]
    target: str | None
    start: int | None
    end: int | None
    technique: str | None
    reviewer: str
    created: str | None = None


class Offered(Part):
    """A technique a reviewer may choose; `added` is true for one a reviewer added."""

    name: str
    display: str
    definition: str
    added: bool


class Review(Answer):
    """The reviewed spans, the log of corrections, oldest first, and the techniques offered."""

    id: str
    reviewed: ReviewMark | None
    spans: list[ReviewedSpan]
    corrections: list[Correction]
    techniques: list[Offered]


class Corrected(Answer):
    id: str
    correction: Correction
    spans: list[ReviewedSpan]


class Stale(BaseModel):
    """409 for a correction to a span someone else corrected meanwhile: the span as it is now
    (null when it is gone) and the whole review state."""

    model_config = ConfigDict(extra="forbid")
    ok: Literal[False] = False
    error: str
    status: Literal[409] = 409
    id: str
    span: ReviewedSpan | None
    spans: list[ReviewedSpan]
    corrections: list[Correction]
    reviewed: ReviewMark | None


class Reviewed(Answer):
    id: str
    reviewed: ReviewMark | None = Field(description="The mark; null once taken back.")


class Who(Part):
    name: str
    role: Literal["admin", "reviewer", "reader"]


class Me(Answer):
    auth: bool = Field(description="Whether accounts are on.")
    user: Who | None


class User(Who):
    id: int
    created: str
    password: bool | None = Field(None, description="Whether a password is set.")
    tokens: int | None = Field(None, description="API tokens it holds.")


class Users(Answer):
    users: list[User]


class UserAnswer(Answer):
    user: User


class Token(Answer):
    token: str = Field(description="The new API token; shown only now.")


class Revoked(Answer):
    revoked: int = Field(ge=0, description="How many tokens were revoked.")


class Removed(Answer):
    removed: str


class AuditEntry(Part):
    id: int
    at: str
    actor: str | None
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditLog(Answer):
    entries: list[AuditEntry]
