from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.adapt_result import AdaptResult
    from ..models.analysis import Analysis
    from ..models.job_error import JobError
    from ..models.job_links import JobLinks
    from ..models.progress import Progress


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A background job: an analysis (`kind` analyze or compare) or an adaptation (`adapt`).
    Once `status` is done, `result` is the analysis (as `POST /api/analyze` answers it), or
    for `adapt` the new model; when it failed, `error` says why.

        Attributes:
            id (str):
            kind (str):
            status (JobStatus):
            title (None | str):
            words (int):
            created (str):
            finished (None | str):
            progress (Progress):
            links (JobLinks):
            ok (bool | Unset):  Default: True.
            error (JobError | None | Unset):
            result (AdaptResult | Analysis | list[Analysis] | None | Unset):
            user (None | str | Unset): Who submitted it (accounts on).
            stage (None | str | Unset): adapt: export, read, train, tune or save.
            start (None | str | Unset): adapt: the model it started from.
            model (None | str | Unset): adapt: the new model's name.
    """

    id: str
    kind: str
    status: JobStatus
    title: str | None
    words: int
    created: str
    finished: str | None
    progress: Progress
    links: JobLinks
    ok: bool | Unset = True
    error: JobError | Unset | None = UNSET
    result: AdaptResult | Analysis | list[Analysis] | Unset | None = UNSET
    user: str | Unset | None = UNSET
    stage: str | Unset | None = UNSET
    start: str | Unset | None = UNSET
    model: str | Unset | None = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.adapt_result import AdaptResult
        from ..models.analysis import Analysis
        from ..models.job_error import JobError

        id = self.id

        kind = self.kind

        status = self.status.value

        title: str | None
        title = self.title

        words = self.words

        created = self.created

        finished: str | None
        finished = self.finished

        progress = self.progress.to_dict()

        links = self.links.to_dict()

        ok = self.ok

        error: dict[str, Any] | Unset | None
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, JobError):
            error = self.error.to_dict()
        else:
            error = self.error

        result: dict[str, Any] | list[dict[str, Any]] | Unset | None
        if isinstance(self.result, Unset):
            result = UNSET
        elif isinstance(self.result, Analysis):
            result = self.result.to_dict()
        elif isinstance(self.result, list):
            result = []
            for result_type_1_item_data in self.result:
                result_type_1_item = result_type_1_item_data.to_dict()
                result.append(result_type_1_item)

        elif isinstance(self.result, AdaptResult):
            result = self.result.to_dict()
        else:
            result = self.result

        user: str | Unset | None
        if isinstance(self.user, Unset):
            user = UNSET
        else:
            user = self.user

        stage: str | Unset | None
        if isinstance(self.stage, Unset):
            stage = UNSET
        else:
            stage = self.stage

        start: str | Unset | None
        if isinstance(self.start, Unset):
            start = UNSET
        else:
            start = self.start

        model: str | Unset | None
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "status": status,
                "title": title,
                "words": words,
                "created": created,
                "finished": finished,
                "progress": progress,
                "links": links,
            }
        )
        if ok is not UNSET:
            field_dict["ok"] = ok
        if error is not UNSET:
            field_dict["error"] = error
        if result is not UNSET:
            field_dict["result"] = result
        if user is not UNSET:
            field_dict["user"] = user
        if stage is not UNSET:
            field_dict["stage"] = stage
        if start is not UNSET:
            field_dict["start"] = start
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.adapt_result import AdaptResult
        from ..models.analysis import Analysis
        from ..models.job_error import JobError
        from ..models.job_links import JobLinks
        from ..models.progress import Progress

        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        status = JobStatus(d.pop("status"))

        def _parse_title(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        words = d.pop("words")

        created = d.pop("created")

        def _parse_finished(data: object) -> str | None:
            if data is None:
                return data
            return cast(None | str, data)

        finished = _parse_finished(d.pop("finished"))

        progress = Progress.from_dict(d.pop("progress"))

        links = JobLinks.from_dict(d.pop("links"))

        ok = d.pop("ok", UNSET)

        def _parse_error(data: object) -> JobError | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = JobError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobError | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_result(data: object) -> AdaptResult | Analysis | list[Analysis] | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = Analysis.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                result_type_1 = []
                _result_type_1 = data
                for result_type_1_item_data in _result_type_1:
                    result_type_1_item = Analysis.from_dict(result_type_1_item_data)

                    result_type_1.append(result_type_1_item)

                return result_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_2 = AdaptResult.from_dict(data)

                return result_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AdaptResult | Analysis | list[Analysis] | None | Unset, data)

        result = _parse_result(d.pop("result", UNSET))

        def _parse_user(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user = _parse_user(d.pop("user", UNSET))

        def _parse_stage(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        def _parse_start(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        start = _parse_start(d.pop("start", UNSET))

        def _parse_model(data: object) -> str | Unset | None:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        job = cls(
            id=id,
            kind=kind,
            status=status,
            title=title,
            words=words,
            created=created,
            finished=finished,
            progress=progress,
            links=links,
            ok=ok,
            error=error,
            result=result,
            user=user,
            stage=stage,
            start=start,
            model=model,
        )

        job.additional_properties = d
        return job

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
