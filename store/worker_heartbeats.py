"""Worker liveness in the database: each worker process writes its row every few seconds
(``worker.HeartbeatingWorker``), and /readyz reads the task queue's freshest one.

Temporal's own poller list is no use for this: it keeps a dead worker's pollers for minutes,
and a healthy idle worker's ``last_access_time`` is up to a minute old (a poll is a long poll).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from store.db import Database
from store.models import WorkerHeartbeat, utcnow

# Rows of workers gone this long are deleted by the next heartbeat of any worker
FORGET_AFTER = timedelta(days=1)


async def beat(db: Database, identity: str, task_queue: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    async with db.transaction() as session:
        row = await session.get(WorkerHeartbeat, identity)
        if row is None:
            session.add(WorkerHeartbeat(identity=identity, task_queue=task_queue, beat_at=now))
        else:
            row.beat_at = now
        await session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER)
        )


async def stop(db: Database, identity: str) -> None:
    """A worker shutting down says so at once."""
    async with db.transaction() as session:
        await session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.identity == identity))


async def latest(db: Database, task_queue: str) -> datetime | None:
    """When a worker of ``task_queue`` last said it was alive; None if none ever did."""
    async with db.session() as session:
        return await session.scalar(
            select(func.max(WorkerHeartbeat.beat_at)).where(
                WorkerHeartbeat.task_queue == task_queue
            )
        )
