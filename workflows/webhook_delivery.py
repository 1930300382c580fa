"""Webhook workflows: one per delivery (its attempts and retry timers), the fan-out a write
kicks, and the sweep a Temporal Schedule runs.

One workflow per delivery (id ``webhook-delivery-{del_...}``), so a receiver's retries never
hold up another event or another endpoint. The delivery's state is in the database; the
workflow owns the timing: it plans each retry on the contract's schedule (offsets from the
first failure, a little jitter from ``workflow.random()``, a ``Retry-After`` honoured) and
sleeps until it. While the endpoint is paused or disabled it ends ("parked"); the delivery
stays PENDING and a sweep starts it again once the endpoint is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from activities.webhooks import (
        DELIVERY_WORKFLOW,
        FAILED,
        FAN_OUT_WORKFLOW,
        PAUSED_NOTICE_WORKFLOW,
        RETRY,
        SWEEP_WORKFLOW,
        Batch,
        Cursor,
        DeliveryInput,
        DeliveryRef,
        PausedNotice,
        RetryPlan,
        WebhookActivities,
        next_attempt_at,
    )

# Database work: small and idempotent, retried until the database is back.
DB_TIMEOUT = timedelta(minutes=1)
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@workflow.defn(name=DELIVERY_WORKFLOW)
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, request: DeliveryInput) -> str:
        """DELIVERED, FAILED (retries exhausted), PARKED or GONE."""
        ref = DeliveryRef(request.delivery_id)
        while True:
            outcome = await workflow.execute_activity_method(
                WebhookActivities.attempt_delivery,
                ref,
                start_to_close_timeout=request.attempt_timeout,
                retry_policy=DB_RETRY,
            )
            if outcome.result != FAILED:
                return outcome.result
            assert outcome.attempted_at is not None
            failing_since = outcome.failing_since or outcome.attempted_at
            due = next_attempt_at(
                request.retry_schedule,
                failing_since,
                outcome.retries_used,
                outcome.attempted_at,
                outcome.retry_after,
                workflow.random().uniform(0, request.jitter),
            )
            settled = await workflow.execute_activity_method(
                WebhookActivities.settle_failure,
                RetryPlan(
                    request.delivery_id,
                    failing_since,
                    outcome.retries_used + 1 if due else outcome.retries_used,
                    due,
                ),
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
            if settled != RETRY:
                return settled
            assert due is not None
            if due > workflow.now():
                await workflow.sleep(due - workflow.now())


async def _fan_out(batch: Batch) -> int:
    total = 0
    while True:
        claimed = await workflow.execute_activity_method(
            WebhookActivities.fan_out_events,
            batch,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        total += claimed
        if claimed < batch.size:
            return total


@workflow.defn(name=FAN_OUT_WORKFLOW)
class WebhookFanOutWorkflow:
    """Started right after events are written (id ``webhook-fanout-{evt_...}``)."""

    @workflow.run
    async def run(self, batch: Batch) -> int:
        return await _fan_out(batch)


@dataclass
class SweepResult:
    fanned_out: int
    started: int
    purged: int


@workflow.defn(name=SWEEP_WORKFLOW)
class WebhookSweepWorkflow:
    """The safety net, on the ``webhook-sweep`` Schedule and on resume: fan out events whose
    kick was lost, start deliveries that should be running, purge expired history."""

    @workflow.run
    async def run(self, batch: Batch) -> SweepResult:
        fanned_out = await _fan_out(batch)
        started, after = 0, 0
        while after is not None:
            page = await workflow.execute_activity_method(
                WebhookActivities.start_pending_deliveries,
                Cursor(after, batch.size),
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
            started, after = started + page.started, page.next_after
        purged = 0
        while True:
            deleted = await workflow.execute_activity_method(
                WebhookActivities.purge_deliveries,
                batch,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
            purged += deleted
            if deleted < batch.size:
                return SweepResult(fanned_out, started, purged)


@workflow.defn(name=PAUSED_NOTICE_WORKFLOW)
class WebhookPausedNoticeWorkflow:
    """Mails the organization's administrators that an endpoint was auto-paused (the contract
    sends them an e-mail beside the ``webhook.endpoint_auto_paused`` event)."""

    @workflow.run
    async def run(self, notice: PausedNotice) -> bool:
        mail = await workflow.execute_activity_method(
            WebhookActivities.compose_paused_notice,
            notice,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
        if mail is None:
            return False
        await workflow.execute_activity_method(
            EmailActivities.send_email,
            mail,
            start_to_close_timeout=timedelta(minutes=2),
            # a relay that stays down for a day makes the notice moot: the endpoint shows it
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
            schedule_to_close_timeout=timedelta(days=1),
        )
        return True
