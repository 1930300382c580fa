"""WebhookDeliveryWorkflow on the time-skipping server: the delivery's row and its receiver are
a mock that answers as each test scripts it.

What the user (the receiver's operator) depends on: a failed delivery is retried at the
schedule's offsets from its first failure (the first attempt standing in for the first offset:
as many attempts in all as the schedule has offsets), a ``Retry-After`` moves a retry later
but never past the schedule's end, the delivery fails for good once the schedule is spent, and
it waits (parked) while its endpoint is paused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import uuid4

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from tests.fast.harness import mocked_worker
from workflows.webhooks.activities import (
    DELIVERED,
    FAILED,
    PARKED,
    RETRY,
    AttemptOutcome,
    DeliveryInput,
    DeliveryRef,
    RetryPlan,
)
from workflows.webhooks.delivery import WebhookDeliveryWorkflow

pytestmark = pytest.mark.fast

SCHEDULE = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


@dataclass
class Answer:
    status: int
    retry_after: timedelta | None = None


@dataclass
class Receiver:
    """The delivery's row (its place in the schedule) and the receiver's scripted answers
    (after the last, it keeps failing with 500)."""

    answers: list[Answer] = field(default_factory=list)
    endpoint_active: bool = True
    pause_after_failures: int | None = None  # the endpoint is auto-paused after this many
    attempts: list[datetime] = field(default_factory=list)
    plans: list[RetryPlan] = field(default_factory=list)
    failing_since: datetime | None = None
    retries_used: int = 0

    @activity.defn(name="attempt_delivery")
    async def attempt_delivery(self, ref: DeliveryRef) -> AttemptOutcome:
        if not self.endpoint_active:
            return AttemptOutcome(PARKED)
        now = activity.info().current_attempt_scheduled_time
        self.attempts.append(now)
        answer = self.answers.pop(0) if self.answers else Answer(500)
        if 200 <= answer.status < 300:
            return AttemptOutcome(DELIVERED)
        if self.pause_after_failures == len(self.attempts):
            self.endpoint_active = False
        return AttemptOutcome(
            FAILED, now, answer.retry_after, self.failing_since, self.retries_used
        )

    @activity.defn(name="settle_failure")
    async def settle_failure(self, plan: RetryPlan) -> str:
        self.plans.append(plan)
        self.failing_since, self.retries_used = plan.failing_since, plan.retries_used
        if plan.next_attempt_at is None:
            return FAILED
        return RETRY if self.endpoint_active else PARKED

    def offsets(self) -> list[timedelta]:
        """Each attempt's time after the first, to the second."""
        first = self.attempts[0]
        return [timedelta(seconds=round((a - first).total_seconds())) for a in self.attempts]


@dataclass
class Deliveries:
    env: WorkflowEnvironment
    task_queue: str

    async def deliver(self, jitter: float = 0) -> str:
        delivery_id = f"del_{uuid4().hex}"
        return await self.env.client.execute_workflow(
            WebhookDeliveryWorkflow.run,
            DeliveryInput(delivery_id, SCHEDULE, jitter, timedelta(seconds=30)),
            id=f"webhook-delivery-{delivery_id}",
            task_queue=self.task_queue,
        )  # the server skips each retry's wait while the client waits for the outcome


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest_asyncio.fixture(loop_scope="session")
async def deliveries(
    time_skipping: WorkflowEnvironment, receiver: Receiver
) -> AsyncIterator[Deliveries]:
    activities = [receiver.attempt_delivery, receiver.settle_failure]
    async with mocked_worker(time_skipping, [WebhookDeliveryWorkflow], activities) as task_queue:
        yield Deliveries(time_skipping, task_queue)


async def test_a_failing_receiver_is_retried_on_the_schedule_until_it_answers(
    deliveries: Deliveries, receiver: Receiver
):
    receiver.answers = [Answer(500), Answer(502), Answer(500), Answer(204)]
    assert await deliveries.deliver() == DELIVERED
    assert receiver.offsets() == [timedelta(0), *SCHEDULE[1:]]


async def test_retry_after_moves_a_retry_later_but_never_past_the_schedule(
    deliveries: Deliveries, receiver: Receiver
):
    receiver.answers = [
        Answer(503, retry_after=timedelta(minutes=10)),  # later than the 5-minute retry
        Answer(429, retry_after=timedelta(days=1)),  # capped at the schedule's last offset
        Answer(200),
    ]
    assert await deliveries.deliver() == DELIVERED
    assert receiver.offsets() == [timedelta(0), timedelta(minutes=10), SCHEDULE[-1]]


async def test_a_delivery_fails_for_good_once_the_schedule_is_spent(
    deliveries: Deliveries, receiver: Receiver
):
    assert await deliveries.deliver() == FAILED
    # the first try and a retry at each later offset: one attempt per offset
    assert receiver.offsets() == [timedelta(0), *SCHEDULE[1:]]
    assert len(receiver.attempts) == len(SCHEDULE)
    assert receiver.plans[-1].next_attempt_at is None


async def test_jitter_spreads_retries_within_a_tenth_of_their_offset(
    deliveries: Deliveries, receiver: Receiver
):
    receiver.answers = [Answer(500), Answer(500), Answer(200)]
    assert await deliveries.deliver(jitter=0.1) == DELIVERED
    for offset, planned in zip(receiver.offsets()[1:], SCHEDULE[1:], strict=False):
        assert planned <= offset <= planned * 1.1 + timedelta(seconds=1)


async def test_a_delivery_to_an_endpoint_paused_meanwhile_is_parked(
    deliveries: Deliveries, receiver: Receiver
):
    receiver.pause_after_failures = 2
    assert await deliveries.deliver() == PARKED
    assert len(receiver.attempts) == 2  # no retry while paused: the sweep restarts it later
