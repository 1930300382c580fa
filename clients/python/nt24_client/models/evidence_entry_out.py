from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EvidenceEntryOut")


@_attrs_define
class EvidenceEntryOut:
    """
    Attributes:
        seq (int):
        kind (str):
        key (str):
        prev_hash (str):
        hash_ (str):
        created_at (str):
    """

    seq: int
    kind: str
    key: str
    prev_hash: str
    hash_: str
    created_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        seq = self.seq

        kind = self.kind

        key = self.key

        prev_hash = self.prev_hash

        hash_ = self.hash_

        created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "seq": seq,
                "kind": kind,
                "key": key,
                "prevHash": prev_hash,
                "hash": hash_,
                "createdAt": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        seq = d.pop("seq")

        kind = d.pop("kind")

        key = d.pop("key")

        prev_hash = d.pop("prevHash")

        hash_ = d.pop("hash")

        created_at = d.pop("createdAt")

        evidence_entry_out = cls(
            seq=seq,
            kind=kind,
            key=key,
            prev_hash=prev_hash,
            hash_=hash_,
            created_at=created_at,
        )

        evidence_entry_out.additional_properties = d
        return evidence_entry_out

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
