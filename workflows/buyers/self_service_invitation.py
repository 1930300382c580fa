"""SelfServiceInvitationWorkflow: one KYC self-service invitation, from the e-mail to its end.

It e-mails the buyer its link, then waits for the first of: the buyer submitting its uploads
(``use``: USED, event ``self_service_invitation.used``), the integrator revoking it
(``revoke``: REVOKED), or its time to live running out (a durable timer: EXPIRED, event
``self_service_invitation.expired``). Each end is written with its event in one transaction
by an activity, and the workflow completes. The uploads themselves are written by the page,
straight to the buyer's KYC records; the workflow only decides the invitation's status.

The e-mail is sent while the workflow already waits, so an SMTP relay that is down delays
neither a revoke nor the expiry; it is retried until the invitation ends, then dropped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.change_source import ChangeSource

with workflow.unsafe.imports_passed_through():
    from workflows.buyers.activities import (
        InvitationActivities,
        InvitationRef,
        InvitationSettled,
        InvitationSettlement,
    )
    from workflows.buyers.invitation_model import ACTIVE, EXPIRED, REVOKED, USED
    from workflows.buyers.invitation_refusals import InvitationRefusalReason as Refused
    from workflows.refusal import refuse

EMAIL_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=10))
SETTLE_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))  # until the database is back


@dataclass
class InvitationStart:
    invitation_uuid: str
    expires_at: datetime
    activity_timeout: timedelta  # one attempt of an activity (settings, by the starter)


@dataclass
class UseInvitation:
    """The buyer submitted what it uploaded through the link (the page's last step)."""


@dataclass
class RevokeInvitation:
    reason: str


@workflow.defn
class SelfServiceInvitationWorkflow:
    @workflow.init
    def __init__(self, start: InvitationStart) -> None:
        self.start = start
        self.status = ACTIVE
        self.ending: InvitationSettlement | None = None
        self.email = "sending"

    @workflow.run
    async def run(self, start: InvitationStart) -> str:
        email = asyncio.create_task(self._email())
        self._show()
        try:
            await workflow.wait_condition(
                lambda: self.ending is not None,
                # a timer must be positive: one already due fires at once
                timeout=max(start.expires_at - workflow.now(), timedelta(seconds=1)),
                timeout_summary=f"Invitation expires at {_utc(start.expires_at)}",
            )
        except TimeoutError:
            if self.ending is None:  # an Update accepted with the timer's firing came first
                await self._settle(EXPIRED, ChangeSource.SYSTEM)
        email.cancel()  # a link that no longer works is not worth sending
        self._show()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status

    async def _email(self) -> None:
        try:
            await workflow.execute_activity_method(
                InvitationActivities.email_invitation,
                InvitationRef(self.start.invitation_uuid),
                start_to_close_timeout=self.start.activity_timeout,
                schedule_to_close_timeout=max(
                    self.start.expires_at - workflow.now(), self.start.activity_timeout
                ),
                retry_policy=EMAIL_RETRY,
                summary="E-mail the invitation link to the buyer",
            )
            self.email = "sent"
        except ActivityError as error:
            # a bounce, or a relay down until expiry: the integrator still has publicLinkUrl
            workflow.logger.warning("invitation e-mail not sent: %s", error.cause)
            self.email = "not sent"
        self._show()

    def _show(self) -> None:
        """The Temporal UI's current details: the invitation's status and its expiry."""
        lines = [
            f"**Self-service invitation** `{self.start.invitation_uuid}`",
            f"Status **{self.status}** · e-mail {self.email}",
        ]
        if self.ending is not None:
            lines.append(f"Ended {_utc(self.ending.at)} by {self.ending.source}")
        else:
            lines.append(f"Waiting for: the buyer's uploads until {_utc(self.start.expires_at)}")
        workflow.set_current_details("\n\n".join(lines))

    @workflow.update
    async def use(self, command: UseInvitation) -> InvitationSettled:
        return await self._settle(USED, ChangeSource.WEB_APP)

    @use.validator
    def _validate_use(self, command: UseInvitation) -> None:
        self._require_active()

    @workflow.update
    async def revoke(self, command: RevokeInvitation) -> InvitationSettled:
        return await self._settle(REVOKED, ChangeSource.API, command.reason)

    @revoke.validator
    def _validate_revoke(self, command: RevokeInvitation) -> None:
        self._require_active()

    def _require_active(self) -> None:
        if self.ending is not None:
            raise refuse(Refused.ENDED, f"The invitation is {self.ending.status} already.")
        if workflow.now() >= self.start.expires_at:
            raise refuse(Refused.EXPIRED, "The invitation has expired.")

    async def _settle(
        self, status: str, source: ChangeSource, reason: str | None = None
    ) -> InvitationSettled:
        self.ending = InvitationSettlement(
            self.start.invitation_uuid, status, workflow.now(), source, reason
        )
        settled: InvitationSettled = await workflow.execute_activity_method(
            InvitationActivities.settle_invitation,
            self.ending,
            start_to_close_timeout=self.start.activity_timeout,
            retry_policy=SETTLE_RETRY,
            summary=f"Settle the invitation: {status}",
        )
        self.status = settled.status
        self._show()
        return settled


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
