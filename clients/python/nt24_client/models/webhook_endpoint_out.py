from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_out_status import WebhookEndpointOutStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointOut")


@_attrs_define
class WebhookEndpointOut:
    """
    Attributes:
        id (str):
        url (str):
        events (list[str]):
        status (WebhookEndpointOutStatus):
        accepted_schema_versions (list[int]): The event schema versions this endpoint takes; omitted or null on
            registration: [1]. Each event is delivered in the highest of them it is emitted in (during a new version's dual
            emission, only that one); an event emitted in none of them is not delivered.
        version (int):
        created_at (str):
        status_reason (None | str | Unset): Why it is PAUSED or DISABLED
        partner_ids (list[UUID] | None | Unset):
        updated_at (None | str | Unset):
    """

    id: str
    url: str
    events: list[str]
    status: WebhookEndpointOutStatus
    accepted_schema_versions: list[int]
    version: int
    created_at: str
    status_reason: None | str | Unset = UNSET
    partner_ids: list[UUID] | None | Unset = UNSET
    updated_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        events = self.events

        status = self.status.value

        accepted_schema_versions = self.accepted_schema_versions

        version = self.version

        created_at = self.created_at

        status_reason: None | str | Unset
        if isinstance(self.status_reason, Unset):
            status_reason = UNSET
        else:
            status_reason = self.status_reason

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

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "events": events,
                "status": status,
                "acceptedSchemaVersions": accepted_schema_versions,
                "version": version,
                "createdAt": created_at,
            }
        )
        if status_reason is not UNSET:
            field_dict["statusReason"] = status_reason
        if partner_ids is not UNSET:
            field_dict["partnerIds"] = partner_ids
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        events = cast(list[str], d.pop("events"))

        status = WebhookEndpointOutStatus(d.pop("status"))

        accepted_schema_versions = cast(list[int], d.pop("acceptedSchemaVersions"))

        version = d.pop("version")

        created_at = d.pop("createdAt")

        def _parse_status_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_reason = _parse_status_reason(d.pop("statusReason", UNSET))

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

        def _parse_updated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        webhook_endpoint_out = cls(
            id=id,
            url=url,
            events=events,
            status=status,
            accepted_schema_versions=accepted_schema_versions,
            version=version,
            created_at=created_at,
            status_reason=status_reason,
            partner_ids=partner_ids,
            updated_at=updated_at,
        )

        webhook_endpoint_out.additional_properties = d
        return webhook_endpoint_out

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
