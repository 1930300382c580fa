"""KycWorkflow on the time-skipping server: the identity provider, the AML screenings, the
profile PDF and the read-model writes are mocks.

What the user depends on: the verdict of a verification (verified, rejected, left to staff),
the session's deadline, and a verified profile's notice and lapse on time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.fast.harness import mocked_worker, refusal, skip, until
from workflows.buyers.activities import (
    AmlRequest,
    BuyerKycRecord,
    BuyerOrdersNotice,
    IdentityPerson,
    IdentityResult,
    IdentitySession,
    ProfileRef,
    ProfileRequest,
    SessionRequest,
    VerificationRecord,
)
from workflows.buyers.kyc_verification import (
    KycStart,
    KycWorkflow,
    OpenSession,
    ReviewDecision,
)
from workflows.buyers.rules.kyc_verification import AmlMatch, AmlScreening, AmlThresholds

pytestmark = pytest.mark.fast

THRESHOLDS = AmlThresholds(review=70, flag=90)
PROFILE_VALID_FOR = timedelta(days=365)
EXPIRY_NOTICE = timedelta(days=30)
SESSION_DEADLINE = timedelta(days=3)


class KycActivities:
    """The provider answers as ``matches`` says; every write is recorded."""

    def __init__(self) -> None:
        self.matches: dict[str, list[AmlMatch]] = {}  # per screened name: its list hits
        self.verifications: list[VerificationRecord] = []
        self.buyer_records: list[BuyerKycRecord] = []
        self.profiles: list[ProfileRequest] = []

    @activity.defn(name="create_identity_session")
    async def create_identity_session(self, request: SessionRequest) -> IdentitySession:
        scan_ref = uuid4().hex
        return IdentitySession(
            f"idenfy_{scan_ref}", scan_ref, request.client_id, f"https://idenfy.test/{scan_ref}"
        )

    @activity.defn(name="screen_aml")
    async def screen_aml(self, request: AmlRequest) -> AmlScreening:
        return AmlScreening(
            request.subject,
            request.full_name,
            request.nationality,
            request.date_of_birth,
            activity.info().current_attempt_scheduled_time,
            matches=self.matches.get(request.full_name, []),
        )

    @activity.defn(name="generate_kyc_profile")
    async def generate_kyc_profile(self, request: ProfileRequest) -> ProfileRef:
        self.profiles.append(request)
        return ProfileRef("0" * 64, 2048, request.verified_at)

    @activity.defn(name="record_verification")
    async def record_verification(self, record: VerificationRecord) -> None:
        self.verifications.append(record)

    @activity.defn(name="record_buyer_kyc")
    async def record_buyer_kyc(self, record: BuyerKycRecord) -> None:
        self.buyer_records.append(record)

    @activity.defn(name="notify_buyer_orders")
    async def notify_buyer_orders(self, notice: BuyerOrdersNotice) -> int:
        return 0

    @property
    def activities(self) -> list:
        return [
            self.create_identity_session,
            self.screen_aml,
            self.generate_kyc_profile,
            self.record_verification,
            self.record_buyer_kyc,
            self.notify_buyer_orders,
        ]

    def statuses(self) -> list[str]:
        return [record.status for record in self.verifications]


@dataclass
class Verifications:
    env: WorkflowEnvironment
    task_queue: str
    provider: KycActivities

    async def open(self) -> tuple[WorkflowHandle, IdentitySession]:
        """A buyer's verification started, as POST .../kyc/verify does, with its session."""
        buyer_uuid = str(uuid4())
        handle = await self.env.client.start_workflow(
            KycWorkflow.run,
            KycStart(
                buyer_uuid=buyer_uuid,
                session_deadline=SESSION_DEADLINE,
                session_budget=timedelta(seconds=10),
                provider_timeout=timedelta(seconds=5),
                aml_thresholds=THRESHOLDS,
                aml_give_up_after=timedelta(minutes=1),
                profile_valid_for=PROFILE_VALID_FOR,
                expiry_notice=EXPIRY_NOTICE,
                abandoned_after=timedelta(hours=1),
                profile_timeout=timedelta(seconds=10),
            ),
            id=f"kyc-{buyer_uuid}",
            task_queue=self.task_queue,
        )
        answer = await handle.execute_update(
            KycWorkflow.open_session, OpenSession("Auto Dupont SARL", "FR", "Marie", "Dupont")
        )
        assert answer.created
        return handle, IdentitySession(
            answer.session_id,
            answer.session_id.removeprefix("idenfy_"),
            buyer_uuid,
            answer.idenfy_url,
        )

    async def result(self, handle: WorkflowHandle, session: IdentitySession, overall: str) -> None:
        """The provider's final callback for the session, as the callback endpoint signals it."""
        person = IdentityPerson("Marie", "Dupont", "1980-04-02", "FR", "ID_CARD")
        await handle.signal(
            KycWorkflow.identity_result,
            IdentityResult(session.scan_ref, session.client_id, True, overall, person=person),
        )


