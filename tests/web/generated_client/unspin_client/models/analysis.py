from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.analysis_links import AnalysisLinks
    from ..models.analysis_meta import AnalysisMeta
    from ..models.figures import Figures
    from ..models.span import Span


T = TypeVar("T", bound="Analysis")


@_attrs_define
class Analysis:
    """An analysis: the text as analyzed (offsets index it), its spans and figures. `id` is
    null and `links` absent when it was not saved.

        Attributes:
            id (None | str):
            model (str): The model that analyzed it.
            text (str):
            figures (Figures): Document figures: `density` is the share of characters inside some span.
            spans (list[Span]):
            created (str): When, ISO 8601 UTC.
            meta (AnalysisMeta): title, source, format, threshold, url, normalized, ...
            ok (bool | Unset):  Default: True.
            links (AnalysisLinks | None | Unset):
    """

    id: str | None
    model: str
    text: str
    figures: Figures
    spans: list[Span]
    created: str
    meta: AnalysisMeta
    ok: bool | Unset = True
    links: AnalysisLinks | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.analysis_links import AnalysisLinks

        id: str | None
        id = self.id

        model = self.model

        text = self.text

        figures = self.figures.to_dict()

        spans = []
        for spans_item_data in self.spans:
            spans_item = spans_item_data.to_dict()
            spans.append(spans_item)

        created = self.created

        meta = self.meta.to_dict()

        ok = self.ok

        links: dict[str, Any] | Unset | None
        if isinstance(self.links, Unset):
            links = UNSET
        elif isinstance(self.links, AnalysisLinks):
            links = self.links.to_dict()
        else:
            links = self.links

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "model": model,
                "text": text,
                "figures": figures,
                "spans": spans,
                "created": created,
                "meta": meta,
            }
        )
        if ok is not UNSET:
            field_dict["ok"] = ok
        if links is not UNSET:
            field_dict["links"] = links

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.analysis_links import AnalysisLinks
        from ..models.analysis_meta import AnalysisMeta
        from ..models.figures import Figures
        from ..models.span import Span

        d = dict(src_dict)

        def _parse_id(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        id = _parse_id(d.pop("id"))

        model = d.pop("model")

        text = d.pop("text")

        figures = Figures.from_dict(d.pop("figures"))

        spans = []
        _spans = d.pop("spans")
        for spans_item_data in _spans:
            spans_item = Span.from_dict(spans_item_data)

            spans.append(spans_item)

        created = d.pop("created")

        meta = AnalysisMeta.from_dict(d.pop("meta"))

        ok = d.pop("ok", UNSET)

        def _parse_links(data: object) -> AnalysisLinks | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                links_type_0 = AnalysisLinks.from_dict(data)

                return links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AnalysisLinks | None | Unset, data)

        links = _parse_links(d.pop("links", UNSET))

        analysis = cls(
            id=id,
            model=model,
            text=text,
            figures=figures,
            spans=spans,
            created=created,
            meta=meta,
            ok=ok,
            links=links,
        )

        analysis.additional_properties = d
        return analysis

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
