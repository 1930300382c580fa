from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn


T = TypeVar("T", bound="OrderVinIn")


@_attrs_define
class OrderVinIn:
    """
    Attributes:
        vin (str):
        brand (None | str | Unset):
        model (None | str | Unset):
        purchase_amount (MoneyIn | None | Unset):
        mileage (int | None | Unset):
        first_registration_date (datetime.date | None | Unset): Not in the future (the latest today on earth, UTC+14)
    """

    vin: str
    brand: None | str | Unset = UNSET
    model: None | str | Unset = UNSET
    purchase_amount: MoneyIn | None | Unset = UNSET
    mileage: int | None | Unset = UNSET
    first_registration_date: datetime.date | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        vin = self.vin

        brand: None | str | Unset
        if isinstance(self.brand, Unset):
            brand = UNSET
        else:
            brand = self.brand

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        purchase_amount: dict[str, Any] | None | Unset
        if isinstance(self.purchase_amount, Unset):
            purchase_amount = UNSET
        elif isinstance(self.purchase_amount, MoneyIn):
            purchase_amount = self.purchase_amount.to_dict()
        else:
            purchase_amount = self.purchase_amount

        mileage: int | None | Unset
        if isinstance(self.mileage, Unset):
            mileage = UNSET
        else:
            mileage = self.mileage

        first_registration_date: None | str | Unset
        if isinstance(self.first_registration_date, Unset):
            first_registration_date = UNSET
        elif isinstance(self.first_registration_date, datetime.date):
            first_registration_date = self.first_registration_date.isoformat()
        else:
            first_registration_date = self.first_registration_date

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "vin": vin,
            }
        )
        if brand is not UNSET:
            field_dict["brand"] = brand
        if model is not UNSET:
            field_dict["model"] = model
        if purchase_amount is not UNSET:
            field_dict["purchaseAmount"] = purchase_amount
        if mileage is not UNSET:
            field_dict["mileage"] = mileage
        if first_registration_date is not UNSET:
            field_dict["firstRegistrationDate"] = first_registration_date

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        d = dict(src_dict)
        vin = d.pop("vin")

        def _parse_brand(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        brand = _parse_brand(d.pop("brand", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_purchase_amount(data: object) -> MoneyIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                purchase_amount_type_0 = MoneyIn.from_dict(data)

                return purchase_amount_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MoneyIn | None | Unset, data)

        purchase_amount = _parse_purchase_amount(d.pop("purchaseAmount", UNSET))

        def _parse_mileage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        mileage = _parse_mileage(d.pop("mileage", UNSET))

        def _parse_first_registration_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_registration_date_type_0 = datetime.date.fromisoformat(data)

                return first_registration_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        first_registration_date = _parse_first_registration_date(
            d.pop("firstRegistrationDate", UNSET)
        )

        order_vin_in = cls(
            vin=vin,
            brand=brand,
            model=model,
            purchase_amount=purchase_amount,
            mileage=mileage,
            first_registration_date=first_registration_date,
        )

        order_vin_in.additional_properties = d
        return order_vin_in

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