async def in_phase(handle: WorkflowHandle, phase: str) -> bool:
    """The run's phase moves on after the verdict's write (the state query shows it)."""
    return (await handle.query(KycWorkflow.state))["phase"] == phase


@pytest_asyncio.fixture(loop_scope="session")
async def verifications(time_skipping: WorkflowEnvironment) -> AsyncIterator[Verifications]:
    provider = KycActivities()
    async with mocked_worker(time_skipping, [KycWorkflow], provider.activities) as task_queue:
        running = Verifications(time_skipping, task_queue, provider)
        yield running


async def test_an_approved_buyer_is_verified_and_the_profile_lapses_on_time(
    verifications: Verifications,
):
    provider = verifications.provider
    handle, session = await verifications.open()
    assert provider.statuses() == ["IN_PROGRESS"]
    await verifications.result(handle, session, "APPROVED")
    await until(lambda: "VERIFIED" in provider.statuses(), "the verdict")
    verified = provider.verifications[-1]
    assert (verified.aml_status, verified.decided_by) == ("CLEAR", "SYSTEM")
    assert [e.type for e in verified.events] == ["kyc.verification_completed"]
    assert [p.subject for p in provider.profiles[-1].screenings] == ["COMPANY", "PERSON"]

    # once the run holds the profile, a new verification is refused until the expiry notice
    await until(lambda: in_phase(handle, "VERIFIED"), "the run holding the profile")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            KycWorkflow.open_session, OpenSession("Auto Dupont SARL", "FR", "Marie", "Dupont")
        )
    assert refusal(refused.value).type == "STILL_VERIFIED"

    await skip(verifications.env, PROFILE_VALID_FOR - EXPIRY_NOTICE + timedelta(hours=1))
    await until(lambda: provider.buyer_records, "the expiry notice")
    assert [e.type for e in provider.buyer_records[-1].events] == ["kyc.verification_expiring"]

    await skip(verifications.env, EXPIRY_NOTICE)
    assert await handle.result() == "LAPSED"
    lapsed = provider.buyer_records[-1].buyer
    assert lapsed is not None and lapsed.expired
    assert lapsed.verification_status == "NOT_STARTED"  # the buyer's orders are blocked again


async def test_a_near_match_goes_to_staff_whose_approval_verifies(verifications: Verifications):
    provider = verifications.provider
    provider.matches["Marie Dupont"] = [AmlMatch("Marie Dupond", 75, ["PEP_CURRENT"])]
    handle, session = await verifications.open()
    await verifications.result(handle, session, "APPROVED")
    await until(lambda: "REVIEW" in provider.statuses(), "the staff review")
    assert "Marie Dupond" in (provider.verifications[-1].reason or "")

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(KycWorkflow.review, ReviewDecision(False, " ", "staff"))
    assert refusal(refused.value).type == "REJECTION_UNEXPLAINED"  # a rejection needs a reason

    answer = await handle.execute_update(
        KycWorkflow.review, ReviewDecision(True, "a namesake, other birth date", "staff")
    )
    assert answer.outcome == "VERIFIED"
    assert (provider.verifications[-1].status, provider.verifications[-1].decided_by) == (
        "VERIFIED",
        "staff",
    )


async def test_a_denied_identity_or_a_list_hit_rejects(verifications: Verifications):
    provider = verifications.provider
    handle, session = await verifications.open()
    await verifications.result(handle, session, "DENIED")
    assert await handle.result() == "REJECTED"
    assert "DENIED" in (provider.verifications[-1].reason or "")

    provider.matches["Auto Dupont SARL"] = [AmlMatch("Auto Dupont", 95, ["SANCTION_CURRENT"])]
    handle, session = await verifications.open()
    await verifications.result(handle, session, "APPROVED")
    assert await handle.result() == "REJECTED"
    assert provider.verifications[-1].aml_status == "FLAGGED"


async def test_a_session_nobody_finishes_expires_at_its_deadline(verifications: Verifications):
    handle, _ = await verifications.open()
    assert await handle.result() == "EXPIRED"  # the server skips to the deadline
    expired = verifications.provider.verifications[-1]
    assert expired.status == "EXPIRED"
    assert expired.completed_at is None
