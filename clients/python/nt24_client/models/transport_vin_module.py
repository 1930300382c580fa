from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TransportVinModule")


@_attrs_define
class TransportVinModule:
    """
    Attributes:
        vin (str):
        pickup_confirmed (bool):
        delivery_confirmed (bool):
    """

    vin: str
    pickup_confirmed: bool
    delivery_confirmed: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        vin = self.vin

        pickup_confirmed = self.pickup_confirmed

        delivery_confirmed = self.delivery_confirmed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "vin": vin,
                "pickupConfirmed": pickup_confirmed,
                "deliveryConfirmed": delivery_confirmed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        vin = d.pop("vin")

        pickup_confirmed = d.pop("pickupConfirmed")

        delivery_confirmed = d.pop("deliveryConfirmed")

        transport_vin_module = cls(
            vin=vin,
            pickup_confirmed=pickup_confirmed,
            delivery_confirmed=delivery_confirmed,
        )

        transport_vin_module.additional_properties = d
        return transport_vin_module

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
