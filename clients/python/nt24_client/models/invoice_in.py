from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_in_type import InvoiceInType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money_in import MoneyIn


T = TypeVar("T", bound="InvoiceIn")


@_attrs_define
class InvoiceIn:
    """
    Attributes:
        type_ (InvoiceInType):
        invoice_date (datetime.date):
        invoice_number (str):
        vat_included (bool):
        amount (MoneyIn):
        margin_scheme (bool | Unset):  Default: False.
    """

    type_: InvoiceInType
    invoice_date: datetime.date
    invoice_number: str
    vat_included: bool
    amount: MoneyIn
    margin_scheme: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        invoice_date = self.invoice_date.isoformat()

        invoice_number = self.invoice_number

        vat_included = self.vat_included

        amount = self.amount.to_dict()

        margin_scheme = self.margin_scheme

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "invoiceDate": invoice_date,
                "invoiceNumber": invoice_number,
                "vatIncluded": vat_included,
                "amount": amount,
            }
        )
        if margin_scheme is not UNSET:
            field_dict["marginScheme"] = margin_scheme

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.money_in import MoneyIn  # noqa: PLC0415

        d = dict(src_dict)
        type_ = InvoiceInType(d.pop("type"))

        invoice_date = datetime.date.fromisoformat(d.pop("invoiceDate"))

        invoice_number = d.pop("invoiceNumber")

        vat_included = d.pop("vatIncluded")

        amount = MoneyIn.from_dict(d.pop("amount"))

        margin_scheme = d.pop("marginScheme", UNSET)

        invoice_in = cls(
            type_=type_,
            invoice_date=invoice_date,
            invoice_number=invoice_number,
            vat_included=vat_included,
            amount=amount,
            margin_scheme=margin_scheme,
        )

        invoice_in.additional_properties = d
        return invoice_in

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
