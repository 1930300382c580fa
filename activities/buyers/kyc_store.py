"""Writing a buyer's verification to the read model: its session, screenings, KYC state, events.

One transaction per write, so the buyer's ``verificationStatus``/``amlStatus``, the session's
evidence row and the event describing the change commit together. Every write is idempotent:
the row is keyed by the session, screenings by (session, subject), events by the id the
workflow made, so a retried activity changes nothing twice.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.webhooks.delivery import kick_fan_out
from store.db import Database
from store.models import AmlScreening as AmlScreeningRow
from store.models import Buyer, Event, KycVerification
from workflows.buyers import activities as interface
from workflows.buyers.activities import (
    BuyerKycRecord,
    BuyerKycState,
    VerificationRecord,
)
from workflows.buyers.rules.kyc_verification import aml_level
from workflows.orders.activities import PendingEvent


class KycStoreActivities(interface.KycStoreActivities):
    def __init__(self, db: Database) -> None:
        self.db = db

    @activity.defn
    async def record_buyer_kyc(self, record: BuyerKycRecord) -> None:
        async with self.db.transaction() as session:
            buyer = await _buyer(session, record.buyer_uuid)
            await _apply(session, buyer, record.buyer, record.events)
        if record.events:
            await kick_fan_out(record.events[0].id)  # committed: deliver them now

    @activity.defn
    async def record_verification(self, record: VerificationRecord) -> None:
        async with self.db.transaction() as session:
            buyer = await _buyer(session, record.buyer_uuid)
            row = await session.scalar(
                select(KycVerification).where(
                    KycVerification.session_id == record.session.session_id
                )
            )
            if row is None:
                row = KycVerification(
                    organization_id=buyer.organization_id,
                    buyer_id=buyer.id,
                    session_id=record.session.session_id,
                    scan_ref=record.session.scan_ref,
                    workflow_id=activity.info().workflow_id,
                )
                session.add(row)
            row.status = record.status
            row.started_at = record.started_at
            row.deadline_at = record.deadline_at
            row.identity_status = record.identity_status
            row.fraud_tags = record.fraud_tags
            row.mismatch_tags = record.mismatch_tags
            row.person = vars(record.person) if record.person else None
            row.aml_status = record.aml_status
            row.reason = record.reason
            row.decided_by = record.decided_by
            row.completed_at = record.completed_at
            row.expires_at = record.expires_at
            if record.profile is not None:
                row.profile_sha256 = record.profile.sha256
                row.profile_size = record.profile.size
                row.profile_generated_at = record.profile.generated_at
            await session.flush()
            stored = set(
                await session.scalars(
                    select(AmlScreeningRow.subject).where(AmlScreeningRow.verification_id == row.id)
                )
            )
            for screening in record.screenings:
                if screening.subject in stored:
                    continue
                session.add(
                    AmlScreeningRow(
                        verification_id=row.id,
                        subject=screening.subject,
                        full_name=screening.full_name,
                        nationality=screening.nationality,
                        date_of_birth=screening.date_of_birth,
                        check_id=screening.check_id,
                        checked_at=screening.checked_at,
                        top_score=screening.top_score,
                        level=aml_level(screening, record.thresholds),
                        matches=[vars(m) for m in screening.matches],
                        error=screening.error,
                    )
                )
            await _apply(session, buyer, record.buyer, record.events)
        if record.events:
            await kick_fan_out(record.events[0].id)  # committed: deliver them now


async def _buyer(session: AsyncSession, buyer_uuid: str) -> Buyer:
    buyer = await session.scalar(select(Buyer).where(Buyer.uuid == UUID(buyer_uuid)))
    if buyer is None:
        raise ApplicationError(
            f"unknown buyer {buyer_uuid}", type="UNKNOWN_BUYER", non_retryable=True
        )
    return buyer


async def _apply(
    session: AsyncSession, buyer: Buyer, state: BuyerKycState | None, events: list[PendingEvent]
) -> None:
    if state is not None:
        # KYC state, not the buyer resource: its version stays, as with VIES results
        buyer.verification_status = state.verification_status
        buyer.aml_status = state.aml_status
        buyer.verification_expires_at = state.expires_at
        buyer.verification_expired = state.expired
    known = set(await session.scalars(select(Event.id).where(Event.id.in_([e.id for e in events]))))
    for event in events:
        if event.id not in known:
            session.add(
                Event(
                    id=event.id,
                    organization_id=buyer.organization_id,
                    partner_id=buyer.partner_id,
                    type=event.type,
                    source=event.source,
                    data=event.data,
                    created_at=event.created_at,
                )
            )
