"""The fast lane's time-skipping server belongs to one test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.conftest import start_time_skipping


@pytest_asyncio.fixture(loop_scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own (it starts in about 0.1 s). The server's clock moves only
    while nothing holds it, and a workflow terminated with work in flight (a workflow task, an
    activity, a child's result not yet taken in) holds it for good: shared by a module, one
    test's leftovers stopped a later test's skip until its deadline."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()
