"""The retry schedule's arithmetic, pure: the delivery workflow plans with it and the
delivery activity shows the plan before it does."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_attempt_at(
    schedule: list[timedelta],
    failing_since: datetime,
    retries_used: int,
    attempted_at: datetime,
    retry_after: timedelta | None,
    jitter: float,
) -> datetime | None:
    """When the next retry is due, or None when the schedule is exhausted.

    The schedule's next offset from the first failure, ``jitter`` (a fraction of it) later; a
    receiver's Retry-After moves it later, but never past the schedule's last offset. Pure: the
    delivery workflow plans with it, and ``attempt_delivery`` shows the plan before it does.
    """
    if retries_used >= len(schedule):
        return None
    due = failing_since + schedule[retries_used] * (1 + jitter)
    if retry_after is not None:
        due = max(due, min(attempted_at + retry_after, failing_since + schedule[-1]))
    return due
