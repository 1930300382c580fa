from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.payment_out_status import PaymentOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="PaymentOut")


@_attrs_define
class PaymentOut:
    """
    Attributes:
        payment_date (datetime.date):
        bank_amount (Money): An amount as answers show it: as it was accepted when it was written.
        cash_amount (Money): An amount as answers show it: as it was accepted when it was written.
        status (PaymentOutStatus):
        ready_for_pickup (bool):
        version (int):
        source_iban (None | str | Unset):
        amount_matches_invoice (bool | None | Unset): Absent while the order has no invoice: nothing to compare
        iban_consistent (bool | None | Unset): Absent while the payment names no source IBAN: nothing to compare
        new_iban_declared (bool | None | Unset): true while sourceIban is declared a new account of the buyer's
        updated_at (None | str | Unset):
    """

    payment_date: datetime.date
    bank_amount: Money
    cash_amount: Money
    status: PaymentOutStatus
    ready_for_pickup: bool
    version: int
    source_iban: None | str | Unset = UNSET
    amount_matches_invoice: bool | None | Unset = UNSET
    iban_consistent: bool | None | Unset = UNSET
    new_iban_declared: bool | None | Unset = UNSET
    updated_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        payment_date = self.payment_date.isoformat()

        bank_amount = self.bank_amount.to_dict()

        cash_amount = self.cash_amount.to_dict()

        status = self.status.value

        ready_for_pickup = self.ready_for_pickup

        version = self.version

        source_iban: None | str | Unset
        if isinstance(self.source_iban, Unset):
            source_iban = UNSET
        else:
            source_iban = self.source_iban

        amount_matches_invoice: bool | None | Unset
        if isinstance(self.amount_matches_invoice, Unset):
            amount_matches_invoice = UNSET
        else:
            amount_matches_invoice = self.amount_matches_invoice

        iban_consistent: bool | None | Unset
        if isinstance(self.iban_consistent, Unset):
            iban_consistent = UNSET
        else:
            iban_consistent = self.iban_consistent

        new_iban_declared: bool | None | Unset
        if isinstance(self.new_iban_declared, Unset):
            new_iban_declared = UNSET
        else:
            new_iban_declared = self.new_iban_declared

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "paymentDate": payment_date,
                "bankAmount": bank_amount,
                "cashAmount": cash_amount,
                "status": status,
                "readyForPickup": ready_for_pickup,
                "version": version,
            }
        )
        if source_iban is not UNSET:
            field_dict["sourceIban"] = source_iban
        if amount_matches_invoice is not UNSET:
            field_dict["amountMatchesInvoice"] = amount_matches_invoice
        if iban_consistent is not UNSET:
            field_dict["ibanConsistent"] = iban_consistent
        if new_iban_declared is not UNSET:
            field_dict["newIbanDeclared"] = new_iban_declared
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money import Money  # noqa: PLC0415

        d = dict(src_dict)
        payment_date = datetime.date.fromisoformat(d.pop("paymentDate"))

        bank_amount = Money.from_dict(d.pop("bankAmount"))

        cash_amount = Money.from_dict(d.pop("cashAmount"))

        status = PaymentOutStatus(d.pop("status"))

        ready_for_pickup = d.pop("readyForPickup")

        version = d.pop("version")

        def _parse_source_iban(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_iban = _parse_source_iban(d.pop("sourceIban", UNSET))

        def _parse_amount_matches_invoice(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        amount_matches_invoice = _parse_amount_matches_invoice(d.pop("amountMatchesInvoice", UNSET))

        def _parse_iban_consistent(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        iban_consistent = _parse_iban_consistent(d.pop("ibanConsistent", UNSET))

        def _parse_new_iban_declared(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        new_iban_declared = _parse_new_iban_declared(d.pop("newIbanDeclared", UNSET))

        def _parse_updated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        payment_out = cls(
            payment_date=payment_date,
            bank_amount=bank_amount,
            cash_amount=cash_amount,
            status=status,
            ready_for_pickup=ready_for_pickup,
            version=version,
            source_iban=source_iban,
            amount_matches_invoice=amount_matches_invoice,
            iban_consistent=iban_consistent,
            new_iban_declared=new_iban_declared,
            updated_at=updated_at,
        )

        payment_out.additional_properties = d
        return payment_out

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
