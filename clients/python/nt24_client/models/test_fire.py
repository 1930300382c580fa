from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.test_fire_eventtype import TestFireEventtype
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.test_fire_data import TestFireData


T = TypeVar("T", bound="TestFire")


@_attrs_define
class TestFire:
    """
    Attributes:
        event_type (TestFireEventtype):
        data (TestFireData):
        partner_id (None | Unset | UUID): Sent as the envelope's partnerUuid
    """

    event_type: TestFireEventtype
    data: TestFireData
    partner_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type.value

        data = self.data.to_dict()

        partner_id: None | str | Unset
        if isinstance(self.partner_id, Unset):
            partner_id = UNSET
        elif isinstance(self.partner_id, UUID):
            partner_id = str(self.partner_id)
        else:
            partner_id = self.partner_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "eventType": event_type,
                "data": data,
            }
        )
        if partner_id is not UNSET:
            field_dict["partnerId"] = partner_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.test_fire_data import TestFireData  # noqa: PLC0415

        d = dict(src_dict)
        event_type = TestFireEventtype(d.pop("eventType"))

        data = TestFireData.from_dict(d.pop("data"))

        def _parse_partner_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                partner_id_type_0 = UUID(data)

                return partner_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        partner_id = _parse_partner_id(d.pop("partnerId", UNSET))

        test_fire = cls(
            event_type=event_type,
            data=data,
            partner_id=partner_id,
        )

        test_fire.additional_properties = d
        return test_fire

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
