from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.order_out_status import OrderOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money import Money
    from ..models.order_vin_out import OrderVinOut
    from ..models.person_in import PersonIn


T = TypeVar("T", bound="OrderOut")


@_attrs_define
class OrderOut:
    """
    Attributes:
        uuid (UUID):
        external_order_id (str):
        buyer_id (UUID):
        status (OrderOutStatus):
        vins (list[OrderVinOut]):
        total_amount (Money): An amount as answers show it: as it was accepted when it was written.
        version (int):
        created_at (str):
        updated_at (str):
        purchase_date (datetime.date | None | Unset):
        responsible_contact (None | PersonIn | Unset):
        cancellation_reason (None | str | Unset):
    """

    uuid: UUID
    external_order_id: str
    buyer_id: UUID
    status: OrderOutStatus
    vins: list[OrderVinOut]
    total_amount: Money
    version: int
    created_at: str
    updated_at: str
    purchase_date: datetime.date | None | Unset = UNSET
    responsible_contact: None | PersonIn | Unset = UNSET
    cancellation_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.person_in import PersonIn  # noqa: PLC0415

        uuid = str(self.uuid)

        external_order_id = self.external_order_id

        buyer_id = str(self.buyer_id)

        status = self.status.value

        vins = []
        for vins_item_data in self.vins:
            vins_item = vins_item_data.to_dict()
            vins.append(vins_item)

        total_amount = self.total_amount.to_dict()

        version = self.version

        created_at = self.created_at

        updated_at = self.updated_at

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

        cancellation_reason: None | str | Unset
        if isinstance(self.cancellation_reason, Unset):
            cancellation_reason = UNSET
        else:
            cancellation_reason = self.cancellation_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "uuid": uuid,
                "externalOrderId": external_order_id,
                "buyerId": buyer_id,
                "status": status,
                "vins": vins,
                "totalAmount": total_amount,
                "version": version,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )
        if purchase_date is not UNSET:
            field_dict["purchaseDate"] = purchase_date
        if responsible_contact is not UNSET:
            field_dict["responsibleContact"] = responsible_contact
        if cancellation_reason is not UNSET:
            field_dict["cancellationReason"] = cancellation_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money import Money  # noqa: PLC0415
        from ..models.order_vin_out import OrderVinOut  # noqa: PLC0415
        from ..models.person_in import PersonIn  # noqa: PLC0415

        d = dict(src_dict)
        uuid = UUID(d.pop("uuid"))

        external_order_id = d.pop("externalOrderId")

        buyer_id = UUID(d.pop("buyerId"))

        status = OrderOutStatus(d.pop("status"))

        vins = []
        _vins = d.pop("vins")
        for vins_item_data in _vins:
            vins_item = OrderVinOut.from_dict(vins_item_data)

            vins.append(vins_item)

        total_amount = Money.from_dict(d.pop("totalAmount"))

        version = d.pop("version")

        created_at = d.pop("createdAt")

        updated_at = d.pop("updatedAt")

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

        def _parse_cancellation_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancellation_reason = _parse_cancellation_reason(d.pop("cancellationReason", UNSET))

        order_out = cls(
            uuid=uuid,
            external_order_id=external_order_id,
            buyer_id=buyer_id,
            status=status,
            vins=vins,
            total_amount=total_amount,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            purchase_date=purchase_date,
            responsible_contact=responsible_contact,
            cancellation_reason=cancellation_reason,
        )

        order_out.additional_properties = d
        return order_out

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
