from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.export_file_out_decision_type_0 import ExportFileOutDecisionType0
from ..models.export_file_out_status import ExportFileOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.superseded_version import SupersededVersion


T = TypeVar("T", bound="ExportFileOut")


@_attrs_define
class ExportFileOut:
    """
    Attributes:
        status (ExportFileOutStatus):
        version (int | None | Unset):
        download_url (None | str | Unset):
        generated_at (None | str | Unset):
        decision (ExportFileOutDecisionType0 | None | Unset):
        superseded_versions (list[SupersededVersion] | Unset):
    """

    status: ExportFileOutStatus
    version: int | None | Unset = UNSET
    download_url: None | str | Unset = UNSET
    generated_at: None | str | Unset = UNSET
    decision: ExportFileOutDecisionType0 | None | Unset = UNSET
    superseded_versions: list[SupersededVersion] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        download_url: None | str | Unset
        if isinstance(self.download_url, Unset):
            download_url = UNSET
        else:
            download_url = self.download_url

        generated_at: None | str | Unset
        if isinstance(self.generated_at, Unset):
            generated_at = UNSET
        else:
            generated_at = self.generated_at

        decision: None | str | Unset
        if isinstance(self.decision, Unset):
            decision = UNSET
        elif isinstance(self.decision, ExportFileOutDecisionType0):
            decision = self.decision.value
        else:
            decision = self.decision

        superseded_versions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.superseded_versions, Unset):
            superseded_versions = []
            for superseded_versions_item_data in self.superseded_versions:
                superseded_versions_item = superseded_versions_item_data.to_dict()
                superseded_versions.append(superseded_versions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version
        if download_url is not UNSET:
            field_dict["downloadUrl"] = download_url
        if generated_at is not UNSET:
            field_dict["generatedAt"] = generated_at
        if decision is not UNSET:
            field_dict["decision"] = decision
        if superseded_versions is not UNSET:
            field_dict["supersededVersions"] = superseded_versions

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.superseded_version import SupersededVersion  # noqa: PLC0415

        d = dict(src_dict)
        status = ExportFileOutStatus(d.pop("status"))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        def _parse_download_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        download_url = _parse_download_url(d.pop("downloadUrl", UNSET))

        def _parse_generated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        generated_at = _parse_generated_at(d.pop("generatedAt", UNSET))

        def _parse_decision(data: object) -> ExportFileOutDecisionType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decision_type_0 = ExportFileOutDecisionType0(data)

                return decision_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExportFileOutDecisionType0 | None | Unset, data)

        decision = _parse_decision(d.pop("decision", UNSET))

        _superseded_versions = d.pop("supersededVersions", UNSET)
        superseded_versions: list[SupersededVersion] | Unset = UNSET
        if _superseded_versions is not UNSET:
            superseded_versions = []
            for superseded_versions_item_data in _superseded_versions:
                superseded_versions_item = SupersededVersion.from_dict(
                    superseded_versions_item_data
                )

                superseded_versions.append(superseded_versions_item)

        export_file_out = cls(
            status=status,
            version=version,
            download_url=download_url,
            generated_at=generated_at,
            decision=decision,
            superseded_versions=superseded_versions,
        )

        export_file_out.additional_properties = d
        return export_file_out

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
