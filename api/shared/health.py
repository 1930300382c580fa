"""``/healthz``: the process answers. ``/readyz``: the database answers, Temporal answers, a
worker polls the task queue and has recorded within ``NT24_WORKER_STALE_AFTER`` (15 s) that it
is alive, and the Redis of the shared counters answers when they are shared
(``NT24_RATE_LIMIT_STORAGE``); otherwise 503 with Retry-After and the failing check named."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from api.shared.counters import shared_redis_url
from api.shared.deps import AppSettings, Db
from api.shared.errors import RETRY_AFTER_SECONDS, Problem
from api.shared.rate_limit import limiter_of
from settings import Settings
from store import worker_heartbeats
from store.db import Database
from store.models import utcnow

router = APIRouter(tags=["Health"])

CHECK_TIMEOUT = 3.0
T = TypeVar("T")


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("SELECT 1"))


async def _task_queue_pollers(request: Request, settings: Settings) -> int:
    """Temporal answers, and how many pollers it lists for the workflow task queue."""
    client = await request.app.state.temporal.get()
    answer = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace,
            task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return len(answer.pollers)


async def _worker_alive(db: Database, settings: Settings, pollers: int | None) -> None:
    """A worker polls the task queue and has said it is alive within ``worker_stale_after``.
    Temporal lists a dead worker's pollers for minutes (and a healthy idle one's
    ``last_access_time`` is up to a minute old), so the worker's own heartbeat decides."""
    if pollers is None:
        raise RuntimeError("unknown while Temporal does not answer")
    if pollers == 0:
        raise RuntimeError(f"no worker polls the task queue {settings.task_queue!r}")
    beat = await worker_heartbeats.latest(db, settings.task_queue)
    if beat is None:
        raise RuntimeError(f"no worker of the task queue {settings.task_queue!r} is alive")
    age = (utcnow() - beat).total_seconds()
    if age > settings.worker_stale_after.total_seconds():
        raise RuntimeError(f"the last worker heartbeat is {age:.0f} s old")


async def _shared_counters(request: Request) -> None:
    """The Redis that API processes share their rate limits, sign-in throttle and cached
    principals through answers: without it every authenticated request is a 503."""
    if not await limiter_of(request).storage.check():
        raise RuntimeError("Redis does not answer")


async def _checked(check: Awaitable[T]) -> tuple[str, T | None]:
    try:
        result = await asyncio.wait_for(check, CHECK_TIMEOUT)
    except Exception as exc:  # a readiness probe reports every failure, it never raises
        detail = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, Problem):
            detail = exc.detail
        return f"failing: {detail}"[:300], None
    return "ok", result


@router.get(
    "/readyz",
    summary="Database and Temporal reachable, a live worker polling the task queue",
    responses={503: {"description": "A dependency is not ready (with Retry-After)"}},
)
async def readyz(
    request: Request,
    db: Db,
    settings: AppSettings,
) -> JSONResponse:
    checks: dict[str, Any] = {}
    checks["database"], _ = await _checked(_database(db))
    checks["temporal"], pollers = await _checked(_task_queue_pollers(request, settings))
    checks["worker"], _ = await _checked(_worker_alive(db, settings, pollers))
    if shared_redis_url(settings.rate_limit_storage) is not None:
        checks["counters"], _ = await _checked(_shared_counters(request))
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
        headers=None if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
