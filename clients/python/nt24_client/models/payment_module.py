from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PaymentModule")


@_attrs_define
class PaymentModule:
    """
    Attributes:
        status (str):
        ready_for_pickup (bool):
        amount_matches_invoice (bool | None | Unset):
        iban_consistent (bool | None | Unset):
    """

    status: str
    ready_for_pickup: bool
    amount_matches_invoice: bool | None | Unset = UNSET
    iban_consistent: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "readyForPickup": ready_for_pickup,
            }
        )
        if amount_matches_invoice is not UNSET:
            field_dict["amountMatchesInvoice"] = amount_matches_invoice
        if iban_consistent is not UNSET:
            field_dict["ibanConsistent"] = iban_consistent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        ready_for_pickup = d.pop("readyForPickup")

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

        payment_module = cls(
            status=status,
            ready_for_pickup=ready_for_pickup,
            amount_matches_invoice=amount_matches_invoice,
            iban_consistent=iban_consistent,
        )

        payment_module.additional_properties = d
        return payment_module

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
