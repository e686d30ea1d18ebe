from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.why import Why


T = TypeVar("T", bound="Span")


@_attrs_define
class Span:
    """A technique found in the text: `text` is `text[start:end]` of the analysis.

    Attributes:
        start (int):
        end (int):
        text (str):
        technique (str): One of the names `GET /api/techniques` lists.
        score (float): A calibrated probability.
        why (list[Why]): Words that weighed in the score (may be empty).
    """

    start: int
    end: int
    text: str
    technique: str
    score: float
    why: list[Why]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start = self.start

        end = self.end

        text = self.text

        technique = self.technique

        score = self.score

        why = []
        for why_item_data in self.why:
            why_item = why_item_data.to_dict()
            why.append(why_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start": start,
                "end": end,
                "text": text,
                "technique": technique,
                "score": score,
                "why": why,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.why import Why

        d = dict(src_dict)
        start = d.pop("start")

        end = d.pop("end")

        text = d.pop("text")

        technique = d.pop("technique")

        score = d.pop("score")

        why = []
        _why = d.pop("why")
        for why_item_data in _why:
            why_item = Why.from_dict(why_item_data)

            why.append(why_item)

        span = cls(
            start=start,
            end=end,
            text=text,
            technique=technique,
            score=score,
            why=why,
        )

        span.additional_properties = d
        return span

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
