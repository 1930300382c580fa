from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.pickup_out_arrangedby import PickupOutArrangedby
from ..models.pickup_out_type import PickupOutType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address import Address


T = TypeVar("T", bound="PickupOut")


@_attrs_define
class PickupOut:
    """The pickup as confirmed (store/orders/views.py ``transport_view``).

    Attributes:
        type_ (PickupOutType):
        pickup_date (datetime.date):
        arranged_by (PickupOutArrangedby):
        driver_identification (None | str | Unset):
        collection_address (Address | None | Unset):
        confirmed_at (None | str | Unset):
    """

    type_: PickupOutType
    pickup_date: datetime.date
    arranged_by: PickupOutArrangedby
    driver_identification: None | str | Unset = UNSET
    collection_address: Address | None | Unset = UNSET
    confirmed_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.address import Address  # noqa: PLC0415

        type_ = self.type_.value

        pickup_date = self.pickup_date.isoformat()

        arranged_by = self.arranged_by.value

        driver_identification: None | str | Unset
        if isinstance(self.driver_identification, Unset):
            driver_identification = UNSET
        else:
            driver_identification = self.driver_identification

        collection_address: dict[str, Any] | None | Unset
        if isinstance(self.collection_address, Unset):
            collection_address = UNSET
        elif isinstance(self.collection_address, Address):
            collection_address = self.collection_address.to_dict()
        else:
            collection_address = self.collection_address

        confirmed_at: None | str | Unset
        if isinstance(self.confirmed_at, Unset):
            confirmed_at = UNSET
        else:
            confirmed_at = self.confirmed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "pickupDate": pickup_date,
                "arrangedBy": arranged_by,
            }
        )
        if driver_identification is not UNSET:
            field_dict["driverIdentification"] = driver_identification
        if collection_address is not UNSET:
            field_dict["collectionAddress"] = collection_address
        if confirmed_at is not UNSET:
            field_dict["confirmedAt"] = confirmed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address import Address  # noqa: PLC0415

        d = dict(src_dict)
        type_ = PickupOutType(d.pop("type"))

        pickup_date = datetime.date.fromisoformat(d.pop("pickupDate"))

        arranged_by = PickupOutArrangedby(d.pop("arrangedBy"))

        def _parse_driver_identification(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        driver_identification = _parse_driver_identification(d.pop("driverIdentification", UNSET))

        def _parse_collection_address(data: object) -> Address | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                collection_address_type_0 = Address.from_dict(data)

                return collection_address_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Address | None | Unset, data)

        collection_address = _parse_collection_address(d.pop("collectionAddress", UNSET))

        def _parse_confirmed_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        confirmed_at = _parse_confirmed_at(d.pop("confirmedAt", UNSET))

        pickup_out = cls(
            type_=type_,
            pickup_date=pickup_date,
            arranged_by=arranged_by,
            driver_identification=driver_identification,
            collection_address=collection_address,
            confirmed_at=confirmed_at,
        )

        pickup_out.additional_properties = d
        return pickup_out

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
