from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="FieldErrorOut")


@_attrs_define
class FieldErrorOut:
    """
    Attributes:
        field (str):
        message (str):
        rejected_value (Any | Unset):
    """

    field: str
    message: str
    rejected_value: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        field = self.field

        message = self.message

        rejected_value = self.rejected_value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "field": field,
                "message": message,
            }
        )
        if rejected_value is not UNSET:
            field_dict["rejectedValue"] = rejected_value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        field = d.pop("field")

        message = d.pop("message")

        rejected_value = d.pop("rejectedValue", UNSET)

        field_error_out = cls(
            field=field,
            message=message,
            rejected_value=rejected_value,
        )

        return field_error_out
