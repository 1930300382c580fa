"""The worker's outgoing connections: deliveries to one receiver share a kept-alive connection
(no TCP or TLS handshake per delivery), two TLS names never share one, and a receiver's long
answer costs its connection, never the delivery."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from fastapi.responses import Response

from activities.kept_alive import KeptAliveClients
from activities.webhooks.delivery import DRAINED_BYTES, WebhookActivities
from settings import Settings
from store.db import Database
from store.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import serving

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


class Receiver:
    """Answers every delivery with ``body`` and notes the connection (client port) it came on."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.body = b""
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            assert request.client is not None
            self.ports.append(request.client.port)
            return Response(self.body, status_code=200, media_type="text/plain")


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    async with serving(found.app) as base_url:
        yield found, f"{base_url}/hook"


@pytest_asyncio.fixture
async def webhooks(outgoing: KeptAliveClients) -> AsyncIterator[WebhookActivities]:
    # the database is never reached: _send only POSTs
    activities = WebhookActivities(
        Database("sqlite+aiosqlite://"), Settings(environment="dev"), outgoing
    )
    yield activities
    await activities.db.dispose()


def delivery(n: int) -> WebhookDelivery:
    return WebhookDelivery(
        payload={"type": "order.created", "n": n}, event_id=f"evt_{n}", public_id=f"whd_{n}"
    )


async def test_deliveries_to_one_receiver_share_one_connection(
    receiver: tuple[Receiver, str], webhooks: WebhookActivities
):
    found, url = receiver
    endpoint = WebhookEndpoint(url=url, secret=SECRET)
    found.body = b'{"received": true}'
    for n in range(3):
        answer = await webhooks._send(endpoint, delivery(n))
        assert answer.ok, answer
    assert len(found.ports) == 3 and len(set(found.ports)) == 1


async def test_a_long_answer_is_still_a_delivery_and_costs_only_its_connection(
    receiver: tuple[Receiver, str], webhooks: WebhookActivities
):
    found, url = receiver
    endpoint = WebhookEndpoint(url=url, secret=SECRET)
    found.body = b"x" * (4 * DRAINED_BYTES)
    first = await webhooks._send(endpoint, delivery(1))
    found.body = b""
    second = await webhooks._send(endpoint, delivery(2))
    assert first.ok and second.ok
    assert found.ports[0] != found.ports[1]  # the first connection was closed, not reused


@pytest.mark.fast
async def test_a_call_gets_an_idle_client_of_its_receiver_and_name_or_a_new_one():
    clients = KeptAliveClients(most_receivers=2)
    async with (
        clients.client("https://203.0.113.9/in", "a.example") as a,
        clients.client("https://203.0.113.9/in", "a.example") as meanwhile,
    ):
        assert meanwhile is not a  # one call at a time on a client
    async with clients.client("https://203.0.113.9/other", "a.example") as again:
        assert again in (a, meanwhile)  # one origin, one name: an idle client is reused
    async with clients.client("https://203.0.113.9/in", "b.example") as b:
        assert b not in (a, meanwhile)  # another TLS name never shares a connection
    async with clients.client("https://203.0.113.10/in") as c:
        pass
    # a third receiver drops the least recently used one's idle clients, closed
    assert a.is_closed and meanwhile.is_closed
    assert not b.is_closed and not c.is_closed
    async with clients.client("https://203.0.113.10/in") as under_way:
        assert under_way is c
        await clients.close()
        assert b.is_closed and not under_way.is_closed
    assert under_way.is_closed  # given back after the close: closed, not kept
