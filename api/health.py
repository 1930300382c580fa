"""``/healthz``: the process answers. ``/readyz``: database, Temporal and a polling worker."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from api.deps import database
from settings import Settings, get_settings
from store.db import Database

router = APIRouter(tags=["Health"])

CHECK_TIMEOUT = 3.0


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("SELECT 1"))


async def _worker_polling(request: Request, settings: Settings) -> None:
    client = await request.app.state.temporal.get()
    answer = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace,
            task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    if not answer.pollers:
        raise RuntimeError(f"no worker polls the task queue {settings.task_queue!r}")


@router.get(
    "/readyz",
    summary="Database and Temporal reachable, a worker polling the task queue",
    responses={503: {"description": "A dependency is not ready"}},
)
async def readyz(
    request: Request,
    db: Annotated[Database, Depends(database)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> JSONResponse:
    checks: dict[str, Any] = {}
    for name, check in (
        ("database", _database(db)),
        ("temporal", _worker_polling(request, settings)),
    ):
        try:
            await asyncio.wait_for(check, CHECK_TIMEOUT)
            checks[name] = "ok"
        except Exception as exc:  # a readiness probe reports every failure, it never raises
            checks[name] = f"failing: {type(exc).__name__}: {exc}"[:300]
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
