from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.buyer_out_kycmode import BuyerOutKycmode
from ..models.buyer_out_status import BuyerOutStatus

if TYPE_CHECKING:
    from ..models.address import Address


T = TypeVar("T", bound="BuyerOut")


@_attrs_define
class BuyerOut:
    """
    Attributes:
        uuid (UUID):
        vat_number (str):
        company_name (str):
        address (Address): An address as answers show it, with its uuid (resources 0.4).
        kyc_mode (BuyerOutKycmode):
        status (BuyerOutStatus):
        version (int):
        created_at (str):
        updated_at (str):
    """

    uuid: UUID
    vat_number: str
    company_name: str
    address: Address
    kyc_mode: BuyerOutKycmode
    status: BuyerOutStatus
    version: int
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        uuid = str(self.uuid)

        vat_number = self.vat_number

        company_name = self.company_name

        address = self.address.to_dict()

        kyc_mode = self.kyc_mode.value

        status = self.status.value

        version = self.version

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "uuid": uuid,
                "vatNumber": vat_number,
                "companyName": company_name,
                "address": address,
                "kycMode": kyc_mode,
                "status": status,
                "version": version,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address import Address  # noqa: PLC0415

        d = dict(src_dict)
        uuid = UUID(d.pop("uuid"))

        vat_number = d.pop("vatNumber")

        company_name = d.pop("companyName")

        address = Address.from_dict(d.pop("address"))

        kyc_mode = BuyerOutKycmode(d.pop("kycMode"))

        status = BuyerOutStatus(d.pop("status"))

        version = d.pop("version")

        created_at = d.pop("createdAt")

        updated_at = d.pop("updatedAt")

        buyer_out = cls(
            uuid=uuid,
            vat_number=vat_number,
            company_name=company_name,
            address=address,
            kyc_mode=kyc_mode,
            status=status,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        buyer_out.additional_properties = d
        return buyer_out

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
