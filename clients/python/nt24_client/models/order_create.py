from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn
    from ..models.order_vin_in import OrderVinIn
    from ..models.person_in import PersonIn


T = TypeVar("T", bound="OrderCreate")


@_attrs_define
class OrderCreate:
    """
    Attributes:
        external_order_id (str):
        buyer_id (UUID):
        vins (list[OrderVinIn]):
        total_amount (MoneyIn):
        purchase_date (datetime.date | None | Unset): Not in the future (the latest today on earth, UTC+14)
        responsible_contact (None | PersonIn | Unset):
    """

    external_order_id: str
    buyer_id: UUID
    vins: list[OrderVinIn]
    total_amount: MoneyIn
    purchase_date: datetime.date | None | Unset = UNSET
    responsible_contact: None | PersonIn | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.person_in import PersonIn  # noqa: PLC0415

        external_order_id = self.external_order_id

        buyer_id = str(self.buyer_id)

        vins = []
        for vins_item_data in self.vins:
            vins_item = vins_item_data.to_dict()
            vins.append(vins_item)

        total_amount = self.total_amount.to_dict()

        purchase_date: None | str | Unset
        if isinstance(self.purchase_date, Unset):
            purchase_date = UNSET
        elif isinstance(self.purchase_date, datetime.date):
            purchase_date = self.purchase_date.isoformat()
        else:
            purchase_date = self.purchase_date

        responsible_contact: dict[str, Any] | None | Unset
        if isinstance(self.responsible_contact, Unset):
            responsible_contact = UNSET
        elif isinstance(self.responsible_contact, PersonIn):
            responsible_contact = self.responsible_contact.to_dict()
        else:
            responsible_contact = self.responsible_contact

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "externalOrderId": external_order_id,
                "buyerId": buyer_id,
                "vins": vins,
                "totalAmount": total_amount,
            }
        )
        if purchase_date is not UNSET:
            field_dict["purchaseDate"] = purchase_date
        if responsible_contact is not UNSET:
            field_dict["responsibleContact"] = responsible_contact

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415
        from ..models.order_vin_in import OrderVinIn  # noqa: PLC0415
        from ..models.person_in import PersonIn  # noqa: PLC0415

        d = dict(src_dict)
        external_order_id = d.pop("externalOrderId")

        buyer_id = UUID(d.pop("buyerId"))

        vins = []
        _vins = d.pop("vins")
        for vins_item_data in _vins:
            vins_item = OrderVinIn.from_dict(vins_item_data)

            vins.append(vins_item)

        total_amount = MoneyIn.from_dict(d.pop("totalAmount"))

        def _parse_purchase_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                purchase_date_type_0 = datetime.date.fromisoformat(data)

                return purchase_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        purchase_date = _parse_purchase_date(d.pop("purchaseDate", UNSET))

        def _parse_responsible_contact(data: object) -> None | PersonIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                responsible_contact_type_0 = PersonIn.from_dict(data)

                return responsible_contact_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PersonIn | Unset, data)

        responsible_contact = _parse_responsible_contact(d.pop("responsibleContact", UNSET))

        order_create = cls(
            external_order_id=external_order_id,
            buyer_id=buyer_id,
            vins=vins,
            total_amount=total_amount,
            purchase_date=purchase_date,
            responsible_contact=responsible_contact,
        )

        order_create.additional_properties = d
        return order_create

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
