from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.compliance_out_compliancestatus import ComplianceOutCompliancestatus
from ..models.compliance_out_decision_type_0 import ComplianceOutDecisionType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.blocker import Blocker
    from ..models.compliance_modules import ComplianceModules


T = TypeVar("T", bound="ComplianceOut")


@_attrs_define
class ComplianceOut:
    """
    Attributes:
        order_uuid (UUID):
        compliance_status (ComplianceOutCompliancestatus):
        blockers (list[Blocker]):
        modules (ComplianceModules):
        version (int):
        updated_at (str):
        decision (ComplianceOutDecisionType0 | None | Unset):
    """

    order_uuid: UUID
    compliance_status: ComplianceOutCompliancestatus
    blockers: list[Blocker]
    modules: ComplianceModules
    version: int
    updated_at: str
    decision: ComplianceOutDecisionType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order_uuid = str(self.order_uuid)

        compliance_status = self.compliance_status.value

        blockers = []
        for blockers_item_data in self.blockers:
            blockers_item = blockers_item_data.to_dict()
            blockers.append(blockers_item)

        modules = self.modules.to_dict()

        version = self.version

        updated_at = self.updated_at

        decision: None | str | Unset
        if isinstance(self.decision, Unset):
            decision = UNSET
        elif isinstance(self.decision, ComplianceOutDecisionType0):
            decision = self.decision.value
        else:
            decision = self.decision

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "orderUuid": order_uuid,
                "complianceStatus": compliance_status,
                "blockers": blockers,
                "modules": modules,
                "version": version,
                "updatedAt": updated_at,
            }
        )
        if decision is not UNSET:
            field_dict["decision"] = decision

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.blocker import Blocker  # noqa: PLC0415
        from ..models.compliance_modules import ComplianceModules  # noqa: PLC0415

        d = dict(src_dict)
        order_uuid = UUID(d.pop("orderUuid"))

        compliance_status = ComplianceOutCompliancestatus(d.pop("complianceStatus"))

        blockers = []
        _blockers = d.pop("blockers")
        for blockers_item_data in _blockers:
            blockers_item = Blocker.from_dict(blockers_item_data)

            blockers.append(blockers_item)

        modules = ComplianceModules.from_dict(d.pop("modules"))

        version = d.pop("version")

        updated_at = d.pop("updatedAt")

        def _parse_decision(data: object) -> ComplianceOutDecisionType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decision_type_0 = ComplianceOutDecisionType0(data)

                return decision_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ComplianceOutDecisionType0 | None | Unset, data)

        decision = _parse_decision(d.pop("decision", UNSET))

        compliance_out = cls(
            order_uuid=order_uuid,
            compliance_status=compliance_status,
            blockers=blockers,
            modules=modules,
            version=version,
            updated_at=updated_at,
            decision=decision,
        )

        compliance_out.additional_properties = d
        return compliance_out

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
