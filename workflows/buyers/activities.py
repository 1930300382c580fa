"""What the buyers' workflows call: each activity's name, input and output, nothing else.

The convention of every domain: ``workflows/<domain>/activities.py`` holds the input and
output dataclasses of the activities its workflows call and one stub class per activity
class, whose ``@activity.defn`` methods name the activities. A workflow imports only this
module and passes the stubs to ``workflow.execute_activity_method``; the implementation
(httpx, the database, PDFs) in ``activities/<domain>/`` subclasses the stub and is registered
by the worker, so workflow code never loads it, and activities import workflows' types, never
the reverse. Renaming a stub method renames the activity: running histories name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from temporalio import activity

from workflows.buyers.rules.kyc_verification import COMPANY, AmlScreening, AmlThresholds
from workflows.change_source import ChangeSource
from workflows.orders.activities import PendingEvent
from workflows.orders.model import ViesEvidence


class ViesResult(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    UNKNOWN = "UNKNOWN"  # VIES could not say (unavailable past the retry budget, or refused)


class ViesTrigger(StrEnum):
    MANUAL = "MANUAL"  # K2: the integrator asked
    UPSERT = "UPSERT"  # the buyer was created or its VAT number changed
    DAILY = "DAILY"  # the daily re-check between ready-for-pickup and delivery


# Retrying cannot change these answers: the input, the requester or the number is refused,
# or our IP address is blocked (hammering a block only prolongs it).
FINAL_ERRORS = frozenset({"INVALID_INPUT", "INVALID_REQUESTER_INFO", "VAT_BLOCKED", "IP_BLOCKED"})


@dataclass
class ViesCheckRequest:
    vat_number: str
    requester_vat_number: str | None


@dataclass
class ViesAnswer:
    valid: bool
    request_date: str | None
    request_identifier: str | None
    name: str | None
    address: str | None
    raw_sha256: str | None
    attempts: int


@dataclass
class ViesCheckRecord:
    check_uuid: str  # made by the workflow, so a retried write stores one row
    buyer_uuid: str
    vat_number: str
    requester_vat_number: str | None
    trigger: ViesTrigger
    result: ViesResult
    checked_at: datetime  # the workflow's clock, for every outcome: one clock orders checks
    request_date: str | None = None
    request_identifier: str | None = None
    name: str | None = None
    address: str | None = None
    error_code: str | None = None
    attempts: int = 1
    raw_sha256: str | None = None


def vies_failure_reason(request_identifier: str | None) -> str:
    """kyc.vies_check_failed's ``reason``: VIES's no, with its consultation number if any."""
    return "VIES answered that the VAT number is not valid" + (
        f" (consultation {request_identifier})" if request_identifier else ""
    )


@dataclass
class ViesCheckRecorded:
    check_uuid: str
    buyer_updated: bool  # False when a newer check had already been recorded


@dataclass
class BuyerOrdersNotice:
    buyer_uuid: str
    vies: ViesEvidence | None = None
    # who made the change: a staff review's WEB_APP (SYSTEM in notices of saved histories)
    source: ChangeSource = ChangeSource.SYSTEM


@dataclass
class IdentitySession:
    session_id: str  # the contract's sessionId: idenfy_<scanRef>
    scan_ref: str
    client_id: str
    idenfy_url: str  # where the buyer verifies: the redirect carrying the auth token


@dataclass
class IdentityPerson:
    """The person as their identity document reads (the callback's ``data``)."""

    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: str | None = None
    nationality: str | None = None
    document_type: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class IdentityResult:
    """One callback of the identity provider, as the workflow is signalled with it."""

    scan_ref: str
    client_id: str
    final: bool
    overall: str  # APPROVED, DENIED, SUSPECTED, REVIEWING, EXPIRED
    fraud_tags: list[str] = field(default_factory=list)
    mismatch_tags: list[str] = field(default_factory=list)
    person: IdentityPerson = field(default_factory=IdentityPerson)


@dataclass
class SessionRequest:
    client_id: str  # the buyer's uuid: callbacks find the buyer's workflow by it
    first_name: str | None
    last_name: str | None


@dataclass
class AmlRequest:
    client_id: str
    subject: str  # COMPANY or PERSON
    full_name: str
    nationality: str | None
    date_of_birth: str | None
    threshold: int

    @classmethod
    def company(cls, client_id: str, name: str, country: str, threshold: int) -> AmlRequest:
        return cls(client_id, COMPANY, name, country, None, threshold)


@dataclass
class ProfileRequest:
    buyer_uuid: str
    session_id: str
    scan_ref: str
    identity_status: str
    decided_by: str  # SYSTEM or the staff member who approved a review
    person: IdentityPerson
    screenings: list[AmlScreening]
    thresholds: AmlThresholds
    started_at: datetime
    verified_at: datetime
    expires_at: datetime
    review_reason: str | None = None  # what staff looked at, when they decided
    fraud_tags: list[str] = field(default_factory=list)
    mismatch_tags: list[str] = field(default_factory=list)


@dataclass
class BuyerKycState:
    """What GET .../kyc shows of the verification, and what the buyer's orders judge."""

    verification_status: str  # NOT_STARTED, IN_PROGRESS, VERIFIED, REJECTED
    aml_status: str  # PENDING, CLEAR, FLAGGED
    expires_at: datetime | None = None
    expired: bool = False


@dataclass
class ProfileRef:
    sha256: str
    size: int
    generated_at: datetime


@dataclass
class VerificationRecord:
    buyer_uuid: str
    session: IdentitySession
    status: str  # IN_PROGRESS, REVIEW, VERIFIED, REJECTED, EXPIRED
    started_at: datetime
    deadline_at: datetime
    thresholds: AmlThresholds
    identity_status: str | None = None
    fraud_tags: list[str] = field(default_factory=list)
    mismatch_tags: list[str] = field(default_factory=list)
    person: IdentityPerson | None = None
    aml_status: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    profile: ProfileRef | None = None
    screenings: list[AmlScreening] = field(default_factory=list)
    buyer: BuyerKycState | None = None  # None: the buyer's KYC state stays as it is
    events: list[PendingEvent] = field(default_factory=list)


@dataclass
class BuyerKycRecord:
    """The buyer's KYC state (None: as it is) and events, with no session's evidence."""

    buyer_uuid: str
    buyer: BuyerKycState | None
    events: list[PendingEvent] = field(default_factory=list)


@dataclass
class InvitationRef:
    invitation_uuid: str


@dataclass
class InvitationSettlement:
    invitation_uuid: str
    status: str  # USED, REVOKED or EXPIRED
    at: datetime  # the workflow's clock
    source: ChangeSource  # of the event: WEB_APP (submitted), API (revoked), SYSTEM (expired)
    reason: str | None = None  # why it was revoked


@dataclass
class InvitationSettled:
    status: str  # the invitation's status now: the one asked for, or the one it already had


class ViesActivities:
    @activity.defn
    async def check_vat_number(self, request: ViesCheckRequest) -> ViesAnswer:
        raise NotImplementedError

    @activity.defn
    async def record_vies_check(self, record: ViesCheckRecord) -> ViesCheckRecorded:
        """Keep the check as evidence and, unless a newer one is stored, as the buyer's latest."""
        raise NotImplementedError


class BuyerOrdersActivities:
    @activity.defn
    async def notify_buyer_orders(self, notice: BuyerOrdersNotice) -> int:
        """Signal the buyer's open orders with its current KYC facts; returns how many."""
        raise NotImplementedError


class IdentityActivities:
    @activity.defn
    async def create_identity_session(self, request: SessionRequest) -> IdentitySession:
        raise NotImplementedError

    @activity.defn
    async def screen_aml(self, request: AmlRequest) -> AmlScreening:
        raise NotImplementedError


class InvitationActivities:
    @activity.defn
    async def email_invitation(self, ref: InvitationRef) -> str | None:
        raise NotImplementedError

    @activity.defn
    async def settle_invitation(self, settlement: InvitationSettlement) -> InvitationSettled:
        raise NotImplementedError


class KycProfileActivities:
    @activity.defn
    async def generate_kyc_profile(self, request: ProfileRequest) -> ProfileRef:
        raise NotImplementedError


class KycStoreActivities:
    @activity.defn
    async def record_buyer_kyc(self, record: BuyerKycRecord) -> None:
        raise NotImplementedError

    @activity.defn
    async def record_verification(self, record: VerificationRecord) -> None:
        raise NotImplementedError
