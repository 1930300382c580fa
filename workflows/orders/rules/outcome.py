"""What the compliance rollup tells of an order, in the shapes every layer keeps: its status and
decision, a blocker (what still keeps the order from VALID) and a rule's result. The workflow
holds them, the read model, the API, the web app and the Export File show them. A leaf: the
standard library only.

The frozen rule set 2026.11 keeps its own ``Blocker`` of the same shape and its own status and
decision strings, the same values (its file is its digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ComplianceStatus(StrEnum):
    """The rollup's status (the contract's ``complianceStatus``), serialised as its value."""

    INCOMPLETE = "INCOMPLETE"  # undecided: something blocks, or the facts may still change
    VALID = "VALID"
    INVALID = "INVALID"


class Decision(StrEnum):
    """What a decided rollup means for VAT (the contract's ``decision``)."""

    VALID_EXPORT = "VALID_EXPORT"  # an exempt intra-community supply
    VAT_APPLICABLE = "VAT_APPLICABLE"


@dataclass(frozen=True)
class Blocker:
    module: str  # buyer, order, invoice, payment, transport
    code: str
    message: str


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    outcome: str  # PASSED, FAILED, PENDING, NOT_APPLICABLE
    detail: str
    legal_basis: str
