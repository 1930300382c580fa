from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.data_field_out import DataFieldOut
    from ..models.event_type_out_example import EventTypeOutExample


T = TypeVar("T", bound="EventTypeOut")


@_attrs_define
class EventTypeOut:
    """
    Attributes:
        type_ (str):
        fires_when (str):
        available (bool): False: in the contract, fires once its producer lands
        data_fields (list[DataFieldOut]):
        example (EventTypeOutExample):
    """

    type_: str
    fires_when: str
    available: bool
    data_fields: list[DataFieldOut]
    example: EventTypeOutExample
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        fires_when = self.fires_when

        available = self.available

        data_fields = []
        for data_fields_item_data in self.data_fields:
            data_fields_item = data_fields_item_data.to_dict()
            data_fields.append(data_fields_item)

        example = self.example.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "firesWhen": fires_when,
                "available": available,
                "dataFields": data_fields,
                "example": example,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.data_field_out import DataFieldOut  # noqa: PLC0415
        from ..models.event_type_out_example import EventTypeOutExample  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        fires_when = d.pop("firesWhen")

        available = d.pop("available")

        data_fields = []
        _data_fields = d.pop("dataFields")
        for data_fields_item_data in _data_fields:
            data_fields_item = DataFieldOut.from_dict(data_fields_item_data)

            data_fields.append(data_fields_item)

        example = EventTypeOutExample.from_dict(d.pop("example"))

        event_type_out = cls(
            type_=type_,
            fires_when=fires_when,
            available=available,
            data_fields=data_fields,
            example=example,
        )

        event_type_out.additional_properties = d
        return event_type_out

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
