from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_out_data import EventOutData


T = TypeVar("T", bound="EventOut")


@_attrs_define
class EventOut:
    """The webhook envelope, and the event's place in the feed.

    Attributes:
        sequence (int): The cursor: pass the last one seen as `after`
        id (str):
        type_ (str):
        schema_version (int):
        source (str): API, WEB_APP or SYSTEM
        created_at (str):
        organization_uuid (UUID):
        data (EventOutData):
        partner_uuid (None | Unset | UUID):
    """

    sequence: int
    id: str
    type_: str
    schema_version: int
    source: str
    created_at: str
    organization_uuid: UUID
    data: EventOutData
    partner_uuid: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sequence = self.sequence

        id = self.id

        type_ = self.type_

        schema_version = self.schema_version

        source = self.source

        created_at = self.created_at

        organization_uuid = str(self.organization_uuid)

        data = self.data.to_dict()

        partner_uuid: None | str | Unset
        if isinstance(self.partner_uuid, Unset):
            partner_uuid = UNSET
        elif isinstance(self.partner_uuid, UUID):
            partner_uuid = str(self.partner_uuid)
        else:
            partner_uuid = self.partner_uuid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sequence": sequence,
                "id": id,
                "type": type_,
                "schemaVersion": schema_version,
                "source": source,
                "createdAt": created_at,
                "organizationUuid": organization_uuid,
                "data": data,
            }
        )
        if partner_uuid is not UNSET:
            field_dict["partnerUuid"] = partner_uuid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_out_data import EventOutData  # noqa: PLC0415

        d = dict(src_dict)
        sequence = d.pop("sequence")

        id = d.pop("id")

        type_ = d.pop("type")

        schema_version = d.pop("schemaVersion")

        source = d.pop("source")

        created_at = d.pop("createdAt")

        organization_uuid = UUID(d.pop("organizationUuid"))

        data = EventOutData.from_dict(d.pop("data"))

        def _parse_partner_uuid(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                partner_uuid_type_0 = UUID(data)

                return partner_uuid_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        partner_uuid = _parse_partner_uuid(d.pop("partnerUuid", UNSET))

        event_out = cls(
            sequence=sequence,
            id=id,
            type_=type_,
            schema_version=schema_version,
            source=source,
            created_at=created_at,
            organization_uuid=organization_uuid,
            data=data,
            partner_uuid=partner_uuid,
        )

        event_out.additional_properties = d
        return event_out

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
