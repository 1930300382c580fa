"""The delivery history tells the truth at every moment (nt24-conventions-webhooks.md §5.8): a
PENDING delivery always shows when it is attempted next (``nextRetryAt`` is null only when
none is pending), and ``attempts`` counts every request the receiver saw, also one whose result
was lost because the worker died while it was out.

End to end: real receivers on loopback, the API over HTTP, real Temporal and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from activities.webhooks.delivery import new_delivery_id, start_deliveries
from store.models import WebhookDelivery, WebhookEndpoint, utcnow
from tests.conftest import Stack, serving, settings_for_tests
from tests.order_flow import key, seller_session
from tests.payment_invoices import staff_member
from tests.test_web_admin import signed_in
from worker import build_worker

FIRST_RETRY = timedelta(minutes=5)  # §5.7: the first attempt stands in for 1 m, retry 1 is 5 m
JITTER = 0.05  # our retries land up to 5 % of their offset later


class GatedReceiver:
    """A receiver whose answers wait until the test lets them go: while one waits, the request
    has reached the receiver and its result is not known to the platform yet."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.calls: list[bytes] = []
        self.gate = asyncio.Event()
        self.app = FastAPI()

        @self.app.post("/hooks")
        async def hook(request: Request) -> Response:
            self.calls.append(await request.body())
            await self.gate.wait()
            return Response(status_code=self.status)

    async def wait_for(self, count: int, seconds: float = 30) -> None:
        async with asyncio.timeout(seconds):
            while len(self.calls) < count:
                await asyncio.sleep(0.02)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def history(http: httpx.AsyncClient, endpoint_id: str) -> list[dict[str, Any]]:
    answer = await http.get(f"/v1/webhooks/{endpoint_id}/deliveries")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def register(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    answer = await http.post(
        "/v1/webhooks", json={"url": url, "events": ["compliance.*"]}, headers=key()
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def until(predicate: Callable[[], Awaitable[bool]], seconds: float = 60) -> None:
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_a_pending_delivery_always_shows_its_next_retry(stack: Stack):
    receiver = GatedReceiver(503)
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks")
            fired = await http.post(
                f"/v1/webhooks/{endpoint['id']}/test",
                json={"eventType": "compliance.status_changed", "data": {}},
                headers=key(),
            )
            assert fired.status_code == 202, fired.text
            queued = fired.json()
            # not attempted yet: the first attempt is due at once
            assert (queued["status"], queued["attempts"]) == ("PENDING", 0)
            assert at(queued["nextRetryAt"]) == at(queued["createdAt"])

            # the request is at the receiver, its answer not back: the attempt is counted
            # already, with the retry that follows should it fail
            await receiver.wait_for(1)
            [out] = await history(http, endpoint["id"])
            assert (out["status"], out["attempts"]) == ("PENDING", 1), out
            assert at(out["nextRetryAt"]) - at(out["lastAttemptAt"]) == FIRST_RETRY

            # the receiver answers 503: every read from then on shows the retry, settled with
            # its jitter in the end
            receiver.gate.set()
            seen: list[dict[str, Any]] = []

            async def settled() -> bool:
                [row] = await history(http, endpoint["id"])
                seen.append(row)
                async with stack.db.session() as session:
                    # the workflow's settle_failure has written its plan
                    used = await session.scalar(
                        select(WebhookDelivery.retries_used).where(
                            WebhookDelivery.public_id == queued["id"]
                        )
                    )
                return used == 1 and row.get("httpStatus") == 503

            await until(settled, 30)
            await until(settled, 1)  # and one read after it
            for row in seen:
                assert row["status"] == "PENDING" and row["attempts"] == 1, row
                assert "nextRetryAt" in row, row
            last = seen[-1]
            assert last["httpStatus"] == 503
            gap = at(last["nextRetryAt"]) - at(last["lastAttemptAt"])
            # shown to the second: the offset, up to its jitter later
            assert FIRST_RETRY <= gap <= FIRST_RETRY * (1 + JITTER) + timedelta(seconds=1)
            deleted = await http.delete(f"/v1/webhooks/{endpoint['id']}", headers=key())
            assert deleted.status_code == 204, deleted.text


async def test_a_delivery_queued_behind_a_paused_endpoint_shows_no_next_retry(stack: Stack):
    """docs/webhooks.md: ``nextRetryAt`` is absent while a delivery is queued behind a PAUSED
    endpoint, when no attempt is planned until it is resumed. A delivery that had failed once
    kept showing its retry after the pause, though no attempt would be made then. Resumed, the
    retry it still has planned is shown again."""
    receiver = GatedReceiver(503)
    receiver.gate.set()  # answers 503 at once
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks")
            fired = await http.post(
                f"/v1/webhooks/{endpoint['id']}/test",
                json={"eventType": "compliance.status_changed", "data": {}},
                headers=key(),
            )
            assert fired.status_code == 202, fired.text

            async def failed_once() -> bool:
                [row] = await history(http, endpoint["id"])
                return row.get("httpStatus") == 503

            await until(failed_once, 30)
            [failed] = await history(http, endpoint["id"])
            planned = at(failed["nextRetryAt"])
            staff = await staff_member(stack.db)
            assert planned > utcnow()
            for status in ("PAUSED", "ACTIVE"):
                changed = await http.patch(
                    f"/v1/webhooks/{endpoint['id']}", json={"status": status}, headers=key()
                )
                assert changed.status_code == 200 and changed.json()["status"] == status
                [row] = await history(http, endpoint["id"])
                assert (row["status"], row["attempts"]) == ("PENDING", 1), row
                # the staff's page of the endpoint says the same
                async with signed_in(stack, staff.username, "x" * 12) as (web, _):
                    page = await web.get(f"/app/webhooks/{endpoint['id']}")
                assert page.status_code == 200, page.text
                if status == "PAUSED":
                    assert "nextRetryAt" not in row, row
                    assert "next try" not in page.text
                else:  # its retry is still planned: the same moment as before the pause
                    assert at(row["nextRetryAt"]) == planned, row
                    assert "next try" in page.text
            assert len(receiver.calls) == 1


async def test_an_attempt_whose_result_was_lost_still_counts(stack: Stack, pg_url: str):
    """The worker dies while the receiver holds the request: the receiver has the event, the
    platform never heard its answer. Another worker sends it again; the history says 2."""
    receiver = GatedReceiver(200)
    # a worker of its own, so the test can stop it mid-attempt; its attempts outlast the
    # worker's shutdown grace (5 s), so the first one is cut off, not timed out
    settings = settings_for_tests(
        pg_url,
        webhook_timeout=timedelta(seconds=20),
        webhook_attempt_margin=timedelta(seconds=2),
    )
    async with serving(receiver.app) as base:
        tenant, http = await seller_session(stack)
        async with http:
            endpoint = await register(http, f"{base}/hooks")
            delivery_id = new_delivery_id()
            async with stack.db.transaction() as session:
                endpoint_row = await session.scalar(
                    select(WebhookEndpoint).where(WebhookEndpoint.public_id == endpoint["id"])
                )
                assert endpoint_row is not None
                now = utcnow()
                session.add(
                    WebhookDelivery(
                        public_id=delivery_id,
                        organization_id=tenant.org.id,
                        endpoint_id=endpoint_row.id,
                        event_id="evt_lost_answer",
                        event_type="compliance.status_changed",
                        kind="TEST",
                        payload={"id": "evt_lost_answer"},
                        created_at=now,
                        next_retry_at=now,
                    )
                )
            async with build_worker(stack.client, stack.db, settings):
                await start_deliveries(stack.client, settings, [delivery_id])
                await receiver.wait_for(1)
            # that worker is gone, the receiver still holds the first request
            [row] = await history(http, endpoint["id"])
            assert (row["status"], row["attempts"]) == ("PENDING", 1), row
            assert "nextRetryAt" in row
            receiver.gate.set()  # from now on it answers 200 at once

            async with build_worker(stack.client, stack.db, settings):

                async def delivered() -> bool:
                    [row] = await history(http, endpoint["id"])
                    return row["status"] == "DELIVERED"

                await until(delivered)
            [row] = await history(http, endpoint["id"])
            assert len(receiver.calls) == 2
            assert (row["attempts"], row["httpStatus"]) == (2, 200), row
            assert "nextRetryAt" not in row
