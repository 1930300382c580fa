"""Webhook figures: how fast events reach a receiver after the state change that made them.

A receiver in the bench process (uvicorn on loopback) notes when each event arrives. The
delay is measured from the event's row in the outbox (``events.created_at``, written in the
same transaction as the state change) to its arrival: both clocks are this machine's.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import uuid4

import uvicorn
from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from bench.client import HttpClient
from bench.stack import HOST, free_port
from store.db import Database
from store.models import Event
from store.webhooks.events import EVENT_TYPES

# every event an order's lifecycle makes; the meta events (webhook.*) go to other endpoints
ORDER_EVENTS = [t for t in EVENT_TYPES if not t.startswith("webhook.")]


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
