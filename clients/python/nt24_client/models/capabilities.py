from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.capabilities_ratelimittier import CapabilitiesRatelimittier

T = TypeVar("T", bound="Capabilities")


@_attrs_define
class Capabilities:
    """
    Attributes:
        rate_limit_tier (CapabilitiesRatelimittier):
        allow_marketplace_led_kyc (bool):
        allow_multi_vin_orders (bool):
        allow_contact_personal_data (bool):
        allow_kyc_document_download (bool):
    """

    rate_limit_tier: CapabilitiesRatelimittier
    allow_marketplace_led_kyc: bool
    allow_multi_vin_orders: bool
    allow_contact_personal_data: bool
    allow_kyc_document_download: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rate_limit_tier = self.rate_limit_tier.value

        allow_marketplace_led_kyc = self.allow_marketplace_led_kyc

        allow_multi_vin_orders = self.allow_multi_vin_orders

        allow_contact_personal_data = self.allow_contact_personal_data

        allow_kyc_document_download = self.allow_kyc_document_download

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rateLimitTier": rate_limit_tier,
                "allowMarketplaceLedKyc": allow_marketplace_led_kyc,
                "allowMultiVinOrders": allow_multi_vin_orders,
                "allowContactPersonalData": allow_contact_personal_data,
                "allowKycDocumentDownload": allow_kyc_document_download,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rate_limit_tier = CapabilitiesRatelimittier(d.pop("rateLimitTier"))

        allow_marketplace_led_kyc = d.pop("allowMarketplaceLedKyc")

        allow_multi_vin_orders = d.pop("allowMultiVinOrders")

        allow_contact_personal_data = d.pop("allowContactPersonalData")

        allow_kyc_document_download = d.pop("allowKycDocumentDownload")

        capabilities = cls(
            rate_limit_tier=rate_limit_tier,
            allow_marketplace_led_kyc=allow_marketplace_led_kyc,
            allow_multi_vin_orders=allow_multi_vin_orders,
            allow_contact_personal_data=allow_contact_personal_data,
            allow_kyc_document_download=allow_kyc_document_download,
        )

        capabilities.additional_properties = d
        return capabilities

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
