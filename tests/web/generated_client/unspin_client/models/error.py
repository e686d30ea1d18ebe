from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    """Every error: `ok` false, a message that says what to do, and the HTTP status.

    Attributes:
        error (str): What went wrong and what to do about it.
        status (int): The HTTP status, repeated.
        ok (bool | Unset):  Default: False.
    """

    error: str
    status: int
    ok: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        status = self.status

        ok = self.ok

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "error": error,
                "status": status,
            }
        )
        if ok is not UNSET:
            field_dict["ok"] = ok

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error")

        status = d.pop("status")

        ok = d.pop("ok", UNSET)

        error = cls(
            error=error,
            status=status,
            ok=ok,
        )

        return error
