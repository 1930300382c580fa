"""The side effects of a self-service invitation's workflow: e-mailing the link, and writing
how the invitation ended (with its event, in the same transaction: the outbox).

The e-mail is composed here rather than in the workflow: the link is a bearer credential, so
it is derived from the secret key in the activity and never enters Temporal's history. It is
sent through ``EmailActivities.send_email``, so its errors read as every e-mail's do.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.email import EmailActivities
from activities.webhooks.delivery import kick_fan_out
from settings import Settings
from store import i18n
from store.buyers.buyers import active_kyc_document_types
from store.buyers.invitations import KYC, TEMPLATES, checklist, link_url
from store.db import Database
from store.i18n import BuyerLocale
from store.models import Event, SelfServiceInvitation, utcnow
from store.webhooks.events import record_event, utc_timestamp
from workflows.activities import OutgoingEmail
from workflows.buyers import activities as interface
from workflows.buyers.activities import InvitationRef, InvitationSettled, InvitationSettlement
from workflows.buyers.invitation_model import ACTIVE, EXPIRED, USED


class InvitationActivities(interface.InvitationActivities):
    def __init__(self, db: Database, settings: Settings, email: EmailActivities) -> None:
        self.db = db
        self.settings = settings
        self.email = email

    @activity.defn
    async def email_invitation(self, ref: InvitationRef) -> str | None:
        """Send the buyer its link; the Message-ID, or None when the invitation has ended."""
        async with self.db.session() as session:
            invitation = await session.scalar(
                select(SelfServiceInvitation)
                .options(
                    selectinload(SelfServiceInvitation.buyer),
                    selectinload(SelfServiceInvitation.partner),
                )
                .where(SelfServiceInvitation.uuid == UUID(ref.invitation_uuid))
            )
            if invitation is None:
                raise ApplicationError(
                    f"unknown invitation {ref.invitation_uuid}", non_retryable=True
                )
            if invitation.status != ACTIVE:
                return None
            active_types = await active_kyc_document_types(session, invitation.buyer_id)
        message_id = await self.email.send_email(self.compose(invitation, active_types))
        async with self.db.transaction() as session:
            row = await session.get(SelfServiceInvitation, invitation.id)
            assert row is not None
            row.emailed_at, row.email_message_id = utcnow(), message_id
        return message_id

    def compose(self, invitation: SelfServiceInvitation, active_types: set[str]) -> OutgoingEmail:
        """The e-mail in the buyer's language (its country's: store/i18n.py), text and HTML."""
        t = BuyerLocale.for_country(invitation.buyer.country)
        settings = self.settings
        context = {
            "seller": invitation.partner.name,
            "company": invitation.buyer.company_name,
            "link": link_url(settings, invitation.uuid),
            "expires_at": invitation.expires_at,
            "checklist": checklist(invitation.buyer.kyc_mode, active_types),
            "legal_entity": settings.platform_legal_name,
            "legal_address": settings.platform_legal_address,
            "contact": settings.buyer_contact_email,
        }
        return OutgoingEmail(
            to=[invitation.recipient_email],
            subject=t.gettext("%(seller)s asks for your company documents")
            % {"seller": invitation.partner.name},
            text=i18n.render(TEMPLATES, "self_service/email.txt", t, **context),
            html=i18n.render(TEMPLATES, "self_service/email.html", t, **context),
            reply_to=settings.buyer_contact_email or None,
        )

    @activity.defn
    async def settle_invitation(self, settlement: InvitationSettlement) -> InvitationSettled:
        """End an ACTIVE invitation as USED, REVOKED or EXPIRED, with its event. One that has
        already ended keeps its status (a retry of a write that committed lands here too)."""
        async with self.db.transaction() as session:
            invitation = await session.scalar(
                select(SelfServiceInvitation)
                .options(selectinload(SelfServiceInvitation.buyer))
                .where(SelfServiceInvitation.uuid == UUID(settlement.invitation_uuid))
                .with_for_update()  # an upload through the link finishes first, or sees this
            )
            if invitation is None:
                raise ApplicationError(
                    f"unknown invitation {settlement.invitation_uuid}", non_retryable=True
                )
            if invitation.status != ACTIVE:
                return InvitationSettled(invitation.status)
            invitation.status = settlement.status
            event = None
            if settlement.status == USED:
                invitation.used_at = settlement.at
                event = self._event(session, invitation, settlement, "self_service_invitation.used")
            elif settlement.status == EXPIRED:
                event = self._event(
                    session,
                    invitation,
                    settlement,
                    "self_service_invitation.expired",
                    expiresAt=utc_timestamp(invitation.expires_at),
                )
            else:
                invitation.revoked_at = settlement.at
                invitation.revocation_reason = settlement.reason
        if event is not None:
            await kick_fan_out(event.id)  # committed: deliver it now
        return InvitationSettled(settlement.status)

    @staticmethod
    def _event(
        session: AsyncSession,
        invitation: SelfServiceInvitation,
        settlement: InvitationSettlement,
        event_type: str,
        **data: Any,
    ) -> Event:
        return record_event(
            session,
            invitation.organization_id,
            event_type,
            {
                "invitationUuid": str(invitation.uuid),
                "kind": KYC,
                "buyerUuid": str(invitation.buyer.uuid),
            }
            | data,
            settlement.at,
            partner_id=invitation.partner_id,
            source=settlement.source,
        )
