from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_patch_type import InvoicePatchType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn


T = TypeVar("T", bound="InvoicePatch")


@_attrs_define
class InvoicePatch:
    """
    Attributes:
        type_ (InvoicePatchType): Which of the order's invoices
        invoice_date (datetime.date | None | Unset):
        invoice_number (None | str | Unset):
        vat_included (bool | None | Unset):
        amount (MoneyIn | None | Unset):
        margin_scheme (bool | None | Unset):
        status (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        final_invoice_required (bool | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        final_invoice_received (bool | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        version (int | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        updated_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
    """

    type_: InvoicePatchType
    invoice_date: datetime.date | None | Unset = UNSET
    invoice_number: None | str | Unset = UNSET
    vat_included: bool | None | Unset = UNSET
    amount: MoneyIn | None | Unset = UNSET
    margin_scheme: bool | None | Unset = UNSET
    status: None | str | Unset = UNSET
    final_invoice_required: bool | None | Unset = UNSET
    final_invoice_received: bool | None | Unset = UNSET
    version: int | None | Unset = UNSET
    updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        type_ = self.type_.value

        invoice_date: None | str | Unset
        if isinstance(self.invoice_date, Unset):
            invoice_date = UNSET
        elif isinstance(self.invoice_date, datetime.date):
            invoice_date = self.invoice_date.isoformat()
        else:
            invoice_date = self.invoice_date

        invoice_number: None | str | Unset
        if isinstance(self.invoice_number, Unset):
            invoice_number = UNSET
        else:
            invoice_number = self.invoice_number

        vat_included: bool | None | Unset
        if isinstance(self.vat_included, Unset):
            vat_included = UNSET
        else:
            vat_included = self.vat_included

        amount: dict[str, Any] | None | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        elif isinstance(self.amount, MoneyIn):
            amount = self.amount.to_dict()
        else:
            amount = self.amount

        margin_scheme: bool | None | Unset
        if isinstance(self.margin_scheme, Unset):
            margin_scheme = UNSET
        else:
            margin_scheme = self.margin_scheme

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        final_invoice_required: bool | None | Unset
        if isinstance(self.final_invoice_required, Unset):
            final_invoice_required = UNSET
        else:
            final_invoice_required = self.final_invoice_required

        final_invoice_received: bool | None | Unset
        if isinstance(self.final_invoice_received, Unset):
            final_invoice_received = UNSET
        else:
            final_invoice_received = self.final_invoice_received

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
        field_dict.update(
            {
                "type": type_,
            }
        )
        if invoice_date is not UNSET:
            field_dict["invoiceDate"] = invoice_date
        if invoice_number is not UNSET:
            field_dict["invoiceNumber"] = invoice_number
        if vat_included is not UNSET:
            field_dict["vatIncluded"] = vat_included
        if amount is not UNSET:
            field_dict["amount"] = amount
        if margin_scheme is not UNSET:
            field_dict["marginScheme"] = margin_scheme
        if status is not UNSET:
            field_dict["status"] = status
        if final_invoice_required is not UNSET:
            field_dict["finalInvoiceRequired"] = final_invoice_required
        if final_invoice_received is not UNSET:
            field_dict["finalInvoiceReceived"] = final_invoice_received
        if version is not UNSET:
            field_dict["version"] = version
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        d = dict(src_dict)
        type_ = InvoicePatchType(d.pop("type"))

        def _parse_invoice_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                invoice_date_type_0 = datetime.date.fromisoformat(data)

                return invoice_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        invoice_date = _parse_invoice_date(d.pop("invoiceDate", UNSET))

        def _parse_invoice_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        invoice_number = _parse_invoice_number(d.pop("invoiceNumber", UNSET))

        def _parse_vat_included(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        vat_included = _parse_vat_included(d.pop("vatIncluded", UNSET))

        def _parse_amount(data: object) -> MoneyIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                amount_type_0 = MoneyIn.from_dict(data)

                return amount_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MoneyIn | None | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_margin_scheme(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        margin_scheme = _parse_margin_scheme(d.pop("marginScheme", UNSET))

        def _parse_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_final_invoice_required(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        final_invoice_required = _parse_final_invoice_required(d.pop("finalInvoiceRequired", UNSET))

        def _parse_final_invoice_received(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        final_invoice_received = _parse_final_invoice_received(d.pop("finalInvoiceReceived", UNSET))

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

        invoice_patch = cls(
            type_=type_,
            invoice_date=invoice_date,
            invoice_number=invoice_number,
            vat_included=vat_included,
            amount=amount,
            margin_scheme=margin_scheme,
            status=status,
            final_invoice_required=final_invoice_required,
            final_invoice_received=final_invoice_received,
            version=version,
            updated_at=updated_at,
        )

        invoice_patch.additional_properties = d
        return invoice_patch

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
