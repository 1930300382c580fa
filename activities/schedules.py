"""The platform's periodic jobs as Temporal Schedules, created or updated at worker start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
)


async def ensure_interval_schedule(
    client: Client,
    schedule_id: str,
    workflow: str,
    arg: Any,
    *,
    task_queue: str,
    every: timedelta,
    **metadata: Any,
) -> None:
    """Start ``workflow(arg)`` every ``every`` under ``schedule_id`` (also its workflow id),
    skipping a run while the last one is still going; an existing schedule is brought in line
    with the arguments. ``metadata``: the runs' ``static_summary`` and ``static_details``."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            workflow, arg, id=schedule_id, task_queue=task_queue, **metadata
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(schedule_id).update(lambda _: ScheduleUpdate(schedule))
