from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn


T = TypeVar("T", bound="PaymentIn")


@_attrs_define
class PaymentIn:
    """
    Attributes:
        payment_date (datetime.date): Not in the future (the latest today on earth, UTC+14)
        bank_amount (MoneyIn):
        cash_amount (MoneyIn):
        source_iban (None | str | Unset):
        new_iban_declared (bool | Unset): The seller declares sourceIban a new account of the buyer's: a payment from an
            IBAN the buyer never paid from before is then consistent (else the blocker IBAN_INCONSISTENT). The declaration
            is of that IBAN: a correction of sourceIban needs it again Default: False.
    """

    payment_date: datetime.date
    bank_amount: MoneyIn
    cash_amount: MoneyIn
    source_iban: None | str | Unset = UNSET
    new_iban_declared: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        payment_date = self.payment_date.isoformat()

        bank_amount = self.bank_amount.to_dict()

        cash_amount = self.cash_amount.to_dict()

        source_iban: None | str | Unset
        if isinstance(self.source_iban, Unset):
            source_iban = UNSET
        else:
            source_iban = self.source_iban

        new_iban_declared = self.new_iban_declared

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "paymentDate": payment_date,
                "bankAmount": bank_amount,
                "cashAmount": cash_amount,
            }
        )
        if source_iban is not UNSET:
            field_dict["sourceIban"] = source_iban
        if new_iban_declared is not UNSET:
            field_dict["newIbanDeclared"] = new_iban_declared

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        d = dict(src_dict)
        payment_date = datetime.date.fromisoformat(d.pop("paymentDate"))

        bank_amount = MoneyIn.from_dict(d.pop("bankAmount"))

        cash_amount = MoneyIn.from_dict(d.pop("cashAmount"))

        def _parse_source_iban(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_iban = _parse_source_iban(d.pop("sourceIban", UNSET))

        new_iban_declared = d.pop("newIbanDeclared", UNSET)

        payment_in = cls(
            payment_date=payment_date,
            bank_amount=bank_amount,
            cash_amount=cash_amount,
            source_iban=source_iban,
            new_iban_declared=new_iban_declared,
        )

        payment_in.additional_properties = d
        return payment_in

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
