"""The API's Temporal client, connected on first use so the API starts even while Temporal boots.

While Temporal cannot be reached, ``get`` raises ``TemporalUnavailable`` (503 with
Retry-After) and the next request tries to connect again."""

from __future__ import annotations

import asyncio

import structlog
from temporalio.client import Client
from temporalio.runtime import Runtime

import telemetry
from api.shared.converter import data_converter
from api.shared.temporal_calls import TemporalUnavailable
from settings import Settings

log = structlog.get_logger(__name__)

CONNECT_TIMEOUT = 5.0


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    """A client of the configured Temporal; traced when tracing is on (telemetry.py), and a
    worker made on it traces its workflows and activities too. ``runtime``: the worker's, with
    the SDK's Prometheus endpoint."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),  # payloads encrypted with its keys
        interceptors=telemetry.temporal_interceptors(),
        runtime=runtime,
    )


class TemporalConnection:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def get(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        async with asyncio.timeout(CONNECT_TIMEOUT):
                            self._client = await connect(self._settings)
                    except Exception as exc:  # refused, timed out, a name that does not resolve
                        log.warning(
                            "temporal unreachable",
                            address=self._settings.temporal_address,
                            error=f"{type(exc).__name__}: {exc}"[:300],
                        )
                        raise TemporalUnavailable(
                            "The workflow service cannot be reached."
                        ) from exc
        return self._client
