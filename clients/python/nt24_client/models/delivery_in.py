from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_in import AddressIn


T = TypeVar("T", bound="DeliveryIn")


@_attrs_define
class DeliveryIn:
    """
    Attributes:
        delivery_date (datetime.date): Not before the pickup date, not in the future (the latest today, UTC+14)
        delivery_address (AddressIn | None | Unset): Defaults to the buyer's address country
    """

    delivery_date: datetime.date
    delivery_address: AddressIn | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.address_in import AddressIn  # noqa: PLC0415

        delivery_date = self.delivery_date.isoformat()

        delivery_address: dict[str, Any] | None | Unset
        if isinstance(self.delivery_address, Unset):
            delivery_address = UNSET
        elif isinstance(self.delivery_address, AddressIn):
            delivery_address = self.delivery_address.to_dict()
        else:
            delivery_address = self.delivery_address

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deliveryDate": delivery_date,
            }
        )
        if delivery_address is not UNSET:
            field_dict["deliveryAddress"] = delivery_address

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_in import AddressIn  # noqa: PLC0415

        d = dict(src_dict)
        delivery_date = datetime.date.fromisoformat(d.pop("deliveryDate"))

        def _parse_delivery_address(data: object) -> AddressIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delivery_address_type_0 = AddressIn.from_dict(data)

                return delivery_address_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddressIn | None | Unset, data)

        delivery_address = _parse_delivery_address(d.pop("deliveryAddress", UNSET))

        delivery_in = cls(
            delivery_date=delivery_date,
            delivery_address=delivery_address,
        )

        delivery_in.additional_properties = d
        return delivery_in

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
