from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_endpoint_patch_status_type_0 import WebhookEndpointPatchStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointPatch")


@_attrs_define
class WebhookEndpointPatch:
    """
    Attributes:
        url (None | str | Unset):
        events (list[str] | None | Unset):
        partner_ids (list[UUID] | None | Unset): Only events of these authorized partners; omitted or null: all of them.
        status (None | Unset | WebhookEndpointPatchStatusType0): PAUSED queues deliveries; ACTIVE resumes and delivers
            what queued.
        accepted_schema_versions (list[int] | None | Unset): The event schema versions this endpoint takes; omitted or
            null on registration: [1]. Each event is delivered in the highest of them it is emitted in (during a new
            version's dual emission, only that one); an event emitted in none of them is not delivered.
        secret (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        id (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        status_reason (None | str | Unset): Cannot change: a PATCH that gives it is refused (422)
        version (int | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        created_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
        updated_at (datetime.datetime | None | Unset): Cannot change: a PATCH that gives it is refused (422)
    """

    url: None | str | Unset = UNSET
    events: list[str] | None | Unset = UNSET
    partner_ids: list[UUID] | None | Unset = UNSET
    status: None | Unset | WebhookEndpointPatchStatusType0 = UNSET
    accepted_schema_versions: list[int] | None | Unset = UNSET
    secret: None | str | Unset = UNSET
    id: None | str | Unset = UNSET
    status_reason: None | str | Unset = UNSET
    version: int | None | Unset = UNSET
    created_at: datetime.datetime | None | Unset = UNSET
    updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        events: list[str] | None | Unset
        if isinstance(self.events, Unset):
            events = UNSET
        elif isinstance(self.events, list):
            events = self.events

        else:
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

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, WebhookEndpointPatchStatusType0):
            status = self.status.value
        else:
            status = self.status

        accepted_schema_versions: list[int] | None | Unset
        if isinstance(self.accepted_schema_versions, Unset):
            accepted_schema_versions = UNSET
        elif isinstance(self.accepted_schema_versions, list):
            accepted_schema_versions = self.accepted_schema_versions

        else:
            accepted_schema_versions = self.accepted_schema_versions

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        id: None | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        status_reason: None | str | Unset
        if isinstance(self.status_reason, Unset):
            status_reason = UNSET
        else:
            status_reason = self.status_reason

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        elif isinstance(self.created_at, datetime.datetime):
            created_at = self.created_at.isoformat()
        else:
            created_at = self.created_at

        updated_at: None | str | Unset
        if isinstance(self.updated_at, Unset):
            updated_at = UNSET
        elif isinstance(self.updated_at, datetime.datetime):
            updated_at = self.updated_at.isoformat()
        else:
            updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if events is not UNSET:
            field_dict["events"] = events
        if partner_ids is not UNSET:
            field_dict["partnerIds"] = partner_ids
        if status is not UNSET:
            field_dict["status"] = status
        if accepted_schema_versions is not UNSET:
            field_dict["acceptedSchemaVersions"] = accepted_schema_versions
        if secret is not UNSET:
            field_dict["secret"] = secret
        if id is not UNSET:
            field_dict["id"] = id
        if status_reason is not UNSET:
            field_dict["statusReason"] = status_reason
        if version is not UNSET:
            field_dict["version"] = version
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        def _parse_events(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                events_type_0 = cast(list[str], data)

                return events_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        events = _parse_events(d.pop("events", UNSET))

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

        def _parse_status(data: object) -> None | Unset | WebhookEndpointPatchStatusType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = WebhookEndpointPatchStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WebhookEndpointPatchStatusType0, data)

        status = _parse_status(d.pop("status", UNSET))

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

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        def _parse_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id = _parse_id(d.pop("id", UNSET))

        def _parse_status_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_reason = _parse_status_reason(d.pop("statusReason", UNSET))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        def _parse_created_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_at_type_0 = datetime.datetime.fromisoformat(data)

                return created_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_at = _parse_created_at(d.pop("createdAt", UNSET))

        def _parse_updated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        updated_at = _parse_updated_at(d.pop("updatedAt", UNSET))

        webhook_endpoint_patch = cls(
            url=url,
            events=events,
            partner_ids=partner_ids,
            status=status,
            accepted_schema_versions=accepted_schema_versions,
            secret=secret,
            id=id,
            status_reason=status_reason,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        webhook_endpoint_patch.additional_properties = d
        return webhook_endpoint_patch

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
