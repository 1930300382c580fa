"""What the compliance rollup tells of an order, in the shapes every layer keeps: a blocker (what
still keeps the order from VALID) and a rule's result. The workflow holds them, the read model
and the Export File print them. A leaf: the standard library only.

The frozen rule set 2026.11 keeps its own ``Blocker`` of the same shape (its file is its digest).
"""

from __future__ import annotations

from dataclasses import dataclass


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
