"""Webhook workflows: one per delivery (its attempts and retry timers), the fan-out a write
kicked before the outbox relay did it (kept for the runs and histories of then), and the sweep
a Temporal Schedule runs.

One workflow per delivery (id ``webhook-delivery-{del_...}``), so a receiver's retries never
hold up another event or another endpoint. An event's delivery that the outbox relay got
through at its first attempt needs none; one whose first attempt failed starts with that
outcome and plans its retry. The delivery's state is in the database; the workflow owns the
timing: it plans each retry on the contract's schedule (offsets from the first failure, the
first attempt counting as the schedule's first, a little jitter from ``workflow.random()``, a
``Retry-After`` honoured) and sleeps until it. While the endpoint is paused or disabled it
ends ("parked"); the delivery stays PENDING and a sweep starts it again once the endpoint is
active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import search_attributes as sa
    from workflows.activities import EmailActivities
    from workflows.webhooks.activities import (
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
    )
    from workflows.webhooks.rules import next_attempt_at, retry_offsets

# The first attempt counts as the first of the schedule's: the contract's "up to 10 attempts"
# are the first and nine retries, the last at the schedule's last offset (runs before the patch
# made the first and a retry at every offset of the schedule, eleven attempts in all)
_TEN_ATTEMPTS = "first-attempt-counts-in-the-schedule"

# Database work: small and idempotent, retried until the database is back.
DB_TIMEOUT = timedelta(minutes=1)
DB_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))


@workflow.defn(name=DELIVERY_WORKFLOW)
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, request: DeliveryInput) -> str:
        """DELIVERED, FAILED (retries exhausted), PARKED or GONE."""
        ref = DeliveryRef(request.delivery_id)
        # what the starter said of the delivery (search attributes): for the Temporal UI
        found = workflow.info().typed_search_attributes
        event, endpoint = found.get(sa.EVENT_TYPE), found.get(sa.WEBHOOK_ENDPOINT_ID)
        what = f"{event or 'event'}" + (f" to endpoint {endpoint}" if endpoint else "")
        attempts = 0
        _show(request.delivery_id, what, "attempting", attempts)
        # asked once, before the first plan: a run keeps the schedule it began with
        retries = (
            retry_offsets(request.retry_schedule)
            if workflow.patched(_TEN_ATTEMPTS)
            else request.retry_schedule
        )
        outcome = request.first_outcome
        while True:
            attempts += 1
            if outcome is None:
                outcome = await workflow.execute_activity_method(
                    WebhookActivities.attempt_delivery,
                    ref,
                    start_to_close_timeout=request.attempt_timeout,
                    retry_policy=DB_RETRY,
                    summary=f"Deliver {what} (attempt {attempts} of this run)",
                )
            if outcome.result != FAILED:
                _show(request.delivery_id, what, outcome.result, attempts)
                return outcome.result
            assert outcome.attempted_at is not None
            failing_since = outcome.failing_since or outcome.attempted_at
            due = next_attempt_at(
                retries,
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
                summary=f"Failed: next retry at {_utc(due)}" if due else "Failed: no retry left",
            )
            if settled != RETRY:
                _show(request.delivery_id, what, settled, attempts)
                return settled
            assert due is not None
            _show(request.delivery_id, what, "failing", attempts, due, failing_since)
            if due > workflow.now():
                await workflow.sleep(
                    due - workflow.now(),
                    summary=f"Retry {outcome.retries_used + 1} at {_utc(due)}",
                )
            outcome = None


def _show(
    delivery_id: str,
    what: str,
    state: str,
    attempts: int,
    retry_at: datetime | None = None,
    failing_since: datetime | None = None,
) -> None:
    """The Temporal UI's current details of a delivery."""
    lines = [
        f"**Webhook delivery** `{delivery_id}`: {what}",
        f"State **{state}** · {attempts} attempts in this run",
    ]
    if failing_since is not None:
        lines.append(f"Failing since {_utc(failing_since)}")
    if retry_at is not None:
        lines.append(f"Waiting for: the next retry at {_utc(retry_at)}")
    workflow.set_current_details("\n\n".join(lines))


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _fan_out(batch: Batch) -> int:
    total = 0
    while True:
        claimed = await workflow.execute_activity_method(
            WebhookActivities.fan_out_events,
            batch,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=f"Fan out up to {batch.size} events to their endpoints",
        )
        total += claimed
        workflow.set_current_details(f"**Fan-out**: {total} events fanned out")
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
        started = 0
        after: int | None = 0  # the last delivery started; None: no more pages
        while after is not None:
            page = await workflow.execute_activity_method(
                WebhookActivities.start_pending_deliveries,
                Cursor(after, batch.size),
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
                summary=f"Start pending deliveries after id {after}",
            )
            started, after = started + page.started, page.next_after
            _show_sweep(fanned_out, started)
        purged = 0
        while True:
            deleted = await workflow.execute_activity_method(
                WebhookActivities.purge_deliveries,
                batch,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
                summary=f"Purge up to {batch.size} expired deliveries",
            )
            purged += deleted
            _show_sweep(fanned_out, started, purged)
            if deleted < batch.size:
                return SweepResult(fanned_out, started, purged)


def _show_sweep(fanned_out: int, started: int, purged: int = 0) -> None:
    workflow.set_current_details(
        f"**Webhook sweep**: {fanned_out} events fanned out · {started} deliveries started "
        f"· {purged} expired deliveries purged"
    )


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
            summary=f"Compose the auto-pause notice of {notice.event_id}",
        )
        if mail is None:
            workflow.set_current_details(f"**Auto-pause notice** of `{notice.event_id}`: none due")
            return False
        workflow.set_current_details(
            f"**Auto-pause notice** of `{notice.event_id}`: mailing {len(mail.to)} administrators"
        )
        await workflow.execute_activity_method(
            EmailActivities.send_email,
            mail,
            start_to_close_timeout=timedelta(minutes=2),
            # a relay that stays down for a day makes the notice moot: the endpoint shows it
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10)),
            schedule_to_close_timeout=timedelta(days=1),
            summary=f"E-mail the auto-pause notice: {mail.subject}",
        )
        workflow.set_current_details(f"**Auto-pause notice** of `{notice.event_id}`: sent")
        return True
