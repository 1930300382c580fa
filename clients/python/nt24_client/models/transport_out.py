from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transport_out_status import TransportOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transport_out_delivery_type_0 import TransportOutDeliveryType0
    from ..models.transport_out_documents_item import TransportOutDocumentsItem
    from ..models.transport_out_pickup_type_0 import TransportOutPickupType0
    from ..models.transport_out_revocations_item import TransportOutRevocationsItem


T = TypeVar("T", bound="TransportOut")


@_attrs_define
class TransportOut:
    """
    Attributes:
        status (TransportOutStatus):
        daily_vies_checks_active (bool):
        version (int):
        pickup (None | TransportOutPickupType0 | Unset):
        delivery (None | TransportOutDeliveryType0 | Unset):
        revocations (list[TransportOutRevocationsItem] | Unset):
        documents (list[TransportOutDocumentsItem] | Unset):
    """

    status: TransportOutStatus
    daily_vies_checks_active: bool
    version: int
    pickup: None | TransportOutPickupType0 | Unset = UNSET
    delivery: None | TransportOutDeliveryType0 | Unset = UNSET
    revocations: list[TransportOutRevocationsItem] | Unset = UNSET
    documents: list[TransportOutDocumentsItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.transport_out_delivery_type_0 import TransportOutDeliveryType0  # noqa: PLC0415
        from ..models.transport_out_pickup_type_0 import TransportOutPickupType0  # noqa: PLC0415

        status = self.status.value

        daily_vies_checks_active = self.daily_vies_checks_active

        version = self.version

        pickup: dict[str, Any] | None | Unset
        if isinstance(self.pickup, Unset):
            pickup = UNSET
        elif isinstance(self.pickup, TransportOutPickupType0):
            pickup = self.pickup.to_dict()
        else:
            pickup = self.pickup

        delivery: dict[str, Any] | None | Unset
        if isinstance(self.delivery, Unset):
            delivery = UNSET
        elif isinstance(self.delivery, TransportOutDeliveryType0):
            delivery = self.delivery.to_dict()
        else:
            delivery = self.delivery

        revocations: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.revocations, Unset):
            revocations = []
            for revocations_item_data in self.revocations:
                revocations_item = revocations_item_data.to_dict()
                revocations.append(revocations_item)

        documents: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.documents, Unset):
            documents = []
            for documents_item_data in self.documents:
                documents_item = documents_item_data.to_dict()
                documents.append(documents_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "dailyViesChecksActive": daily_vies_checks_active,
                "version": version,
            }
        )
        if pickup is not UNSET:
            field_dict["pickup"] = pickup
        if delivery is not UNSET:
            field_dict["delivery"] = delivery
        if revocations is not UNSET:
            field_dict["revocations"] = revocations
        if documents is not UNSET:
            field_dict["documents"] = documents

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transport_out_delivery_type_0 import TransportOutDeliveryType0  # noqa: PLC0415
        from ..models.transport_out_documents_item import TransportOutDocumentsItem  # noqa: PLC0415
        from ..models.transport_out_pickup_type_0 import TransportOutPickupType0  # noqa: PLC0415
        from ..models.transport_out_revocations_item import TransportOutRevocationsItem  # noqa: PLC0415

        d = dict(src_dict)
        status = TransportOutStatus(d.pop("status"))

        daily_vies_checks_active = d.pop("dailyViesChecksActive")

        version = d.pop("version")

        def _parse_pickup(data: object) -> None | TransportOutPickupType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pickup_type_0 = TransportOutPickupType0.from_dict(data)

                return pickup_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransportOutPickupType0 | Unset, data)

        pickup = _parse_pickup(d.pop("pickup", UNSET))

        def _parse_delivery(data: object) -> None | TransportOutDeliveryType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delivery_type_0 = TransportOutDeliveryType0.from_dict(data)

                return delivery_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransportOutDeliveryType0 | Unset, data)

        delivery = _parse_delivery(d.pop("delivery", UNSET))

        _revocations = d.pop("revocations", UNSET)
        revocations: list[TransportOutRevocationsItem] | Unset = UNSET
        if _revocations is not UNSET:
            revocations = []
            for revocations_item_data in _revocations:
                revocations_item = TransportOutRevocationsItem.from_dict(revocations_item_data)

                revocations.append(revocations_item)

        _documents = d.pop("documents", UNSET)
        documents: list[TransportOutDocumentsItem] | Unset = UNSET
        if _documents is not UNSET:
            documents = []
            for documents_item_data in _documents:
                documents_item = TransportOutDocumentsItem.from_dict(documents_item_data)

                documents.append(documents_item)

        transport_out = cls(
            status=status,
            daily_vies_checks_active=daily_vies_checks_active,
            version=version,
            pickup=pickup,
            delivery=delivery,
            revocations=revocations,
            documents=documents,
        )

        transport_out.additional_properties = d
        return transport_out

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
