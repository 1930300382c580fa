from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_out_status import InvoiceOutStatus
from ..models.invoice_out_type import InvoiceOutType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="InvoiceOut")


@_attrs_define
class InvoiceOut:
    """
    Attributes:
        type_ (InvoiceOutType):
        invoice_date (datetime.date):
        invoice_number (str):
        vat_included (bool):
        amount (Money): An amount as answers show it: as it was accepted when it was written.
        status (InvoiceOutStatus):
        final_invoice_required (bool):
        final_invoice_received (bool):
        version (int):
        margin_scheme (bool | Unset):  Default: False.
        updated_at (None | str | Unset):
    """

    type_: InvoiceOutType
    invoice_date: datetime.date
    invoice_number: str
    vat_included: bool
    amount: Money
    status: InvoiceOutStatus
    final_invoice_required: bool
    final_invoice_received: bool
    version: int
    margin_scheme: bool | Unset = False
    updated_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        invoice_date = self.invoice_date.isoformat()

        invoice_number = self.invoice_number

        vat_included = self.vat_included

        amount = self.amount.to_dict()

        status = self.status.value

        final_invoice_required = self.final_invoice_required

        final_invoice_received = self.final_invoice_received

        version = self.version

        margin_scheme = self.margin_scheme

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "invoiceDate": invoice_date,
                "invoiceNumber": invoice_number,
                "vatIncluded": vat_included,
                "amount": amount,
                "status": status,
                "finalInvoiceRequired": final_invoice_required,
                "finalInvoiceReceived": final_invoice_received,
                "version": version,
            }
        )
        if margin_scheme is not UNSET:
            field_dict["marginScheme"] = margin_scheme
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money import Money  # noqa: PLC0415

        d = dict(src_dict)
        type_ = InvoiceOutType(d.pop("type"))

        invoice_date = datetime.date.fromisoformat(d.pop("invoiceDate"))

        invoice_number = d.pop("invoiceNumber")

        vat_included = d.pop("vatIncluded")

        amount = Money.from_dict(d.pop("amount"))

        status = InvoiceOutStatus(d.pop("status"))

        final_invoice_required = d.pop("finalInvoiceRequired")

        final_invoice_received = d.pop("finalInvoiceReceived")

        version = d.pop("version")

        margin_scheme = d.pop("marginScheme", UNSET)

        def _parse_updated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        invoice_out = cls(
            type_=type_,
            invoice_date=invoice_date,
            invoice_number=invoice_number,
            vat_included=vat_included,
            amount=amount,
            status=status,
            final_invoice_required=final_invoice_required,
            final_invoice_received=final_invoice_received,
            version=version,
            margin_scheme=margin_scheme,
            updated_at=updated_at,
        )

        invoice_out.additional_properties = d
        return invoice_out

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
