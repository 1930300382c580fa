from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invitation_kind import InvitationKind
from ..models.invitation_status import InvitationStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="Invitation")


@_attrs_define
class Invitation:
    """
    Attributes:
        uuid (UUID):
        kind (InvitationKind):
        status (InvitationStatus):
        created_at (str):
        expires_at (str):
        public_link_url (None | str | Unset):
        recipient_email (None | str | Unset):
        label (None | str | Unset):
        last_used_at (None | str | Unset):
        usage_count (int | None | Unset):
        revoked_at (None | str | Unset):
        revocation_reason (None | str | Unset):
    """

    uuid: UUID
    kind: InvitationKind
    status: InvitationStatus
    created_at: str
    expires_at: str
    public_link_url: None | str | Unset = UNSET
    recipient_email: None | str | Unset = UNSET
    label: None | str | Unset = UNSET
    last_used_at: None | str | Unset = UNSET
    usage_count: int | None | Unset = UNSET
    revoked_at: None | str | Unset = UNSET
    revocation_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        uuid = str(self.uuid)

        kind = self.kind.value

        status = self.status.value

        created_at = self.created_at

        expires_at = self.expires_at

        public_link_url: None | str | Unset
        if isinstance(self.public_link_url, Unset):
            public_link_url = UNSET
        else:
            public_link_url = self.public_link_url

        recipient_email: None | str | Unset
        if isinstance(self.recipient_email, Unset):
            recipient_email = UNSET
        else:
            recipient_email = self.recipient_email

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        else:
            last_used_at = self.last_used_at

        usage_count: int | None | Unset
        if isinstance(self.usage_count, Unset):
            usage_count = UNSET
        else:
            usage_count = self.usage_count

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        else:
            revoked_at = self.revoked_at

        revocation_reason: None | str | Unset
        if isinstance(self.revocation_reason, Unset):
            revocation_reason = UNSET
        else:
            revocation_reason = self.revocation_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "uuid": uuid,
                "kind": kind,
                "status": status,
                "createdAt": created_at,
                "expiresAt": expires_at,
            }
        )
        if public_link_url is not UNSET:
            field_dict["publicLinkUrl"] = public_link_url
        if recipient_email is not UNSET:
            field_dict["recipientEmail"] = recipient_email
        if label is not UNSET:
            field_dict["label"] = label
        if last_used_at is not UNSET:
            field_dict["lastUsedAt"] = last_used_at
        if usage_count is not UNSET:
            field_dict["usageCount"] = usage_count
        if revoked_at is not UNSET:
            field_dict["revokedAt"] = revoked_at
        if revocation_reason is not UNSET:
            field_dict["revocationReason"] = revocation_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        uuid = UUID(d.pop("uuid"))

        kind = InvitationKind(d.pop("kind"))

        status = InvitationStatus(d.pop("status"))

        created_at = d.pop("createdAt")

        expires_at = d.pop("expiresAt")

        def _parse_public_link_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        public_link_url = _parse_public_link_url(d.pop("publicLinkUrl", UNSET))

        def _parse_recipient_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recipient_email = _parse_recipient_email(d.pop("recipientEmail", UNSET))

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_last_used_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("lastUsedAt", UNSET))

        def _parse_usage_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        usage_count = _parse_usage_count(d.pop("usageCount", UNSET))

        def _parse_revoked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revokedAt", UNSET))

        def _parse_revocation_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        revocation_reason = _parse_revocation_reason(d.pop("revocationReason", UNSET))

        invitation = cls(
            uuid=uuid,
            kind=kind,
            status=status,
            created_at=created_at,
            expires_at=expires_at,
            public_link_url=public_link_url,
            recipient_email=recipient_email,
            label=label,
            last_used_at=last_used_at,
            usage_count=usage_count,
            revoked_at=revoked_at,
            revocation_reason=revocation_reason,
        )

        invitation.additional_properties = d
        return invitation

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
