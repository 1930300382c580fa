"""The worker's HTTP clients for the calls it makes often: webhook deliveries and VIES checks.

A client made per call opens a new connection per call: a TCP handshake and, over https, a
TLS handshake (a few ms of CPU and two round trips) for every delivery. Here one client per
origin and TLS server name keeps its connections open between calls (httpx's pool: idle
connections close after 5 s, a dead one is dropped before it is used).

The TLS server name is part of the key: a webhook's connection goes to the address that was
vetted for its host (``activities/webhooks/delivery.Target``), and two hosts behind one address
must not share a connection whose certificate was checked for only one of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from activities.tls import tls_context

MOST_CLIENTS = 64  # receivers a worker keeps connections to; the least recently used go first


@dataclass
class _Kept:
    client: httpx.AsyncClient = field(
        default_factory=lambda: httpx.AsyncClient(follow_redirects=False, verify=tls_context())
    )
    users: int = 0  # calls under way: an evicted client is closed once the last one ends
    evicted: bool = False


class KeptAliveClients:
    """One ``httpx.AsyncClient`` per origin and TLS server name, made on first use; the worker
    closes them when it stops (``close``)."""

    def __init__(self, most: int = MOST_CLIENTS) -> None:
        self.most = most
        self._kept: OrderedDict[tuple[str, str, str | None], _Kept] = OrderedDict()

    @asynccontextmanager
    async def client(
        self, url: str, server_name: str | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        """The client for ``url``'s origin, and for ``server_name`` when TLS is to check that
        name rather than the URL's host, for the calls made in the block."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, server_name)
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= self.most:
                _, oldest = self._kept.popitem(last=False)
                oldest.evicted = True
                if oldest.users == 0:
                    await oldest.client.aclose()
            kept = self._kept[key] = _Kept()
        else:
            self._kept.move_to_end(key)
        kept.users += 1
        try:
            yield kept.client
        finally:
            kept.users -= 1
            if kept.evicted and kept.users == 0:
                await kept.client.aclose()

    async def close(self) -> None:
        """Close every client (the worker stops): their idle connections go at once."""
        kept, self._kept = list(self._kept.values()), OrderedDict()
        for each in kept:
            each.evicted = True
            if each.users == 0:
                await each.client.aclose()
