from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BuyerModule")


@_attrs_define
class BuyerModule:
    """
    Attributes:
        status (str):
        vies_result (str):
        documents_complete (bool):
        vies_last_checked_at (None | str | Unset):
        kyc_verification_status (None | str | Unset):
    """

    status: str
    vies_result: str
    documents_complete: bool
    vies_last_checked_at: None | str | Unset = UNSET
    kyc_verification_status: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        vies_result = self.vies_result

        documents_complete = self.documents_complete

        vies_last_checked_at: None | str | Unset
        if isinstance(self.vies_last_checked_at, Unset):
            vies_last_checked_at = UNSET
        else:
            vies_last_checked_at = self.vies_last_checked_at

        kyc_verification_status: None | str | Unset
        if isinstance(self.kyc_verification_status, Unset):
            kyc_verification_status = UNSET
        else:
            kyc_verification_status = self.kyc_verification_status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "viesResult": vies_result,
                "documentsComplete": documents_complete,
            }
        )
        if vies_last_checked_at is not UNSET:
            field_dict["viesLastCheckedAt"] = vies_last_checked_at
        if kyc_verification_status is not UNSET:
            field_dict["kycVerificationStatus"] = kyc_verification_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        vies_result = d.pop("viesResult")

        documents_complete = d.pop("documentsComplete")

        def _parse_vies_last_checked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vies_last_checked_at = _parse_vies_last_checked_at(d.pop("viesLastCheckedAt", UNSET))

        def _parse_kyc_verification_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        kyc_verification_status = _parse_kyc_verification_status(
            d.pop("kycVerificationStatus", UNSET)
        )

        buyer_module = cls(
            status=status,
            vies_result=vies_result,
            documents_complete=documents_complete,
            vies_last_checked_at=vies_last_checked_at,
            kyc_verification_status=kyc_verification_status,
        )

        buyer_module.additional_properties = d
        return buyer_module

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
