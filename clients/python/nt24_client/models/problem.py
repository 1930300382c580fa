from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_error_out import FieldErrorOut
    from ..models.problem_current_resource_type_0 import ProblemCurrentResourceType0


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """RFC 9457 problem details in the NT24 contract's shape (section 3.1).

    Attributes:
        type_ (str):
        title (str):
        status (int):
        detail (str):
        instance (str):
        code (str):
        trace_id (str):
        errors (list[FieldErrorOut] | None | Unset):
        current_resource (None | ProblemCurrentResourceType0 | Unset):
    """

    type_: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    trace_id: str
    errors: list[FieldErrorOut] | None | Unset = UNSET
    current_resource: None | ProblemCurrentResourceType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.problem_current_resource_type_0 import ProblemCurrentResourceType0  # noqa: PLC0415

        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        instance = self.instance

        code = self.code

        trace_id = self.trace_id

        errors: list[dict[str, Any]] | None | Unset
        if isinstance(self.errors, Unset):
            errors = UNSET
        elif isinstance(self.errors, list):
            errors = []
            for errors_type_0_item_data in self.errors:
                errors_type_0_item = errors_type_0_item_data.to_dict()
                errors.append(errors_type_0_item)

        else:
            errors = self.errors

        current_resource: dict[str, Any] | None | Unset
        if isinstance(self.current_resource, Unset):
            current_resource = UNSET
        elif isinstance(self.current_resource, ProblemCurrentResourceType0):
            current_resource = self.current_resource.to_dict()
        else:
            current_resource = self.current_resource

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "instance": instance,
                "code": code,
                "traceId": trace_id,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if current_resource is not UNSET:
            field_dict["currentResource"] = current_resource

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_error_out import FieldErrorOut  # noqa: PLC0415
        from ..models.problem_current_resource_type_0 import ProblemCurrentResourceType0  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        instance = d.pop("instance")

        code = d.pop("code")

        trace_id = d.pop("traceId")

        def _parse_errors(data: object) -> list[FieldErrorOut] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                errors_type_0 = []
                _errors_type_0 = data
                for errors_type_0_item_data in _errors_type_0:
                    errors_type_0_item = FieldErrorOut.from_dict(errors_type_0_item_data)

                    errors_type_0.append(errors_type_0_item)

                return errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[FieldErrorOut] | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        def _parse_current_resource(data: object) -> None | ProblemCurrentResourceType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                current_resource_type_0 = ProblemCurrentResourceType0.from_dict(data)

                return current_resource_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProblemCurrentResourceType0 | Unset, data)

        current_resource = _parse_current_resource(d.pop("currentResource", UNSET))

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            instance=instance,
            code=code,
            trace_id=trace_id,
            errors=errors,
            current_resource=current_resource,
        )

        problem.additional_properties = d
        return problem

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
