"""KycWorkflow: the platform-led (Mode B) verification of one buyer, and its profile's validity.

One per buyer (id ``kyc-{buyer_uuid}``). ``POST .../kyc/verify`` starts it and sends the
``open_session`` Update, which creates the identity session with the provider and answers its
url. The provider's final result arrives as a Signal (from the callback endpoint) before the
session's deadline, or the session is EXPIRED and the run ends (a new POST starts another).
The company's AML screening runs while the buyer verifies; the representative's follows the
result, as it needs the name and birth date the document gives. The verdict is VERIFIED,
REJECTED, or a staff review (the ``review`` Update). On VERIFIED the signed KYC profile PDF is
made, and the workflow holds the profile: before it lapses ``kyc.verification_expiring``
fires and a renewal may start; when it lapses the buyer's orders are blocked again.
Every fact is written to the read model through activities and signalled to open orders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.change_source import ChangeSource

with workflow.unsafe.imports_passed_through():
    from workflows.buyers.activities import (
        AmlRequest,
        BuyerKycRecord,
        BuyerKycState,
        BuyerOrdersActivities,
        BuyerOrdersNotice,
        IdentityActivities,
        IdentityResult,
        IdentitySession,
        KycProfileActivities,
        KycStoreActivities,
        ProfileRef,
        ProfileRequest,
        SessionRequest,
        VerificationRecord,
    )
    from workflows.buyers.refusals import KycRefusalReason as Refused
    from workflows.buyers.refusals import ProviderFailure
    from workflows.buyers.rules.kyc_verification import (
        APPROVED,
        EXPIRED,
        PERSON,
        REJECTED,
        REVIEW,
        REVIEWING,
        VERIFIED,
        AmlScreening,
        AmlThresholds,
        Verdict,
        review_verdict,
        verdict,
    )
    from workflows.orders.activities import PendingEvent
    from workflows.refusal import refuse

# Phases of the run
IDLE = "IDLE"  # no session yet
SESSION = "SESSION"  # the buyer is verifying with the provider
DECIDING = "DECIDING"  # the result is in: screening, deciding, making the profile
DONE = "DONE"  # REJECTED or EXPIRED: the run ends; a new POST starts a new one

RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# An unavailable AML provider is retried with backoff until the input's give-up
PROVIDER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10), maximum_interval=timedelta(minutes=10)
)


@dataclass
class KycStart:
    """The buyer and every interval and threshold, from settings by the starter."""

    buyer_uuid: str
    session_deadline: timedelta  # the buyer's time to finish the identity session
    session_budget: timedelta  # creating a session: past it, POST .../verify answers 503
    provider_timeout: timedelta  # one HTTP call to the provider, with a margin
    aml_thresholds: AmlThresholds
    aml_give_up_after: timedelta
    profile_valid_for: timedelta
    expiry_notice: timedelta  # how long before the lapse kyc.verification_expiring fires
    abandoned_after: timedelta  # started, but no session was asked for
    profile_timeout: timedelta


@dataclass
class OpenSession:
    """Who is verified: the company as the buyer record says, its representative (first
    contact) when known."""

    company_name: str
    country: str
    first_name: str | None
    last_name: str | None
    source: ChangeSource = ChangeSource.API


@dataclass
class SessionAnswer:
    session_id: str
    idenfy_url: str
    created: bool  # False: the session already running was answered


# The longest reason a staff review gives (its verdict, "staff: <reason>", is kept whole)
REVIEW_REASON_LENGTH = 500


@dataclass
class ReviewDecision:
    approve: bool
    reason: str
    reviewer: str  # the staff member
    source: ChangeSource = ChangeSource.WEB_APP  # staff decide in the web app (or its command line)


@dataclass
class ReviewAnswer:
    outcome: str  # VERIFIED or REJECTED
    reason: str | None


@workflow.defn
class KycWorkflow:
    @workflow.init
    def __init__(self, start: KycStart) -> None:
        self.start = start
        self.phase = IDLE
        self.opening = asyncio.Lock()  # one session is created at a time, however many ask
        self.request: OpenSession | None = None
        self.session: IdentitySession | None = None
        self.started_at: datetime | None = None
        self.deadline_at: datetime | None = None
        self.results: dict[str, IdentityResult] = {}  # the first final result per scanRef
        self.screenings: list[AmlScreening] = []
        self.pending: Verdict | None = None  # what staff are reviewing
        self.decision: ReviewDecision | None = None
        self.outcome: Verdict | None = None
        # A verified profile held until it lapses (kept through a renewal's session)
        self.verified_until: datetime | None = None
        self.verified_session_id: str | None = None
        self.notice_sent = False
        self.waiting: str | None = None  # what the run waits for, and until when
        self.ended: str | None = None  # how the run ended

    # ----- the run -----

    @workflow.run
    async def run(self, start: KycStart) -> str:
        self.waiting = "the buyer's session to be asked for"
        self._show()
        try:
            await workflow.wait_condition(
                lambda: self.phase == SESSION,
                timeout=start.abandoned_after,
                timeout_summary="Abandoned if no session is asked for",
            )
        except TimeoutError:
            self.ended, self.waiting = "ABANDONED", None
            self._show()
            return "ABANDONED"  # started by a request whose session never came
        while True:
            outcome = await self._verify()
            if self.verified_until is None:
                break  # rejected, or expired without a profile to hold
            if not await self._hold_profile():
                outcome = "LAPSED"
                break
        self.ended, self.waiting = outcome, None
        self._show()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def _verify(self) -> str:
        """One session: the identity result and the screenings, then the verdict."""
        session, request = self.session, self.request
        assert session is not None and request is not None and self.deadline_at is not None
        self.screenings = []
        company = workflow.start_activity_method(
            IdentityActivities.screen_aml,
            AmlRequest.company(
                session.client_id,
                request.company_name,
                request.country,
                self.start.aml_thresholds.review,
            ),
            **self._provider_options(),
            summary=f"AML screening of the company {request.company_name}",
        )
        arrived = await self._wait(
            lambda: session.scan_ref in self.results,
            self.deadline_at,
            what=f"the identity result of session {session.session_id}",
        )
        result = self.results.get(session.scan_ref)
        if not arrived or result is None or result.overall == EXPIRED:
            company.cancel()
            self.phase = DONE
            await self._record("EXPIRED", self._unverified("NOT_STARTED", "PENDING"))
            return EXPIRED
        self.phase = DECIDING
        self.screenings.append(await self._screened(company, "COMPANY", request.company_name))
        person = result.person
        if result.overall in (APPROVED, REVIEWING) and person.full_name:
            screening = workflow.start_activity_method(
                IdentityActivities.screen_aml,
                AmlRequest(
                    session.client_id,
                    PERSON,
                    person.full_name,
                    person.nationality,
                    person.date_of_birth,
                    self.start.aml_thresholds.review,
                ),
                **self._provider_options(),
                summary="AML screening of the representative",
            )
            self.screenings.append(await self._screened(screening, PERSON, person.full_name))
        decided = verdict(
            result.overall,
            result.fraud_tags,
            result.mismatch_tags,
            self.screenings,
            self.start.aml_thresholds,
        )
        decided_by, source = "SYSTEM", ChangeSource.SYSTEM
        if decided.outcome == REVIEW:
            self.phase, self.pending, self.decision = REVIEW, decided, None
            await self._record(
                REVIEW,
                self._unverified("IN_PROGRESS", "PENDING"),
                result=result,
                reason=decided.reason,
            )
            await self._wait(
                lambda: self.decision is not None, None, what=f"a staff review: {decided.reason}"
            )
            assert self.decision is not None
            decided = review_verdict(self.decision.approve, self.decision.reason, decided)
            decided_by, source = self.decision.reviewer, self.decision.source
            self.phase = DECIDING
        return await self._conclude(decided, result, decided_by, source)

    async def _conclude(
        self, decided: Verdict, result: IdentityResult, decided_by: str, source: ChangeSource
    ) -> str:
        assert self.session is not None and self.started_at and self.deadline_at
        now = workflow.now()
        profile: ProfileRef | None = None
        expires_at: datetime | None = None
        if decided.outcome == VERIFIED:
            expires_at = now + self.start.profile_valid_for
            profile = await workflow.execute_activity_method(
                KycProfileActivities.generate_kyc_profile,
                ProfileRequest(
                    buyer_uuid=self.start.buyer_uuid,
                    session_id=self.session.session_id,
                    scan_ref=self.session.scan_ref,
                    identity_status=result.overall,
                    decided_by=decided_by,
                    person=result.person,
                    screenings=self.screenings,
                    thresholds=self.start.aml_thresholds,
                    started_at=self.started_at,
                    verified_at=now,
                    expires_at=expires_at,
                    review_reason=self.pending.reason if self.pending else None,
                    fraud_tags=result.fraud_tags,
                    mismatch_tags=result.mismatch_tags,
                ),
                start_to_close_timeout=self.start.profile_timeout,
                retry_policy=RECORD_RETRY,
                summary=f"Make the signed KYC profile PDF (valid until {_utc(expires_at)})",
            )
            self.verified_until, self.notice_sent = expires_at, False
            self.verified_session_id = self.session.session_id
        else:
            self.verified_until = None  # a rejection ends any profile held until now
        data = {
            "buyerUuid": self.start.buyer_uuid,
            "outcome": decided.outcome,
            "sessionId": self.session.session_id,
            "completedAt": _utc(now),
        }
        if decided.reason and decided.outcome == REJECTED:
            data["reason"] = decided.reason
        self.outcome = decided
        await self._record(
            decided.outcome,
            BuyerKycState(decided.outcome, decided.aml_status, expires_at),
            result=result,
            aml_status=decided.aml_status,
            reason=decided.reason,
            decided_by=decided_by,
            completed_at=now,
            expires_at=expires_at,
            profile=profile,
            event=self._event("kyc.verification_completed", source, data),
            source=source,
        )
        # only now: a staff review's Update answers once the outcome is readable
        self.phase = VERIFIED if decided.outcome == VERIFIED else DONE
        return decided.outcome

    async def _hold_profile(self) -> bool:
        """Until the profile lapses: the notice first, then the lapse. True when a renewal's
        session opened meanwhile (the profile is still held while it runs)."""
        assert self.verified_until is not None
        self.phase = VERIFIED
        if not self.notice_sent:
            notice_at = self.verified_until - self.start.expiry_notice
            what = "kyc.verification_expiring notice (or a renewal)"
            if await self._wait(lambda: self.phase == SESSION, notice_at, False, what):
                return True
            self.notice_sent = True
            data = {
                "buyerUuid": self.start.buyer_uuid,
                "sessionId": self.verified_session_id,
                "expiresAt": _utc(self.verified_until),
            }
            await self._record_buyer(
                None, self._event("kyc.verification_expiring", ChangeSource.SYSTEM, data)
            )
        what = "the profile's lapse (or a renewal)"
        if await self._wait(lambda: self.phase == SESSION, self.verified_until, False, what):
            return True
        await self._lapse()
        return False

    async def _lapse(self) -> None:
        """The held profile's validity ran out: the buyer's orders are blocked until a new
        verification (the profile and its evidence stay)."""
        expired_at = self.verified_until
        self.verified_until = None
        await self._record_buyer(BuyerKycState("NOT_STARTED", "PENDING", expired_at, True), None)

    async def _wait(
        self,
        condition: Callable[[], bool],
        until: datetime | None,
        lapse: bool = True,
        what: str = "",
    ) -> bool:
        """Wait for ``condition`` (``what``) until ``until`` (None: for ever); meanwhile a
        profile held through a renewal lapses on time. True when the condition came true."""
        while True:
            lapse_at = self.verified_until if lapse else None
            moments = [m for m in (until, lapse_at) if m is not None]
            limit = f" until {_utc(min(moments))}" if moments else ""
            self.waiting = what + limit
            self._show()
            try:
                await workflow.wait_condition(
                    condition,
                    timeout=_left(min(moments)) if moments else None,
                    timeout_summary=(
                        "Lapse of the held profile"
                        if lapse_at is not None and min(moments) == lapse_at
                        else f"Deadline: {what}"
                    ),
                )
                self.waiting = None
                return True
            except TimeoutError:
                self.waiting = None
                if lapse_at is not None and workflow.now() >= lapse_at:
                    await self._lapse()
                    continue
                return False

    async def _screened(
        self, handle: workflow.ActivityHandle[AmlScreening], subject: str, name: str
    ) -> AmlScreening:
        """The screening, or one saying why there is none (staff then review the buyer)."""
        try:
            return await handle
        except ActivityError as error:
            cause = error.cause
            code = cause.type if isinstance(cause, ApplicationError) else type(cause).__name__
            assert self.request is not None
            return AmlScreening(
                subject=subject,
                full_name=name,
                nationality=self.request.country if subject != PERSON else None,
                date_of_birth=None,
                checked_at=workflow.now(),
                error=str(code),
            )

    def _show(self) -> None:
        """The Temporal UI's current details: the phase, the session and what comes next."""
        lines = [f"**KYC verification** of buyer `{self.start.buyer_uuid}`"]
        if self.request is not None:
            lines[0] += f" ({self.request.company_name}, {self.request.country})"
        lines.append(f"Phase **{self.ended or self.phase}**")
        if self.session is not None and self.deadline_at is not None:
            lines.append(f"Session `{self.session.session_id}` · deadline {_utc(self.deadline_at)}")
        if self.screenings:
            lines.append(
                "AML: "
                + ", ".join(
                    f"{s.subject} " + (f"error {s.error}" if s.error else f"{len(s.matches)} hits")
                    for s in self.screenings
                )
            )
        if self.outcome is not None:
            lines.append(
                f"Outcome **{self.outcome.outcome}**"
                + (f": {self.outcome.reason}" if self.outcome.reason else "")
            )
        if self.verified_until is not None:
            lines.append(f"Verified until {_utc(self.verified_until)}")
        if self.waiting:
            lines.append(f"Waiting for: {self.waiting}")
        workflow.set_current_details("\n\n".join(lines))

    def _provider_options(self) -> dict:
        return {
            "start_to_close_timeout": self.start.provider_timeout,
            "schedule_to_close_timeout": self.start.aml_give_up_after,
            "retry_policy": PROVIDER_RETRY,
        }

    # ----- writing the read model -----

    def _unverified(self, verification_status: str, aml_status: str) -> BuyerKycState | None:
        """The buyer's state for a session in progress, or None while a verified profile is
        held: a renewal does not take the buyer's verification away before it lapses."""
        if self.verified_until is not None:
            return None
        return BuyerKycState(verification_status, aml_status)

    async def _record(
        self,
        status: str,
        buyer: BuyerKycState | None,
        *,
        result: IdentityResult | None = None,
        aml_status: str | None = None,
        reason: str | None = None,
        decided_by: str | None = None,
        completed_at: datetime | None = None,
        expires_at: datetime | None = None,
        profile: ProfileRef | None = None,
        event: PendingEvent | None = None,
        source: ChangeSource = ChangeSource.SYSTEM,
    ) -> None:
        """The verification as it stands; a change of the buyer's state is told to its orders
        as made by ``source`` (a staff review's, or the workflow's own)."""
        assert self.session is not None and self.started_at and self.deadline_at
        await workflow.execute_activity_method(
            KycStoreActivities.record_verification,
            VerificationRecord(
                buyer_uuid=self.start.buyer_uuid,
                session=self.session,
                status=status,
                started_at=self.started_at,
                deadline_at=self.deadline_at,
                thresholds=self.start.aml_thresholds,
                identity_status=result.overall if result else None,
                fraud_tags=result.fraud_tags if result else [],
                mismatch_tags=result.mismatch_tags if result else [],
                person=result.person if result else None,
                aml_status=aml_status or (buyer.aml_status if buyer else None),
                reason=reason,
                decided_by=decided_by,
                completed_at=completed_at,
                expires_at=expires_at,
                profile=profile,
                screenings=self.screenings,
                buyer=buyer,
                events=[event] if event else [],
            ),
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
            summary=f"Record verification {status}" + (f" ({event.type})" if event else ""),
        )
        self._show()
        if buyer is not None:
            await self._notify_orders(source)

    async def _record_buyer(self, buyer: BuyerKycState | None, event: PendingEvent | None) -> None:
        """The buyer's state or an event alone: no session's evidence changes."""
        await workflow.execute_activity_method(
            KycStoreActivities.record_buyer_kyc,
            BuyerKycRecord(self.start.buyer_uuid, buyer, [event] if event else []),
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
            summary=f"Record the buyer's KYC {buyer.verification_status if buyer else ''}".rstrip()
            + (f" ({event.type})" if event else ""),
        )
        self._show()
        if buyer is not None:
            await self._notify_orders()

    async def _notify_orders(self, source: ChangeSource = ChangeSource.SYSTEM) -> None:
        await workflow.execute_activity_method(
            BuyerOrdersActivities.notify_buyer_orders,
            BuyerOrdersNotice(self.start.buyer_uuid, source=source),
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRY,
            summary="Tell the buyer's open orders",
        )

    def _event(self, type_: str, source: ChangeSource, data: dict) -> PendingEvent:
        return PendingEvent(
            id=f"evt_{workflow.uuid4().hex}",
            type=type_,
            source=source,
            created_at=workflow.now(),
            data=data,
        )

    # ----- the provider's result -----

    @workflow.signal
    def identity_result(self, result: IdentityResult) -> None:
        """A final callback of the provider; the first per session decides, replays do not."""
        if result.final and result.scan_ref not in self.results:
            self.results[result.scan_ref] = result

    # ----- commands -----

    @workflow.update
    async def open_session(self, request: OpenSession) -> SessionAnswer:
        async with self.opening:
            if self.phase == SESSION and self.session is not None:
                return SessionAnswer(self.session.session_id, self.session.idenfy_url, False)
            self._refuse_unless_open()  # again: the phase may have moved while waiting
            try:
                session = await workflow.execute_activity_method(
                    IdentityActivities.create_identity_session,
                    SessionRequest(self.start.buyer_uuid, request.first_name, request.last_name),
                    start_to_close_timeout=self.start.provider_timeout,
                    schedule_to_close_timeout=self.start.session_budget,
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(seconds=1),
                        maximum_interval=timedelta(seconds=5),
                    ),
                    summary=f"Create the identity session for {request.company_name}",
                )
            except ActivityError as error:
                raise refuse(
                    Refused.PROVIDER_UNAVAILABLE,
                    "The identity provider is unavailable; retry later.",
                    ProviderFailure(str(getattr(error.cause, "type", None) or error.cause)),
                ) from error
            now = workflow.now()
            self.request, self.session = request, session
            self.started_at, self.deadline_at = now, now + self.start.session_deadline
            self.phase = SESSION
            await self._record("IN_PROGRESS", self._unverified("IN_PROGRESS", "PENDING"))
            return SessionAnswer(session.session_id, session.idenfy_url, True)

    @open_session.validator
    def _validate_open_session(self, request: OpenSession) -> None:
        if self.phase != SESSION:
            self._refuse_unless_open()

    def _refuse_unless_open(self) -> None:
        if self.phase == REVIEW:
            raise refuse(Refused.AWAITING_REVIEW, "The buyer's verification awaits a staff review.")
        if self.phase in (DECIDING, DONE):
            raise refuse(
                Refused.BEING_DECIDED, "The buyer's verification is being decided; retry shortly."
            )
        if self.phase == VERIFIED and not self.notice_sent:
            assert self.verified_until is not None
            renew_from = self.verified_until - self.start.expiry_notice
            raise refuse(
                Refused.STILL_VERIFIED,
                f"The buyer is verified until {_utc(self.verified_until)}; a new verification "
                f"may start from {_utc(renew_from)} (kyc.verification_expiring).",
            )

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ReviewAnswer:
        self.decision = decision
        await workflow.wait_condition(lambda: self.phase not in (REVIEW, DECIDING))
        assert self.outcome is not None
        return ReviewAnswer(self.outcome.outcome, self.outcome.reason)

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        if self.phase != REVIEW or self.decision is not None:
            raise refuse(
                Refused.NO_REVIEW_PENDING, "No verification of this buyer awaits a staff review."
            )
        if not decision.approve and not decision.reason.strip():
            raise refuse(Refused.REJECTION_UNEXPLAINED, "A rejection needs a reason.")
        if len(decision.reason) > REVIEW_REASON_LENGTH:
            # refused here, not cut: the verdict's reason is the record, and one past its
            # column would have the decision's write retried for ever
            raise refuse(
                Refused.REASON_TOO_LONG,
                f"A review's reason is at most {REVIEW_REASON_LENGTH} characters.",
            )

    @workflow.query
    def state(self) -> dict:
        return {
            "phase": self.phase,
            "sessionId": self.session.session_id if self.session else None,
            "review": self.pending.reason if self.phase == REVIEW and self.pending else None,
            "verifiedUntil": _utc(self.verified_until) if self.verified_until else None,
        }


def _left(moment: datetime) -> timedelta:
    """The time to ``moment``; a timer needs at least a second."""
    return max(moment - workflow.now(), timedelta(seconds=1))


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
