"""The API's Temporal client, connected on first use so the API starts even while Temporal boots."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from settings import Settings


class TemporalConnection:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    from worker import connect

                    self._client = await connect(self._settings)
        return self._client
