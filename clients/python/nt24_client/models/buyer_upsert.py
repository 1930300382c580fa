from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.buyer_upsert_kycmode import BuyerUpsertKycmode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address_in import AddressIn
    from ..models.person_in import PersonIn


T = TypeVar("T", bound="BuyerUpsert")


@_attrs_define
class BuyerUpsert:
    """
    Attributes:
        kyc_mode (BuyerUpsertKycmode):
        vat_number (str):
        company_name (str):
        address (AddressIn): An address: `country` is an ISO 3166-1 alpha-2 code, in any case (EL is taken as GR).
        contacts (list[PersonIn] | None | Unset): Needs allowContactPersonalData; stored on /contacts only. At most 50;
            add more through POST .../contacts.
    """

    kyc_mode: BuyerUpsertKycmode
    vat_number: str
    company_name: str
    address: AddressIn
    contacts: list[PersonIn] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kyc_mode = self.kyc_mode.value

        vat_number = self.vat_number

        company_name = self.company_name

        address = self.address.to_dict()

        contacts: list[dict[str, Any]] | None | Unset
        if isinstance(self.contacts, Unset):
            contacts = UNSET
        elif isinstance(self.contacts, list):
            contacts = []
            for contacts_type_0_item_data in self.contacts:
                contacts_type_0_item = contacts_type_0_item_data.to_dict()
                contacts.append(contacts_type_0_item)

        else:
            contacts = self.contacts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kycMode": kyc_mode,
                "vatNumber": vat_number,
                "companyName": company_name,
                "address": address,
            }
        )
        if contacts is not UNSET:
            field_dict["contacts"] = contacts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_in import AddressIn  # noqa: PLC0415
        from ..models.person_in import PersonIn  # noqa: PLC0415

        d = dict(src_dict)
        kyc_mode = BuyerUpsertKycmode(d.pop("kycMode"))

        vat_number = d.pop("vatNumber")

        company_name = d.pop("companyName")

        address = AddressIn.from_dict(d.pop("address"))

        def _parse_contacts(data: object) -> list[PersonIn] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                contacts_type_0 = []
                _contacts_type_0 = data
                for contacts_type_0_item_data in _contacts_type_0:
                    contacts_type_0_item = PersonIn.from_dict(contacts_type_0_item_data)

                    contacts_type_0.append(contacts_type_0_item)

                return contacts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[PersonIn] | None | Unset, data)

        contacts = _parse_contacts(d.pop("contacts", UNSET))

        buyer_upsert = cls(
            kyc_mode=kyc_mode,
            vat_number=vat_number,
            company_name=company_name,
            address=address,
            contacts=contacts,
        )

        buyer_upsert.additional_properties = d
        return buyer_upsert

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
