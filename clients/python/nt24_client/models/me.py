from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.authorized_partner import AuthorizedPartner
    from ..models.capabilities import Capabilities


T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    """
    Attributes:
        organization_uuid (UUID):
        name (str):
        authorized_partners (list[AuthorizedPartner]):
        capabilities (Capabilities):
        dpa_version (None | str | Unset):
        dpa_accepted_at (None | str | Unset):
    """

    organization_uuid: UUID
    name: str
    authorized_partners: list[AuthorizedPartner]
    capabilities: Capabilities
    dpa_version: None | str | Unset = UNSET
    dpa_accepted_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        organization_uuid = str(self.organization_uuid)

        name = self.name

        authorized_partners = []
        for authorized_partners_item_data in self.authorized_partners:
            authorized_partners_item = authorized_partners_item_data.to_dict()
            authorized_partners.append(authorized_partners_item)

        capabilities = self.capabilities.to_dict()

        dpa_version: None | str | Unset
        if isinstance(self.dpa_version, Unset):
            dpa_version = UNSET
        else:
            dpa_version = self.dpa_version

        dpa_accepted_at: None | str | Unset
        if isinstance(self.dpa_accepted_at, Unset):
            dpa_accepted_at = UNSET
        else:
            dpa_accepted_at = self.dpa_accepted_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "organizationUuid": organization_uuid,
                "name": name,
                "authorizedPartners": authorized_partners,
                "capabilities": capabilities,
            }
        )
        if dpa_version is not UNSET:
            field_dict["dpaVersion"] = dpa_version
        if dpa_accepted_at is not UNSET:
            field_dict["dpaAcceptedAt"] = dpa_accepted_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.authorized_partner import AuthorizedPartner  # noqa: PLC0415
        from ..models.capabilities import Capabilities  # noqa: PLC0415

        d = dict(src_dict)
        organization_uuid = UUID(d.pop("organizationUuid"))

        name = d.pop("name")

        authorized_partners = []
        _authorized_partners = d.pop("authorizedPartners")
        for authorized_partners_item_data in _authorized_partners:
            authorized_partners_item = AuthorizedPartner.from_dict(authorized_partners_item_data)

            authorized_partners.append(authorized_partners_item)

        capabilities = Capabilities.from_dict(d.pop("capabilities"))

        def _parse_dpa_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        dpa_version = _parse_dpa_version(d.pop("dpaVersion", UNSET))

        def _parse_dpa_accepted_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        dpa_accepted_at = _parse_dpa_accepted_at(d.pop("dpaAcceptedAt", UNSET))

        me = cls(
            organization_uuid=organization_uuid,
            name=name,
            authorized_partners=authorized_partners,
            capabilities=capabilities,
            dpa_version=dpa_version,
            dpa_accepted_at=dpa_accepted_at,
        )

        me.additional_properties = d
        return me

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
