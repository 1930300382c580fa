from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.pickup_in_arranged_by_type_0 import PickupInArrangedByType0
from ..models.pickup_in_type import PickupInType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_in import AddressIn


T = TypeVar("T", bound="PickupIn")


@_attrs_define
class PickupIn:
    """
    Attributes:
        type_ (PickupInType):
        pickup_date (datetime.date): Not in the future (the latest today on earth, UTC+14)
        driver_identification (None | str | Unset):
        collection_address (AddressIn | None | Unset):
        arranged_by (None | PickupInArrangedByType0 | Unset): Who arranged the transport. COMPANY_TRANSPORT defaults to
            SELLER; SELF_PICKUP is always the buyer (SELLER is refused).
    """

    type_: PickupInType
    pickup_date: datetime.date
    driver_identification: None | str | Unset = UNSET
    collection_address: AddressIn | None | Unset = UNSET
    arranged_by: None | PickupInArrangedByType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.address_in import AddressIn  # noqa: PLC0415

        type_ = self.type_.value

        pickup_date = self.pickup_date.isoformat()

        driver_identification: None | str | Unset
        if isinstance(self.driver_identification, Unset):
            driver_identification = UNSET
        else:
            driver_identification = self.driver_identification

        collection_address: dict[str, Any] | None | Unset
        if isinstance(self.collection_address, Unset):
            collection_address = UNSET
        elif isinstance(self.collection_address, AddressIn):
            collection_address = self.collection_address.to_dict()
        else:
            collection_address = self.collection_address

        arranged_by: None | str | Unset
        if isinstance(self.arranged_by, Unset):
            arranged_by = UNSET
        elif isinstance(self.arranged_by, PickupInArrangedByType0):
            arranged_by = self.arranged_by.value
        else:
            arranged_by = self.arranged_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "pickupDate": pickup_date,
            }
        )
        if driver_identification is not UNSET:
            field_dict["driverIdentification"] = driver_identification
        if collection_address is not UNSET:
            field_dict["collectionAddress"] = collection_address
        if arranged_by is not UNSET:
            field_dict["arrangedBy"] = arranged_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_in import AddressIn  # noqa: PLC0415

        d = dict(src_dict)
        type_ = PickupInType(d.pop("type"))

        pickup_date = datetime.date.fromisoformat(d.pop("pickupDate"))

        def _parse_driver_identification(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        driver_identification = _parse_driver_identification(d.pop("driverIdentification", UNSET))

        def _parse_collection_address(data: object) -> AddressIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                collection_address_type_0 = AddressIn.from_dict(data)

                return collection_address_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AddressIn | None | Unset, data)

        collection_address = _parse_collection_address(d.pop("collectionAddress", UNSET))

        def _parse_arranged_by(data: object) -> None | PickupInArrangedByType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                arranged_by_type_0 = PickupInArrangedByType0(data)

                return arranged_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PickupInArrangedByType0 | Unset, data)

        arranged_by = _parse_arranged_by(d.pop("arrangedBy", UNSET))

        pickup_in = cls(
            type_=type_,
            pickup_date=pickup_date,
            driver_identification=driver_identification,
            collection_address=collection_address,
            arranged_by=arranged_by,
        )

        pickup_in.additional_properties = d
        return pickup_in

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
