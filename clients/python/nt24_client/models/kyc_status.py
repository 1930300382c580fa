from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.kyc_status_aml_status_type_0 import KycStatusAmlStatusType0
from ..models.kyc_status_kycmode import KycStatusKycmode
from ..models.kyc_status_overallstatus import KycStatusOverallstatus
from ..models.kyc_status_verification_status_type_0 import KycStatusVerificationStatusType0
from ..models.kyc_status_viesresult import KycStatusViesresult
from ..types import UNSET, Unset

T = TypeVar("T", bound="KycStatus")


@_attrs_define
class KycStatus:
    """
    Attributes:
        buyer_id (UUID):
        kyc_mode (KycStatusKycmode):
        overall_status (KycStatusOverallstatus):
        vies_result (KycStatusViesresult):
        documents_complete (bool):
        vies_last_checked_at (None | str | Unset):
        verification_status (KycStatusVerificationStatusType0 | None | Unset):
        aml_status (KycStatusAmlStatusType0 | None | Unset):
        verification_expires_at (None | str | Unset):
    """

    buyer_id: UUID
    kyc_mode: KycStatusKycmode
    overall_status: KycStatusOverallstatus
    vies_result: KycStatusViesresult
    documents_complete: bool
    vies_last_checked_at: None | str | Unset = UNSET
    verification_status: KycStatusVerificationStatusType0 | None | Unset = UNSET
    aml_status: KycStatusAmlStatusType0 | None | Unset = UNSET
    verification_expires_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        buyer_id = str(self.buyer_id)

        kyc_mode = self.kyc_mode.value

        overall_status = self.overall_status.value

        vies_result = self.vies_result.value

        documents_complete = self.documents_complete

        vies_last_checked_at: None | str | Unset
        if isinstance(self.vies_last_checked_at, Unset):
            vies_last_checked_at = UNSET
        else:
            vies_last_checked_at = self.vies_last_checked_at

        verification_status: None | str | Unset
        if isinstance(self.verification_status, Unset):
            verification_status = UNSET
        elif isinstance(self.verification_status, KycStatusVerificationStatusType0):
            verification_status = self.verification_status.value
        else:
            verification_status = self.verification_status

        aml_status: None | str | Unset
        if isinstance(self.aml_status, Unset):
            aml_status = UNSET
        elif isinstance(self.aml_status, KycStatusAmlStatusType0):
            aml_status = self.aml_status.value
        else:
            aml_status = self.aml_status

        verification_expires_at: None | str | Unset
        if isinstance(self.verification_expires_at, Unset):
            verification_expires_at = UNSET
        else:
            verification_expires_at = self.verification_expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "buyerId": buyer_id,
                "kycMode": kyc_mode,
                "overallStatus": overall_status,
                "viesResult": vies_result,
                "documentsComplete": documents_complete,
            }
        )
        if vies_last_checked_at is not UNSET:
            field_dict["viesLastCheckedAt"] = vies_last_checked_at
        if verification_status is not UNSET:
            field_dict["verificationStatus"] = verification_status
        if aml_status is not UNSET:
            field_dict["amlStatus"] = aml_status
        if verification_expires_at is not UNSET:
            field_dict["verificationExpiresAt"] = verification_expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        buyer_id = UUID(d.pop("buyerId"))

        kyc_mode = KycStatusKycmode(d.pop("kycMode"))

        overall_status = KycStatusOverallstatus(d.pop("overallStatus"))

        vies_result = KycStatusViesresult(d.pop("viesResult"))

        documents_complete = d.pop("documentsComplete")

        def _parse_vies_last_checked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        vies_last_checked_at = _parse_vies_last_checked_at(d.pop("viesLastCheckedAt", UNSET))

        def _parse_verification_status(
            data: object,
        ) -> KycStatusVerificationStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verification_status_type_0 = KycStatusVerificationStatusType0(data)

                return verification_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KycStatusVerificationStatusType0 | None | Unset, data)

        verification_status = _parse_verification_status(d.pop("verificationStatus", UNSET))

        def _parse_aml_status(data: object) -> KycStatusAmlStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                aml_status_type_0 = KycStatusAmlStatusType0(data)

                return aml_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KycStatusAmlStatusType0 | None | Unset, data)

        aml_status = _parse_aml_status(d.pop("amlStatus", UNSET))

        def _parse_verification_expires_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        verification_expires_at = _parse_verification_expires_at(
            d.pop("verificationExpiresAt", UNSET)
        )

        kyc_status = cls(
            buyer_id=buyer_id,
            kyc_mode=kyc_mode,
            overall_status=overall_status,
            vies_result=vies_result,
            documents_complete=documents_complete,
            vies_last_checked_at=vies_last_checked_at,
            verification_status=verification_status,
            aml_status=aml_status,
            verification_expires_at=verification_expires_at,
        )

        kyc_status.additional_properties = d
        return kyc_status

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
