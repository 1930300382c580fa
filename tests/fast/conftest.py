"""The fast lane's time-skipping server belongs to one test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.conftest import start_time_skipping
from tests.fast.harness import skip

# Tests date papers by the server's UTC day and the rules date VIES answers by the origin
# state's day: started late in the evening, a test's skips of an hour or two crossed midnight
# and its dates no longer agreed. Each test starts at this hour, with the day ahead of it.
MORNING = time(6)


@pytest_asyncio.fixture(loop_scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own (it starts in about 0.1 s). The server's clock moves only
    while nothing holds it, and a workflow terminated with work in flight (a workflow task, an
    activity, a child's result not yet taken in) holds it for good: shared by a module, one
    test's leftovers stopped a later test's skip until its deadline."""
    env = await start_time_skipping()
    await skip(env, _until_morning(await env.get_current_time()))
    yield env
    await env.shutdown()


def _until_morning(now: datetime) -> timedelta:
    """How long from ``now`` until the next ``MORNING`` (UTC)."""
    morning = datetime.combine(now.date(), MORNING, now.tzinfo)
    if morning < now:
        morning += timedelta(days=1)
    return morning - now
