from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn


T = TypeVar("T", bound="PaymentPatch")


@_attrs_define
class PaymentPatch:
    """
    Attributes:
        payment_date (datetime.date | None | Unset): Not in the future (the latest today on earth, UTC+14)
        bank_amount (MoneyIn | None | Unset):
        cash_amount (MoneyIn | None | Unset):
        source_iban (None | str | Unset):
        new_iban_declared (bool | None | Unset): The seller declares sourceIban a new account of the buyer's: a payment
            from an IBAN the buyer never paid from before is then consistent (else the blocker IBAN_INCONSISTENT). The
            declaration is of that IBAN: a correction of sourceIban needs it again
        status (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        ready_for_pickup (bool | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        amount_matches_invoice (bool | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        iban_consistent (bool | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        version (int | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        updated_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
    """

    payment_date: datetime.date | None | Unset = UNSET
    bank_amount: MoneyIn | None | Unset = UNSET
    cash_amount: MoneyIn | None | Unset = UNSET
    source_iban: None | str | Unset = UNSET
    new_iban_declared: bool | None | Unset = UNSET
    status: None | str | Unset = UNSET
    ready_for_pickup: bool | None | Unset = UNSET
    amount_matches_invoice: bool | None | Unset = UNSET
    iban_consistent: bool | None | Unset = UNSET
    version: int | None | Unset = UNSET
    updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        payment_date: None | str | Unset
        if isinstance(self.payment_date, Unset):
            payment_date = UNSET
        elif isinstance(self.payment_date, datetime.date):
            payment_date = self.payment_date.isoformat()
        else:
            payment_date = self.payment_date

        bank_amount: dict[str, Any] | None | Unset
        if isinstance(self.bank_amount, Unset):
            bank_amount = UNSET
        elif isinstance(self.bank_amount, MoneyIn):
            bank_amount = self.bank_amount.to_dict()
        else:
            bank_amount = self.bank_amount

        cash_amount: dict[str, Any] | None | Unset
        if isinstance(self.cash_amount, Unset):
            cash_amount = UNSET
        elif isinstance(self.cash_amount, MoneyIn):
            cash_amount = self.cash_amount.to_dict()
        else:
            cash_amount = self.cash_amount

        source_iban: None | str | Unset
        if isinstance(self.source_iban, Unset):
            source_iban = UNSET
        else:
            source_iban = self.source_iban

        new_iban_declared: bool | None | Unset
        if isinstance(self.new_iban_declared, Unset):
            new_iban_declared = UNSET
        else:
            new_iban_declared = self.new_iban_declared

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        ready_for_pickup: bool | None | Unset
        if isinstance(self.ready_for_pickup, Unset):
            ready_for_pickup = UNSET
        else:
            ready_for_pickup = self.ready_for_pickup

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

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

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
        if payment_date is not UNSET:
            field_dict["paymentDate"] = payment_date
        if bank_amount is not UNSET:
            field_dict["bankAmount"] = bank_amount
        if cash_amount is not UNSET:
            field_dict["cashAmount"] = cash_amount
        if source_iban is not UNSET:
            field_dict["sourceIban"] = source_iban
        if new_iban_declared is not UNSET:
            field_dict["newIbanDeclared"] = new_iban_declared
        if status is not UNSET:
            field_dict["status"] = status
        if ready_for_pickup is not UNSET:
            field_dict["readyForPickup"] = ready_for_pickup
        if amount_matches_invoice is not UNSET:
            field_dict["amountMatchesInvoice"] = amount_matches_invoice
        if iban_consistent is not UNSET:
            field_dict["ibanConsistent"] = iban_consistent
        if version is not UNSET:
            field_dict["version"] = version
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_payment_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                payment_date_type_0 = datetime.date.fromisoformat(data)

                return payment_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        payment_date = _parse_payment_date(d.pop("paymentDate", UNSET))

        def _parse_bank_amount(data: object) -> MoneyIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                bank_amount_type_0 = MoneyIn.from_dict(data)

                return bank_amount_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MoneyIn | None | Unset, data)

        bank_amount = _parse_bank_amount(d.pop("bankAmount", UNSET))

        def _parse_cash_amount(data: object) -> MoneyIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                cash_amount_type_0 = MoneyIn.from_dict(data)

                return cash_amount_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MoneyIn | None | Unset, data)

        cash_amount = _parse_cash_amount(d.pop("cashAmount", UNSET))

        def _parse_source_iban(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_iban = _parse_source_iban(d.pop("sourceIban", UNSET))

        def _parse_new_iban_declared(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        new_iban_declared = _parse_new_iban_declared(d.pop("newIbanDeclared", UNSET))

        def _parse_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_ready_for_pickup(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        ready_for_pickup = _parse_ready_for_pickup(d.pop("readyForPickup", UNSET))

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

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

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

        payment_patch = cls(
            payment_date=payment_date,
            bank_amount=bank_amount,
            cash_amount=cash_amount,
            source_iban=source_iban,
            new_iban_declared=new_iban_declared,
            status=status,
            ready_for_pickup=ready_for_pickup,
            amount_matches_invoice=amount_matches_invoice,
            iban_consistent=iban_consistent,
            version=version,
            updated_at=updated_at,
        )

        payment_patch.additional_properties = d
        return payment_patch

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
