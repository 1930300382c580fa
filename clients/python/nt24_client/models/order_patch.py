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


T = TypeVar("T", bound="OrderPatch")


@_attrs_define
class OrderPatch:
    """
    Attributes:
        responsible_contact (None | PersonIn | Unset):
        purchase_date (datetime.date | None | Unset): Not in the future (the latest today on earth, UTC+14)
        external_order_id (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        buyer_id (None | Unset | UUID): Cannot change: a PATCH that gives it is refused (422)
        vins (list[OrderVinIn] | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        total_amount (MoneyIn | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        status (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        cancellation_reason (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        uuid (None | Unset | UUID): Cannot change: a PATCH that gives it is refused (422)
        version (int | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        created_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        updated_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
    """

    responsible_contact: None | PersonIn | Unset = UNSET
    purchase_date: datetime.date | None | Unset = UNSET
    external_order_id: None | str | Unset = UNSET
    buyer_id: None | Unset | UUID = UNSET
    vins: list[OrderVinIn] | None | Unset = UNSET
    total_amount: MoneyIn | None | Unset = UNSET
    status: None | str | Unset = UNSET
    cancellation_reason: None | str | Unset = UNSET
    uuid: None | Unset | UUID = UNSET
    version: int | None | Unset = UNSET
    created_at: datetime.datetime | None | Unset = UNSET
    updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money_in import MoneyIn  # noqa: PLC0415
        from ..models.person_in import PersonIn  # noqa: PLC0415

        responsible_contact: dict[str, Any] | None | Unset
        if isinstance(self.responsible_contact, Unset):
            responsible_contact = UNSET
        elif isinstance(self.responsible_contact, PersonIn):
            responsible_contact = self.responsible_contact.to_dict()
        else:
            responsible_contact = self.responsible_contact

        purchase_date: None | str | Unset
        if isinstance(self.purchase_date, Unset):
            purchase_date = UNSET
        elif isinstance(self.purchase_date, datetime.date):
            purchase_date = self.purchase_date.isoformat()
        else:
            purchase_date = self.purchase_date

        external_order_id: None | str | Unset
        if isinstance(self.external_order_id, Unset):
            external_order_id = UNSET
        else:
            external_order_id = self.external_order_id

        buyer_id: None | str | Unset
        if isinstance(self.buyer_id, Unset):
            buyer_id = UNSET
        elif isinstance(self.buyer_id, UUID):
            buyer_id = str(self.buyer_id)
        else:
            buyer_id = self.buyer_id

        vins: list[dict[str, Any]] | None | Unset
        if isinstance(self.vins, Unset):
            vins = UNSET
        elif isinstance(self.vins, list):
            vins = []
            for vins_type_0_item_data in self.vins:
                vins_type_0_item = vins_type_0_item_data.to_dict()
                vins.append(vins_type_0_item)

        else:
            vins = self.vins

        total_amount: dict[str, Any] | None | Unset
        if isinstance(self.total_amount, Unset):
            total_amount = UNSET
        elif isinstance(self.total_amount, MoneyIn):
            total_amount = self.total_amount.to_dict()
        else:
            total_amount = self.total_amount

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        cancellation_reason: None | str | Unset
        if isinstance(self.cancellation_reason, Unset):
            cancellation_reason = UNSET
        else:
            cancellation_reason = self.cancellation_reason

        uuid: None | str | Unset
        if isinstance(self.uuid, Unset):
            uuid = UNSET
        elif isinstance(self.uuid, UUID):
            uuid = str(self.uuid)
        else:
            uuid = self.uuid

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        elif isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if responsible_contact is not UNSET:
            field_dict["responsibleContact"] = responsible_contact
        if purchase_date is not UNSET:
            field_dict["purchaseDate"] = purchase_date
        if external_order_id is not UNSET:
            field_dict["externalOrderId"] = external_order_id
        if buyer_id is not UNSET:
            field_dict["buyerId"] = buyer_id
        if vins is not UNSET:
            field_dict["vins"] = vins
        if total_amount is not UNSET:
            field_dict["totalAmount"] = total_amount
        if status is not UNSET:
            field_dict["status"] = status
        if cancellation_reason is not UNSET:
            field_dict["cancellationReason"] = cancellation_reason
        if uuid is not UNSET:
            field_dict["uuid"] = uuid
        if version is not UNSET:
            field_dict["version"] = version
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415
        from ..models.order_vin_in import OrderVinIn  # noqa: PLC0415
        from ..models.person_in import PersonIn  # noqa: PLC0415

        d = dict(src_dict)

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

        def _parse_external_order_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_order_id = _parse_external_order_id(d.pop("externalOrderId", UNSET))

        def _parse_buyer_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                buyer_id_type_0 = UUID(data)

                return buyer_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        buyer_id = _parse_buyer_id(d.pop("buyerId", UNSET))

        def _parse_vins(data: object) -> list[OrderVinIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                vins_type_0 = []
                _vins_type_0 = data
                for vins_type_0_item_data in _vins_type_0:
                    vins_type_0_item = OrderVinIn.from_dict(vins_type_0_item_data)

                    vins_type_0.append(vins_type_0_item)

                return vins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[OrderVinIn] | None | Unset, data)

        vins = _parse_vins(d.pop("vins", UNSET))

        def _parse_total_amount(data: object) -> MoneyIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                total_amount_type_0 = MoneyIn.from_dict(data)

                return total_amount_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MoneyIn | None | Unset, data)

        total_amount = _parse_total_amount(d.pop("totalAmount", UNSET))

        def _parse_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_cancellation_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancellation_reason = _parse_cancellation_reason(d.pop("cancellationReason", UNSET))

        def _parse_uuid(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                uuid_type_0 = UUID(data)

                return uuid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        uuid = _parse_uuid(d.pop("uuid", UNSET))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("createdAt", UNSET))

        def _parse_updated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        order_patch = cls(
            responsible_contact=responsible_contact,
            purchase_date=purchase_date,
            external_order_id=external_order_id,
            buyer_id=buyer_id,
            vins=vins,
            total_amount=total_amount,
            status=status,
            cancellation_reason=cancellation_reason,
            uuid=uuid,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        order_patch.additional_properties = d
        return order_patch

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
