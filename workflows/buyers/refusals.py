"""Why a buyer's KYC verification refuses a command, in the domain's words; the API maps each
reason to its NT24 problem (api/nt24/buyers/kyc_verification.py). A leaf."""

from dataclasses import dataclass
from enum import StrEnum


class KycRefusalReason(StrEnum):
    AWAITING_REVIEW = "AWAITING_REVIEW"
    BEING_DECIDED = "BEING_DECIDED"
    STILL_VERIFIED = "STILL_VERIFIED"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    NO_REVIEW_PENDING = "NO_REVIEW_PENDING"
    REJECTION_UNEXPLAINED = "REJECTION_UNEXPLAINED"
    REASON_TOO_LONG = "REASON_TOO_LONG"


@dataclass
class ProviderFailure:
    """The detail of PROVIDER_UNAVAILABLE: the identity provider's error, as its client named it."""

    provider_error: str
