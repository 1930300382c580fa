from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Pagination")


@_attrs_define
class Pagination:
    """
    Attributes:
        page (int):
        size (int):
        total_elements (int):
        total_pages (int):
        has_next (bool):
        has_previous (bool):
    """

    page: int
    size: int
    total_elements: int
    total_pages: int
    has_next: bool
    has_previous: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        page = self.page

        size = self.size

        total_elements = self.total_elements

        total_pages = self.total_pages

        has_next = self.has_next

        has_previous = self.has_previous

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "page": page,
                "size": size,
                "totalElements": total_elements,
                "totalPages": total_pages,
                "hasNext": has_next,
                "hasPrevious": has_previous,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        page = d.pop("page")

        size = d.pop("size")

        total_elements = d.pop("totalElements")

        total_pages = d.pop("totalPages")

        has_next = d.pop("hasNext")

        has_previous = d.pop("hasPrevious")

        pagination = cls(
            page=page,
            size=size,
            total_elements=total_elements,
            total_pages=total_pages,
            has_next=has_next,
            has_previous=has_previous,
        )

        pagination.additional_properties = d
        return pagination

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
