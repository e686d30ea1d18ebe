from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.adapt_result_report import AdaptResultReport


T = TypeVar("T", bound="AdaptResult")


@_attrs_define
class AdaptResult:
    """A done `adapt` job's result: the new model's name and adapt's report.

    Attributes:
        model (str): The new model's name (`GET /api/models`).
        report (AdaptResultReport): Data, taxonomy, split, figures before and after.
    """

    model: str
    report: AdaptResultReport
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        report = self.report.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "report": report,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adapt_result_report import AdaptResultReport

        d = dict(src_dict)
        model = d.pop("model")

        report = AdaptResultReport.from_dict(d.pop("report"))

        adapt_result = cls(
            model=model,
            report=report,
        )

        adapt_result.additional_properties = d
        return adapt_result

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
