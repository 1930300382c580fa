"""What the webhooks' workflows call: each activity's name, input and output, the workflow
names the activities start them by, and the statuses both read, nothing else (the convention
is explained in workflows/buyers/activities.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import activity

from workflows.activities import OutgoingEmail

DELIVERY_WORKFLOW = "WebhookDeliveryWorkflow"
FAN_OUT_WORKFLOW = "WebhookFanOutWorkflow"
SWEEP_WORKFLOW = "WebhookSweepWorkflow"
PAUSED_NOTICE_WORKFLOW = "WebhookPausedNoticeWorkflow"
BATCH = 200

# Delivery statuses, endpoint statuses, and what an attempt or a settlement came to
PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
ACTIVE, PAUSED, DISABLED = "ACTIVE", "PAUSED", "DISABLED"
RETRY = "RETRY"  # failed; the next attempt is planned
PARKED = "PARKED"  # the endpoint is not active: wait, without a workflow, until it is again
GONE = "GONE"  # the delivery or its endpoint was deleted, or it was settled meanwhile


@dataclass
class PausedNotice:
    event_id: str  # the webhook.endpoint_auto_paused event


@dataclass
class DeliveryRef:
    delivery_id: str


@dataclass
class AttemptOutcome:
    result: str  # DELIVERED, FAILED, PARKED (not attempted) or GONE
    # of a failure: when it was attempted (server clock), the receiver's Retry-After, and the
    # delivery's place in its retry schedule before this attempt
    attempted_at: datetime | None = None
    retry_after: timedelta | None = None
    failing_since: datetime | None = None
    retries_used: int = 0


@dataclass
class DeliveryInput:
    delivery_id: str
    # the contract's schedule, offsets from the first failed attempt: one per attempt, the
    # first attempt (made at once) standing in for the first (rules.retry_offsets)
    retry_schedule: list[timedelta]
    jitter: float  # each retry lands up to this fraction of its offset later
    attempt_timeout: timedelta  # one attempt: the receiver's time plus database work
    # the first attempt, made already by the outbox relay and FAILED: the workflow starts by
    # planning its retry (None: the workflow makes the first attempt)
    first_outcome: AttemptOutcome | None = None


@dataclass
class RetryPlan:
    delivery_id: str
    failing_since: datetime
    retries_used: int
    next_attempt_at: datetime | None  # None: the schedule is exhausted, the delivery FAILED


@dataclass
class Batch:
    size: int = BATCH


@dataclass
class Cursor:
    after: int  # deliveries with a greater id
    size: int = BATCH


@dataclass
class StartedPage:
    started: int
    next_after: int | None  # None: the last page


class WebhookActivities:
    @activity.defn
    async def fan_out_events(self, batch: Batch) -> int:
        raise NotImplementedError

    @activity.defn
    async def compose_paused_notice(self, notice: PausedNotice) -> OutgoingEmail | None:
        raise NotImplementedError

    @activity.defn
    async def attempt_delivery(self, ref: DeliveryRef) -> AttemptOutcome:
        raise NotImplementedError

    @activity.defn
    async def settle_failure(self, plan: RetryPlan) -> str:
        raise NotImplementedError

    @activity.defn
    async def start_pending_deliveries(self, cursor: Cursor) -> StartedPage:
        raise NotImplementedError

    @activity.defn
    async def purge_deliveries(self, batch: Batch) -> int:
        raise NotImplementedError
