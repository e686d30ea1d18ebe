"""Named answers of the model routes: `GET /api/models` (`Models`) and `POST /api/adapt`
(a `Job` of kind `adapt`; its result is `AdaptResult`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from unspin.web.schemas import Answer, Part


class ModelTechnique(Part):
    name: str
    display: str
    definition: str


class ModelInfo(Part):
    """One model requests may name."""

    name: str = Field(description="The name to send as `model`.")
    kind: str = Field(description="`shipped`, `adapted` or `server`.")
    model: str | None = Field(description="The name analyses record.")
    default: bool
    loaded: bool
    techniques: list[ModelTechnique] | None = Field(description="In output order.")
    figures: dict[str, Any] | None = Field(description="F1 `si`, `tc`, `flc` and what they were "
                                                       "measured `on`.")
    provenance: dict[str, Any]


class Models(Answer):
    """The models requests may name, the default's name and how many stay loaded at once."""

    default: str
    max_loaded: int = Field(ge=0)
    models: list[ModelInfo]
