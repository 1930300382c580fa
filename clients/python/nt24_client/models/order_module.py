from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.order_vin_module import OrderVinModule


T = TypeVar("T", bound="OrderModule")


@_attrs_define
class OrderModule:
    """
    Attributes:
        status (str):
        vins (list[OrderVinModule]):
    """

    status: str
    vins: list[OrderVinModule]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        vins = []
        for vins_item_data in self.vins:
            vins_item = vins_item_data.to_dict()
            vins.append(vins_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "vins": vins,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order_vin_module import OrderVinModule  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        vins = []
        _vins = d.pop("vins")
        for vins_item_data in _vins:
            vins_item = OrderVinModule.from_dict(vins_item_data)

            vins.append(vins_item)

        order_module = cls(
            status=status,
            vins=vins,
        )

        order_module.additional_properties = d
        return order_module

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
