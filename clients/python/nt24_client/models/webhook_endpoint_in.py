from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointIn")


@_attrs_define
class WebhookEndpointIn:
    """
    Attributes:
        url (str):
        events (list[str]): Event types (GET /v1/events/types) and segment wildcards such as `compliance.*`, `kyc.*`,
            `self_service_invitation.*`; the root `*` is not supported.
        partner_ids (list[UUID] | None | Unset): Only events of these authorized partners; omitted or null: all of them.
        secret (None | str | Unset): `whsec_` and 6-90 visible ASCII characters (no spaces); generated when omitted
            (`whsec_` and the base64 of 32 random bytes). Deliveries also carry the Standard Webhooks headers when the part
            after `whsec_` is standard base64.
        accepted_schema_versions (list[int] | None | Unset): The event schema versions this endpoint takes; omitted or
            null on registration: [1]. Each event is delivered in the highest of them it is emitted in (during a new
            version's dual emission, only that one); an event emitted in none of them is not delivered.
    """

    url: str
    events: list[str]
    partner_ids: list[UUID] | None | Unset = UNSET
    secret: None | str | Unset = UNSET
    accepted_schema_versions: list[int] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        events = self.events

        partner_ids: list[str] | None | Unset
        if isinstance(self.partner_ids, Unset):
            partner_ids = UNSET
        elif isinstance(self.partner_ids, list):
            partner_ids = []
            for partner_ids_type_0_item_data in self.partner_ids:
                partner_ids_type_0_item = str(partner_ids_type_0_item_data)
                partner_ids.append(partner_ids_type_0_item)

        else:
            partner_ids = self.partner_ids

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        accepted_schema_versions: list[int] | None | Unset
        if isinstance(self.accepted_schema_versions, Unset):
            accepted_schema_versions = UNSET
        elif isinstance(self.accepted_schema_versions, list):
            accepted_schema_versions = self.accepted_schema_versions

        else:
            accepted_schema_versions = self.accepted_schema_versions

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "events": events,
            }
        )
        if partner_ids is not UNSET:
            field_dict["partnerIds"] = partner_ids
        if secret is not UNSET:
            field_dict["secret"] = secret
        if accepted_schema_versions is not UNSET:
            field_dict["acceptedSchemaVersions"] = accepted_schema_versions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        events = cast(list[str], d.pop("events"))

        def _parse_partner_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                partner_ids_type_0 = []
                _partner_ids_type_0 = data
                for partner_ids_type_0_item_data in _partner_ids_type_0:
                    partner_ids_type_0_item = UUID(partner_ids_type_0_item_data)

                    partner_ids_type_0.append(partner_ids_type_0_item)

                return partner_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        partner_ids = _parse_partner_ids(d.pop("partnerIds", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        def _parse_accepted_schema_versions(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accepted_schema_versions_type_0 = cast(list[int], data)

                return accepted_schema_versions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        accepted_schema_versions = _parse_accepted_schema_versions(
            d.pop("acceptedSchemaVersions", UNSET)
        )

        webhook_endpoint_in = cls(
            url=url,
            events=events,
            partner_ids=partner_ids,
            secret=secret,
            accepted_schema_versions=accepted_schema_versions,
        )

        webhook_endpoint_in.additional_properties = d
        return webhook_endpoint_in

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
