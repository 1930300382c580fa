from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transport_out_status import TransportOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.document_out import DocumentOut
    from ..models.pickup_out import PickupOut
    from ..models.revocation_out import RevocationOut
    from ..models.transport_delivery_out import TransportDeliveryOut


T = TypeVar("T", bound="TransportOut")


@_attrs_define
class TransportOut:
    """
    Attributes:
        status (TransportOutStatus):
        daily_vies_checks_active (bool):
        version (int):
        pickup (None | PickupOut | Unset):
        delivery (None | TransportDeliveryOut | Unset):
        revocations (list[RevocationOut] | Unset):
        documents (list[DocumentOut] | Unset):
        updated_at (None | str | Unset):
    """

    status: TransportOutStatus
    daily_vies_checks_active: bool
    version: int
    pickup: None | PickupOut | Unset = UNSET
    delivery: None | TransportDeliveryOut | Unset = UNSET
    revocations: list[RevocationOut] | Unset = UNSET
    documents: list[DocumentOut] | Unset = UNSET
    updated_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pickup_out import PickupOut  # noqa: PLC0415
        from ..models.transport_delivery_out import TransportDeliveryOut  # noqa: PLC0415

        status = self.status.value

        daily_vies_checks_active = self.daily_vies_checks_active

        version = self.version

        pickup: dict[str, Any] | None | Unset
        if isinstance(self.pickup, Unset):
            pickup = UNSET
        elif isinstance(self.pickup, PickupOut):
            pickup = self.pickup.to_dict()
        else:
            pickup = self.pickup

        delivery: dict[str, Any] | None | Unset
        if isinstance(self.delivery, Unset):
            delivery = UNSET
        elif isinstance(self.delivery, TransportDeliveryOut):
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

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = self.updated_at

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
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.document_out import DocumentOut  # noqa: PLC0415
        from ..models.pickup_out import PickupOut  # noqa: PLC0415
        from ..models.revocation_out import RevocationOut  # noqa: PLC0415
        from ..models.transport_delivery_out import TransportDeliveryOut  # noqa: PLC0415

        d = dict(src_dict)
        status = TransportOutStatus(d.pop("status"))

        daily_vies_checks_active = d.pop("dailyViesChecksActive")

        version = d.pop("version")

        def _parse_pickup(data: object) -> None | PickupOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pickup_type_0 = PickupOut.from_dict(data)

                return pickup_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PickupOut | Unset, data)

        pickup = _parse_pickup(d.pop("pickup", UNSET))

        def _parse_delivery(data: object) -> None | TransportDeliveryOut | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delivery_type_0 = TransportDeliveryOut.from_dict(data)

                return delivery_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TransportDeliveryOut | Unset, data)

        delivery = _parse_delivery(d.pop("delivery", UNSET))

        _revocations = d.pop("revocations", UNSET)
        revocations: list[RevocationOut] | Unset = UNSET
        if _revocations is not UNSET:
            revocations = []
            for revocations_item_data in _revocations:
                revocations_item = RevocationOut.from_dict(revocations_item_data)

                revocations.append(revocations_item)

        _documents = d.pop("documents", UNSET)
        documents: list[DocumentOut] | Unset = UNSET
        if _documents is not UNSET:
            documents = []
            for documents_item_data in _documents:
                documents_item = DocumentOut.from_dict(documents_item_data)

                documents.append(documents_item)

        def _parse_updated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        transport_out = cls(
            status=status,
            daily_vies_checks_active=daily_vies_checks_active,
            version=version,
            pickup=pickup,
            delivery=delivery,
            revocations=revocations,
            documents=documents,
            updated_at=updated_at,
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
