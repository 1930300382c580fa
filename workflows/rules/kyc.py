"""The KYC verdict of a buyer: pure, so the API, the rollup and the tests agree on it.

Mode A (MARKETPLACE_LED) is KYC-valid when its documents are complete and the latest VIES
result is VALID. Mode B (NT24_LED) additionally needs the platform's identity verification
VERIFIED and AML CLEAR. A blocked buyer, an INVALID VIES result, a REJECTED verification or
FLAGGED AML screening make it INVALID; anything still missing leaves it INCOMPLETE.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKETPLACE_LED = "MARKETPLACE_LED"
NT24_LED = "NT24_LED"


@dataclass(frozen=True)
class KycFacts:
    kyc_mode: str
    buyer_status: str  # ACTIVE or BLOCKED
    vies_result: str  # VALID, INVALID, PENDING, UNKNOWN
    documents_complete: bool
    verification_status: str = "NOT_STARTED"  # Mode B only
    aml_status: str = "NOT_APPLICABLE"  # Mode B only


def overall_status(facts: KycFacts) -> str:
    """INCOMPLETE, VALID or INVALID."""
    if (
        facts.buyer_status == "BLOCKED"
        or facts.vies_result == "INVALID"
        or facts.verification_status == "REJECTED"
        or facts.aml_status == "FLAGGED"
    ):
        return "INVALID"
    verified = facts.kyc_mode == MARKETPLACE_LED or (
        facts.verification_status == "VERIFIED" and facts.aml_status == "CLEAR"
    )
    if facts.vies_result == "VALID" and facts.documents_complete and verified:
        return "VALID"
    return "INCOMPLETE"


def may_change_mode(current: str, requested: str) -> bool:
    """Only an upgrade A -> B: the platform's verification records are legal records."""
    return current == requested or (current == MARKETPLACE_LED and requested == NT24_LED)
