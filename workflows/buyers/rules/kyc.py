"""The KYC verdict of a buyer: pure, so the API, the rollup and the tests agree on it.

Mode A (MARKETPLACE_LED) is KYC-valid when its documents are complete and the latest VIES
result is VALID. Mode B (NT24_LED) additionally needs the platform's identity verification
VERIFIED and AML CLEAR. A blocked buyer, an INVALID VIES result, a REJECTED verification or
FLAGGED AML screening make it INVALID; anything still missing leaves it INCOMPLETE.

Which KYC documents exist and which make a buyer's documents complete in each mode is written
down, with the reasoning, in docs/kyc.md.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKETPLACE_LED = "MARKETPLACE_LED"
NT24_LED = "NT24_LED"

# The KYC values of the contract's ``platformDocumentType``, each with who issues it unless the
# upload says otherwise (the ``issuerType`` default of section 17). Meanings: docs/kyc.md.
KYC_DOCUMENT_TYPES: dict[str, str] = {
    "COC_EXTRACT": "PUBLIC_AUTHORITY",
    "COC_ARTICLES_OF_ASSOCIATION": "BUYER",
    "BANK_ACCOUNT_CONFIRMATION": "BANK",
    "BANK_STATEMENT": "BANK",
    "VAT_REGISTRATION_CERTIFICATE": "PUBLIC_AUTHORITY",
    "CONTACT_ID_DOCUMENT": "PUBLIC_AUTHORITY",
    "CONTACT_POWER_OF_ATTORNEY": "BUYER",
    "ADDRESS_PROOF": "OTHER",
    "TP_TRADE_LICENCE": "PUBLIC_AUTHORITY",
    "TP_SHAREHOLDER_REGISTER": "BUYER",
    "TP_UBO_DECLARATION": "BUYER",
    "AML_DECLARATION": "BUYER",
}

# The ACTIVE document types that make a buyer's documents complete. In Mode A the marketplace
# did the KYC, so the platform holds its evidence: the company exists (register extract), is
# VAT-registered, who acted for it, and the AML declaration. In Mode B identity and AML come
# from the platform's own verification, so only the company's existence is a document.
REQUIRED_DOCUMENTS: dict[str, frozenset[str]] = {
    MARKETPLACE_LED: frozenset(
        {"COC_EXTRACT", "VAT_REGISTRATION_CERTIFICATE", "CONTACT_ID_DOCUMENT", "AML_DECLARATION"}
    ),
    NT24_LED: frozenset({"COC_EXTRACT"}),
}


@dataclass(frozen=True)
class KycFacts:
    kyc_mode: str
    buyer_status: str  # ACTIVE or BLOCKED
    vies_result: str  # VALID, INVALID, PENDING, UNKNOWN
    documents_complete: bool
    verification_status: str = "NOT_STARTED"  # Mode B only
    aml_status: str = "NOT_APPLICABLE"  # Mode B only
    # Mode B: a verified profile lapsed (its validity ran out); a new verification is needed
    verification_expired: bool = False


def default_aml_status(kyc_mode: str) -> str:
    """Before any screening: Mode B waits for one, Mode A has none of the platform's."""
    return "PENDING" if kyc_mode == NT24_LED else "NOT_APPLICABLE"


def documents_complete(kyc_mode: str, active_types: set[str]) -> bool:
    """Whether the buyer's ACTIVE KYC documents cover every type its mode requires."""
    return REQUIRED_DOCUMENTS[kyc_mode] <= active_types


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
