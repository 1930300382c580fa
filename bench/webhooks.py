"""Webhook figures: how fast events reach a receiver after the state change that made them,
how many a worker delivers at saturation, and what each costs in Temporal actions.

A receiver in the bench process (uvicorn on loopback) notes when each event arrives. The
delay is measured from the event's row in the outbox (``events.created_at``, written in the
same transaction as the state change) to its arrival: both clocks are this machine's. The
saturation figure writes a burst of events to the outbox in one transaction and kicks one
fan-out, as a producer does; the actions are counted in the histories of the fan-out and
delivery workflows the webhooks started. Where the delay goes is read from the same
histories and the outbox: event written -> fanned out (``events.fanned_out_at``) -> its
delivery workflow started -> the attempt's activity started -> the receiver got it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

import uvicorn
from fastapi import FastAPI, Request, Response
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from bench.client import HttpClient
from bench.stack import HOST
from devstack import free_port
from store.db import Database
from store.models import Event, Organization, WebhookDelivery
from store.webhooks.events import EVENT_TYPES, record_event
from workflows.ids import webhook_delivery_workflow_id, webhook_fan_out_workflow_id
from workflows.webhooks.activities import DELIVERY_WORKFLOW, FAN_OUT_WORKFLOW, Batch

# every event an order's lifecycle makes; the meta events (webhook.*) go to other endpoints
ORDER_EVENTS = [t for t in EVENT_TYPES if not t.startswith("webhook.")]

# History events that are Temporal actions as Temporal Cloud bills them: a workflow's start,
# each activity (its retries: ACTIVITY_TASK_STARTED's attempt), timer, signal, search-attribute
# upsert, child workflow, marker (local activities, patches) and accepted Update
ACTION_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
}


class Receiver:
    """Answers 200 at once and notes each event's arrival (wall clock, seconds)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            event = json.loads(await request.body())
            self.arrivals.setdefault(event["id"], time.time())
            return Response(status_code=200)

    async def settle(self, database_url: str, since: datetime, seconds: float) -> dict[str, float]:
        """The order events written since ``since`` (see ``event_times``), once every one has
        arrived and no new one was written for a second, or after ``seconds``."""
        deadline = time.monotonic() + seconds
        written: dict[str, float] = {}
        db = Database(database_url)
        try:
            while True:
                before = len(written)
                written = await event_times(db, since)
                done = len(written) == before and written.keys() <= self.arrivals.keys()
                if done or time.monotonic() > deadline:
                    return written
                await asyncio.sleep(1)
        finally:
            await db.dispose()


