"""What every fast workflow test needs: a worker of the real workflows with mocked activities,
a skip of the virtual clock, a wait for work a timer set off, and the refusal inside a refused
Update."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import uuid4

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from worker import workflow_runner


@asynccontextmanager
async def mocked_worker(
    env: WorkflowEnvironment, workflows: Sequence[type], activities: Sequence[Callable[..., Any]]
) -> AsyncIterator[str]:
    """A worker on a task queue of its own, its workflows in the strict sandbox: every run
    re-imports the workflow code and fails on a clock, I/O or randomness that is not
    ``workflow``'s (the production worker runs them unsandboxed: worker.workflow_runner).
    Yields the queue.

    An exception in workflow code fails the workflow (and the Update it ran in) at once: in
    production its task is retried until a fix is deployed, which in a test is a hang."""
    task_queue = f"fast-{uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
        workflow_runner=workflow_runner(strict=True),
        workflow_failure_exception_types=[Exception],
    ):
        yield task_queue


# A skip runs every timer on its way (an open order's daily re-checks, a KYC profile's notices)
# before it answers: weeks of them can outlast the client's default deadline for one call on a
# loaded machine, which then fails the test with "Timeout expired" although nothing is wrong.
SKIP_DEADLINE = timedelta(minutes=2)


async def skip(env: WorkflowEnvironment, duration: timedelta) -> None:
    """``env.sleep``: the virtual clock moves on by ``duration``, allowed ``SKIP_DEADLINE``."""
    request = SleepRequest()
    request.duration.FromTimedelta(duration)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_DEADLINE)


async def until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, seconds: float = 10
) -> None:
    """Wait in real time for the worker to act on what a signal or a skip set off; the
    condition may be a coroutine (a query)."""
    try:
        async with asyncio.timeout(seconds):
            while not await _holds(condition):
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not seen within {seconds:g} s: {what}") from None


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    answer = condition()
    return await answer if inspect.isawaitable(answer) else answer


def refusal(error: WorkflowUpdateFailedError) -> ApplicationError:
    """The refusal an Update's validator raised (the API answers it as a problem)."""
    assert isinstance(error.cause, ApplicationError), error.cause
    return error.cause
