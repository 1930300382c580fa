from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transport_vin_module import TransportVinModule


T = TypeVar("T", bound="TransportModule")


@_attrs_define
class TransportModule:
    """
    Attributes:
        status (str):
        pickup_confirmed (bool):
        delivery_confirmed (bool):
        cmr_uploaded (bool):
        daily_vies_checks_active (bool):
        pickup_date (datetime.date | None | Unset):
        vins (list[TransportVinModule] | None | Unset):
    """

    status: str
    pickup_confirmed: bool
    delivery_confirmed: bool
    cmr_uploaded: bool
    daily_vies_checks_active: bool
    pickup_date: datetime.date | None | Unset = UNSET
    vins: list[TransportVinModule] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        pickup_confirmed = self.pickup_confirmed

        delivery_confirmed = self.delivery_confirmed

        cmr_uploaded = self.cmr_uploaded

        daily_vies_checks_active = self.daily_vies_checks_active

        pickup_date: None | str | Unset
        if isinstance(self.pickup_date, Unset):
            pickup_date = UNSET
        elif isinstance(self.pickup_date, datetime.date):
            pickup_date = self.pickup_date.isoformat()
        else:
            pickup_date = self.pickup_date

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "pickupConfirmed": pickup_confirmed,
                "deliveryConfirmed": delivery_confirmed,
                "cmrUploaded": cmr_uploaded,
                "dailyViesChecksActive": daily_vies_checks_active,
            }
        )
        if pickup_date is not UNSET:
            field_dict["pickupDate"] = pickup_date
        if vins is not UNSET:
            field_dict["vins"] = vins

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transport_vin_module import TransportVinModule  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        pickup_confirmed = d.pop("pickupConfirmed")

        delivery_confirmed = d.pop("deliveryConfirmed")

        cmr_uploaded = d.pop("cmrUploaded")

        daily_vies_checks_active = d.pop("dailyViesChecksActive")

        def _parse_pickup_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pickup_date_type_0 = datetime.date.fromisoformat(data)

                return pickup_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        pickup_date = _parse_pickup_date(d.pop("pickupDate", UNSET))

        def _parse_vins(data: object) -> list[TransportVinModule] | None | Unset:
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
                    vins_type_0_item = TransportVinModule.from_dict(vins_type_0_item_data)

                    vins_type_0.append(vins_type_0_item)

                return vins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[TransportVinModule] | None | Unset, data)

        vins = _parse_vins(d.pop("vins", UNSET))

        transport_module = cls(
            status=status,
            pickup_confirmed=pickup_confirmed,
            delivery_confirmed=delivery_confirmed,
            cmr_uploaded=cmr_uploaded,
            daily_vies_checks_active=daily_vies_checks_active,
            pickup_date=pickup_date,
            vins=vins,
        )

        transport_module.additional_properties = d
        return transport_module

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
