"""The worker's outgoing HTTP clients: webhook deliveries, VIES checks, identity verification
and AML screening, credit checks.

A client made per call opens a new connection per call: a TCP handshake and, over https, a
TLS handshake (a few ms of CPU and two round trips) for every delivery. Here a call takes an
idle client of its origin and TLS server name, whose connection is still open, and gives it
back when it ends; one client carries one call at a time, because httpx's pool costs more per
request than a new connection once tens of requests share it (its bookkeeping goes over every
request and connection of the pool: at 50 at once, 1.9-2.5 ms of CPU a request against
0.9-1.05 ms for a client each). An idle connection closes after 5 s (httpx's keep-alive
expiry), and a dead one is dropped before it is used.

The TLS server name is part of the key: a webhook's connection goes to the address that was
vetted for its host (``activities/webhooks/delivery.Target``), and two hosts behind one address
must not share a connection whose certificate was checked for only one of them.

Every client shares one TLS context (``tls_context``): ``httpx.AsyncClient()`` would build a
fresh one and load the CA bundle each time (~20 ms of CPU).
"""

from __future__ import annotations

import functools
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx

MOST_RECEIVERS = 64  # origins and names with idle clients kept; the least recently used go
MOST_IDLE = 8  # idle clients kept per origin and name (one per call it had at once, up to 8)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Made on first use with httpx's own defaults (certifi, or SSL_CERT_FILE / SSL_CERT_DIR)."""
    return httpx.create_ssl_context()


class KeptAliveClients:
    """Idle ``httpx.AsyncClient`` objects by origin and TLS server name, their connections
    open; the worker closes them when it stops (``close``)."""

    def __init__(self, most_receivers: int = MOST_RECEIVERS, most_idle: int = MOST_IDLE) -> None:
        self.most_receivers = most_receivers
        self.most_idle = most_idle
        self._idle: OrderedDict[tuple[str, str, str | None], list[httpx.AsyncClient]] = (
            OrderedDict()
        )
        self._closed = False

    @asynccontextmanager
    async def client(
        self, url: str, server_name: str | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        """A client for one call to ``url``'s origin, with TLS checking ``server_name`` rather
        than the URL's host when given: an idle one, or a new one."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, server_name)
        idle = self._idle.get(key)
        http = (
            idle.pop() if idle else httpx.AsyncClient(follow_redirects=False, verify=tls_context())
        )
        try:
            yield http
        finally:
            await self._give_back(key, http)

    async def _give_back(self, key: tuple[str, str, str | None], http: httpx.AsyncClient) -> None:
        idle = self._idle.setdefault(key, [])
        self._idle.move_to_end(key)
        if self._closed or len(idle) >= self.most_idle:
            await http.aclose()
            return
        idle.append(http)
        while len(self._idle) > self.most_receivers:
            _, dropped = self._idle.popitem(last=False)
            for each in dropped:
                await each.aclose()

    async def close(self) -> None:
        """Close every idle client (the worker stops); a call under way closes its own."""
        self._closed = True
        idle, self._idle = list(self._idle.values()), OrderedDict()
        for clients in idle:
            for each in clients:
                await each.aclose()
