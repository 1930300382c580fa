"""The KYC verdict table, without any server."""

from __future__ import annotations

import pytest

from workflows.rules.kyc import MARKETPLACE_LED, NT24_LED, KycFacts, may_change_mode, overall_status

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
