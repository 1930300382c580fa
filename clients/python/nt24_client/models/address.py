from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Address")


@_attrs_define
class Address:
    """An address as answers show it, with its uuid (resources 0.4).

    Attributes:
        street (str):
        post_code (str):
        city (str):
        country (str): ISO 3166-1 alpha-2
        uuid (UUID):
    """

    street: str
    post_code: str
    city: str
    country: str
    uuid: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        street = self.street

        post_code = self.post_code

        city = self.city

        country = self.country

        uuid = str(self.uuid)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "street": street,
                "postCode": post_code,
                "city": city,
                "country": country,
                "uuid": uuid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        street = d.pop("street")

        post_code = d.pop("postCode")

        city = d.pop("city")

        country = d.pop("country")

        uuid = UUID(d.pop("uuid"))

        address = cls(
            street=street,
            post_code=post_code,
            city=city,
            country=country,
            uuid=uuid,
        )

        address.additional_properties = d
        return address

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
