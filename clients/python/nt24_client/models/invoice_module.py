from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="InvoiceModule")


@_attrs_define
class InvoiceModule:
    """
    Attributes:
        status (str):
        final_invoice_required (bool):
        final_invoice_received (bool):
        type_ (None | str | Unset):
        vat_included (bool | None | Unset):
    """

    status: str
    final_invoice_required: bool
    final_invoice_received: bool
    type_: None | str | Unset = UNSET
    vat_included: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        final_invoice_required = self.final_invoice_required

        final_invoice_received = self.final_invoice_received

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        else:
            type_ = self.type_

        vat_included: bool | None | Unset
        if isinstance(self.vat_included, Unset):
            vat_included = UNSET
        else:
            vat_included = self.vat_included

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "finalInvoiceRequired": final_invoice_required,
                "finalInvoiceReceived": final_invoice_received,
            }
        )
        if type_ is not UNSET:
            field_dict["type"] = type_
        if vat_included is not UNSET:
            field_dict["vatIncluded"] = vat_included

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        final_invoice_required = d.pop("finalInvoiceRequired")

        final_invoice_received = d.pop("finalInvoiceReceived")

        def _parse_type_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        def _parse_vat_included(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        vat_included = _parse_vat_included(d.pop("vatIncluded", UNSET))

        invoice_module = cls(
            status=status,
            final_invoice_required=final_invoice_required,
            final_invoice_received=final_invoice_received,
            type_=type_,
            vat_included=vat_included,
        )

        invoice_module.additional_properties = d
        return invoice_module

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
