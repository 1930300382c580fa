from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_out_kind import DeliveryOutKind
from ..models.delivery_out_status import DeliveryOutStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeliveryOut")


@_attrs_define
class DeliveryOut:
    """
    Attributes:
        id (str):
        event_id (str):
        event_type (str):
        kind (DeliveryOutKind):
        status (DeliveryOutStatus):
        attempts (int):
        created_at (str):
        http_status (int | None | Unset):
        last_attempt_at (None | str | Unset):
        next_retry_at (None | str | Unset):
        error (None | str | Unset): What went wrong on the last attempt
        replay_of (None | str | Unset):
    """

    id: str
    event_id: str
    event_type: str
    kind: DeliveryOutKind
    status: DeliveryOutStatus
    attempts: int
    created_at: str
    http_status: int | None | Unset = UNSET
    last_attempt_at: None | str | Unset = UNSET
    next_retry_at: None | str | Unset = UNSET
    error: None | str | Unset = UNSET
    replay_of: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        event_id = self.event_id

        event_type = self.event_type

        kind = self.kind.value

        status = self.status.value

        attempts = self.attempts

        created_at = self.created_at

        http_status: int | None | Unset
        if isinstance(self.http_status, Unset):
            http_status = UNSET
        else:
            http_status = self.http_status

        last_attempt_at: None | str | Unset
        if isinstance(self.last_attempt_at, Unset):
            last_attempt_at = UNSET
        else:
            last_attempt_at = self.last_attempt_at

        next_retry_at: None | str | Unset
        if isinstance(self.next_retry_at, Unset):
            next_retry_at = UNSET
        else:
            next_retry_at = self.next_retry_at

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        replay_of: None | str | Unset
        if isinstance(self.replay_of, Unset):
            replay_of = UNSET
        else:
            replay_of = self.replay_of

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "eventId": event_id,
                "eventType": event_type,
                "kind": kind,
                "status": status,
                "attempts": attempts,
                "createdAt": created_at,
            }
        )
        if http_status is not UNSET:
            field_dict["httpStatus"] = http_status
        if last_attempt_at is not UNSET:
            field_dict["lastAttemptAt"] = last_attempt_at
        if next_retry_at is not UNSET:
            field_dict["nextRetryAt"] = next_retry_at
        if error is not UNSET:
            field_dict["error"] = error
        if replay_of is not UNSET:
            field_dict["replayOf"] = replay_of

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        event_id = d.pop("eventId")

        event_type = d.pop("eventType")

        kind = DeliveryOutKind(d.pop("kind"))

        status = DeliveryOutStatus(d.pop("status"))

        attempts = d.pop("attempts")

        created_at = d.pop("createdAt")

        def _parse_http_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        http_status = _parse_http_status(d.pop("httpStatus", UNSET))

        def _parse_last_attempt_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_attempt_at = _parse_last_attempt_at(d.pop("lastAttemptAt", UNSET))

        def _parse_next_retry_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_retry_at = _parse_next_retry_at(d.pop("nextRetryAt", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_replay_of(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replay_of = _parse_replay_of(d.pop("replayOf", UNSET))

        delivery_out = cls(
            id=id,
            event_id=event_id,
            event_type=event_type,
            kind=kind,
            status=status,
            attempts=attempts,
            created_at=created_at,
            http_status=http_status,
            last_attempt_at=last_attempt_at,
            next_retry_at=next_retry_at,
            error=error,
            replay_of=replay_of,
        )

        delivery_out.additional_properties = d
        return delivery_out

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
