from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.figures_counts import FiguresCounts


T = TypeVar("T", bound="Figures")


@_attrs_define
class Figures:
    """Document figures: `density` is the share of characters inside some span.

    Attributes:
        characters (int):
        words (int):
        spans (int):
        density (float):
        spans_per_1k_words (float):
        counts (FiguresCounts): Spans per technique.
    """

    characters: int
    words: int
    spans: int
    density: float
    spans_per_1k_words: float
    counts: FiguresCounts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        characters = self.characters

        words = self.words

        spans = self.spans

        density = self.density

        spans_per_1k_words = self.spans_per_1k_words

        counts = self.counts.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "characters": characters,
                "words": words,
                "spans": spans,
                "density": density,
                "spans_per_1k_words": spans_per_1k_words,
                "counts": counts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.figures_counts import FiguresCounts

        d = dict(src_dict)
        characters = d.pop("characters")

        words = d.pop("words")

        spans = d.pop("spans")

        density = d.pop("density")

        spans_per_1k_words = d.pop("spans_per_1k_words")

        counts = FiguresCounts.from_dict(d.pop("counts"))

        figures = cls(
            characters=characters,
            words=words,
            spans=spans,
            density=density,
            spans_per_1k_words=spans_per_1k_words,
            counts=counts,
        )

        figures.additional_properties = d
        return figures

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
