"""The KYC verdict table, without any server."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.buyers.rules.kyc import (
    KYC_DOCUMENT_TYPES,
    MARKETPLACE_LED,
    NT24_LED,
    REQUIRED_DOCUMENTS,
    KycFacts,
    documents_complete,
    may_change_mode,
    overall_status,
)

pytestmark = pytest.mark.fast

A, B = MARKETPLACE_LED, NT24_LED


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (KycFacts(A, "ACTIVE", "VALID", True), "VALID"),
        (KycFacts(A, "ACTIVE", "VALID", False), "INCOMPLETE"),
        (KycFacts(A, "ACTIVE", "PENDING", True), "INCOMPLETE"),
        (KycFacts(A, "ACTIVE", "UNKNOWN", True), "INCOMPLETE"),  # unavailable is no verdict
        (KycFacts(A, "ACTIVE", "INVALID", True), "INVALID"),
        (KycFacts(A, "BLOCKED", "VALID", True), "INVALID"),
        (KycFacts(B, "ACTIVE", "VALID", True), "INCOMPLETE"),
        (KycFacts(B, "ACTIVE", "VALID", True, "VERIFIED", "PENDING"), "INCOMPLETE"),
        (KycFacts(B, "ACTIVE", "VALID", True, "VERIFIED", "CLEAR"), "VALID"),
        (KycFacts(B, "ACTIVE", "VALID", True, "REJECTED", "CLEAR"), "INVALID"),
        (KycFacts(B, "ACTIVE", "VALID", True, "VERIFIED", "FLAGGED"), "INVALID"),
    ],
)
def test_overall_status(facts: KycFacts, expected: str):
    assert overall_status(facts) == expected


def test_kyc_mode_only_upgrades():
    assert may_change_mode(A, B)
    assert may_change_mode(A, A) and may_change_mode(B, B)
    assert not may_change_mode(B, A)


MODE_A_SET = {
    "COC_EXTRACT",
    "VAT_REGISTRATION_CERTIFICATE",
    "CONTACT_ID_DOCUMENT",
    "AML_DECLARATION",
}


@pytest.mark.parametrize(
    ("mode", "active_types", "expected"),
    [
        (A, set(), False),
        (A, MODE_A_SET, True),
        (A, MODE_A_SET | {"BANK_STATEMENT", "TP_UBO_DECLARATION"}, True),  # extras do no harm
        (A, MODE_A_SET - {"AML_DECLARATION"}, False),
        (A, MODE_A_SET - {"CONTACT_ID_DOCUMENT"}, False),
        (A, {"COC_EXTRACT"}, False),
        (B, set(), False),
        (B, {"COC_EXTRACT"}, True),  # identity and AML come from the platform's verification
        (B, {"VAT_REGISTRATION_CERTIFICATE", "AML_DECLARATION"}, False),
    ],
)
def test_documents_complete(mode: str, active_types: set[str], expected: bool):
    assert documents_complete(mode, active_types) is expected


def test_required_documents_are_kyc_document_types_for_every_mode():
    assert set(REQUIRED_DOCUMENTS) == {A, B}
    for required in REQUIRED_DOCUMENTS.values():
        assert required <= set(KYC_DOCUMENT_TYPES)


def test_kyc_document_types_are_exactly_the_contract_families():
    families = {t.split("_")[0] for t in KYC_DOCUMENT_TYPES}
    assert families == {"COC", "BANK", "VAT", "CONTACT", "ADDRESS", "TP", "AML"}
    assert [t for t in KYC_DOCUMENT_TYPES if t.startswith("AML_")] == ["AML_DECLARATION"]


def test_every_kyc_document_type_is_documented():
    kyc_doc = (Path(__file__).parents[1] / "docs" / "kyc.md").read_text()
    for document_type in KYC_DOCUMENT_TYPES:
        assert f"`{document_type}`" in kyc_doc