@asynccontextmanager
async def receiving(api: HttpClient) -> AsyncIterator[Receiver]:
    """A receiver on loopback, registered as an endpoint of the bench organization."""
    receiver = Receiver()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(receiver.app, host=HOST, port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    answer = await api.request(
        "POST",
        "/v1/webhooks",
        json_body={"url": f"http://{HOST}:{port}/hook", "events": ORDER_EVENTS},
        headers={"Idempotency-Key": str(uuid4())},
    )
    if answer.status != 201:
        raise RuntimeError(f"webhook registration answered {answer.status}: {answer.text()}")
    try:
        yield receiver
    finally:
        await api.request("DELETE", f"/v1/webhooks/{answer.json()['id']}")
        server.should_exit = True
        await task


async def event_times(db: Database, since: datetime) -> dict[str, float]:
    """When each order event since ``since`` was written to the outbox (epoch seconds)."""
    async with db.session() as session:
        rows = await session.execute(
            select(Event.id, Event.created_at).where(
                Event.created_at >= since, Event.type.in_(ORDER_EVENTS)
            )
        )
        return {event_id: created.timestamp() for event_id, created in rows}


def delivery_delays(written: dict[str, float], arrivals: dict[str, float]) -> list[float]:
    """Seconds from each written event's outbox row to its arrival, for those that arrived."""
    return [arrivals[e] - t for e, t in written.items() if e in arrivals]


def actions(history: WorkflowHistory) -> int:
    """The Temporal actions one workflow history cost (see ``ACTION_EVENTS``)."""
    count = 0
    for event in history.events:
        if event.event_type in ACTION_EVENTS:
            count += 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            count += event.activity_task_started_event_attributes.attempt - 1
    return count


@dataclass
class WebhookRuns:
    """The fan-out and delivery workflows started in a window, their actions, and when each
    delivery started and its first attempt began (epoch seconds, by delivery id)."""

    fan_outs: int = 0
    deliveries: int = 0
    actions: int = 0
    fan_out_started: dict[str, float] = field(default_factory=dict)  # by the kicking event
    delivery_started: dict[str, float] = field(default_factory=dict)
    attempt_started: dict[str, float] = field(default_factory=dict)


async def webhook_runs(client: Client, since: datetime) -> WebhookRuns:
    """The fan-out and delivery workflows started since ``since``: counts, actions, times."""
    found = WebhookRuns()
    moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for kind in (FAN_OUT_WORKFLOW, DELIVERY_WORKFLOW):
        query = f"WorkflowType = '{kind}' AND StartTime >= '{moment}'"
        async for run in client.list_workflows(query):
            history = await client.get_workflow_handle(run.id, run_id=run.run_id).fetch_history()
            found.actions += actions(history)
            if kind == FAN_OUT_WORKFLOW:
                found.fan_outs += 1
                kicker = run.id.removeprefix(webhook_fan_out_workflow_id(""))
                found.fan_out_started[kicker] = run.start_time.timestamp()
                continue
            found.deliveries += 1
            delivery = run.id.removeprefix(webhook_delivery_workflow_id(""))
            found.delivery_started[delivery] = run.start_time.timestamp()
            attempt = next(
                (
                    e.event_time.ToDatetime(UTC).timestamp()
                    for e in history.events
                    if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
                ),
                None,
            )
            if attempt is not None:
                found.attempt_started[delivery] = attempt
    return found


# the hops of a delivery, as delay_breakdown names them; the first, a part of the second, is
# known for the event that kicked its fan-out workflow
HOPS = (
    "written -> fan-out workflow started",
    "written -> fanned out",
    "fanned out -> delivery workflow started",
    "delivery started -> attempt started",
    "attempt started -> received",
)


async def delay_breakdown(
    database_url: str, runs: WebhookRuns, arrivals: dict[str, float]
) -> dict[str, list[float]]:
    """Seconds each hop in ``HOPS`` took, over the deliveries in ``runs`` whose event arrived
    (their first attempt)."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            rows = (
                await session.execute(
                    select(
                        WebhookDelivery.public_id, Event.id, Event.created_at, Event.fanned_out_at
                    )
                    .join(Event, WebhookDelivery.event_sequence == Event.sequence)
                    .where(WebhookDelivery.public_id.in_(list(runs.delivery_started)))
                )
            ).all()
    finally:
        await db.dispose()
    hops: dict[str, list[float]] = {hop: [] for hop in HOPS}
    for delivery, event, written, fanned_out in rows:
        attempt = runs.attempt_started.get(delivery)
        if event not in arrivals or attempt is None or fanned_out is None:
            continue
        moments = [
            written.timestamp(),
            fanned_out.timestamp(),
            runs.delivery_started[delivery],
            attempt,
            arrivals[event],
        ]
        for hop, start, end in zip(HOPS[1:], moments[:-1], moments[1:], strict=True):
            hops[hop].append(end - start)
        if event in runs.fan_out_started:
            hops[HOPS[0]].append(runs.fan_out_started[event] - moments[0])
    return hops


async def burst(
    client: Client, database_url: str, organization_uuid: str, task_queue: str, count: int
) -> list[str]:
    """``count`` order events written to the outbox in one transaction, and the fan-out kicked
    for them as their producer would; their ids."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            organization = await session.scalar(
                select(Organization.id).where(Organization.uuid == UUID(organization_uuid))
            )
            assert organization is not None
            now = datetime.now(UTC)
            events = [
                record_event(session, organization, ORDER_EVENTS[0], {"bench": i}, now).id
                for i in range(count)
            ]
    finally:
        await db.dispose()
    await client.start_workflow(
        FAN_OUT_WORKFLOW, Batch(), id=webhook_fan_out_workflow_id(events[0]), task_queue=task_queue
    )
    return events


async def arrived(receiver: Receiver, events: list[str], seconds: float) -> None:
    """Once every one of ``events`` has arrived, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not set(events) <= receiver.arrivals.keys() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
