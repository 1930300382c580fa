from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.evidence_out_status import EvidenceOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.evidence_break import EvidenceBreak
    from ..models.evidence_entry_out import EvidenceEntryOut


T = TypeVar("T", bound="EvidenceOut")


@_attrs_define
class EvidenceOut:
    """
    Attributes:
        order_uuid (UUID):
        status (EvidenceOutStatus):
        entries (list[EvidenceEntryOut]):
        head (None | str | Unset):
        recorded_head (None | str | Unset):
        workflow_head (None | str | Unset):
        breaks (list[EvidenceBreak] | Unset):
    """

    order_uuid: UUID
    status: EvidenceOutStatus
    entries: list[EvidenceEntryOut]
    head: None | str | Unset = UNSET
    recorded_head: None | str | Unset = UNSET
    workflow_head: None | str | Unset = UNSET
    breaks: list[EvidenceBreak] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order_uuid = str(self.order_uuid)

        status = self.status.value

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        head: None | str | Unset
        if isinstance(self.head, Unset):
            head = UNSET
        else:
            head = self.head

        recorded_head: None | str | Unset
        if isinstance(self.recorded_head, Unset):
            recorded_head = UNSET
        else:
            recorded_head = self.recorded_head

        workflow_head: None | str | Unset
        if isinstance(self.workflow_head, Unset):
            workflow_head = UNSET
        else:
            workflow_head = self.workflow_head

        breaks: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.breaks, Unset):
            breaks = []
            for breaks_item_data in self.breaks:
                breaks_item = breaks_item_data.to_dict()
                breaks.append(breaks_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "orderUuid": order_uuid,
                "status": status,
                "entries": entries,
            }
        )
        if head is not UNSET:
            field_dict["head"] = head
        if recorded_head is not UNSET:
            field_dict["recordedHead"] = recorded_head
        if workflow_head is not UNSET:
            field_dict["workflowHead"] = workflow_head
        if breaks is not UNSET:
            field_dict["breaks"] = breaks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.evidence_break import EvidenceBreak  # noqa: PLC0415
        from ..models.evidence_entry_out import EvidenceEntryOut  # noqa: PLC0415

        d = dict(src_dict)
        order_uuid = UUID(d.pop("orderUuid"))

        status = EvidenceOutStatus(d.pop("status"))

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = EvidenceEntryOut.from_dict(entries_item_data)

            entries.append(entries_item)

        def _parse_head(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        head = _parse_head(d.pop("head", UNSET))

        def _parse_recorded_head(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recorded_head = _parse_recorded_head(d.pop("recordedHead", UNSET))

        def _parse_workflow_head(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        workflow_head = _parse_workflow_head(d.pop("workflowHead", UNSET))

        _breaks = d.pop("breaks", UNSET)
        breaks: list[EvidenceBreak] | Unset = UNSET
        if _breaks is not UNSET:
            breaks = []
            for breaks_item_data in _breaks:
                breaks_item = EvidenceBreak.from_dict(breaks_item_data)

                breaks.append(breaks_item)

        evidence_out = cls(
            order_uuid=order_uuid,
            status=status,
            entries=entries,
            head=head,
            recorded_head=recorded_head,
            workflow_head=workflow_head,
            breaks=breaks,
        )

        evidence_out.additional_properties = d
        return evidence_out

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
