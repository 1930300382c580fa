"""The retry schedule's arithmetic, pure: the delivery workflow plans with it and the
delivery activity shows the plan before it does."""

from __future__ import annotations

from datetime import datetime, timedelta


def retry_offsets(schedule: list[timedelta]) -> list[timedelta]:
    """The retries' offsets from the first failure, of the contract's schedule
    (``webhook_retry_schedule``): one entry per attempt, the first attempt standing in for
    the first entry (it is made at once), retry ``n`` at entry ``n + 1``. The contract's
    "up to 10 attempts" over its ten offsets: the first attempt and nine retries, the last
    at the schedule's last offset (48 h)."""
    return schedule[1:]


def next_attempt_at(
    retries: list[timedelta],
    failing_since: datetime,
    retries_used: int,
    attempted_at: datetime,
    retry_after: timedelta | None,
    jitter: float,
) -> datetime | None:
    """When the next retry is due, or None when the retries are spent.

    ``retries``: the retries' offsets from the first failure (``retry_offsets``). The next
    one, ``jitter`` (a fraction of it) later; a receiver's Retry-After moves it later, but
    never past the last offset. Pure: the delivery workflow plans with it, and
    ``attempt_delivery`` shows the plan before it does.
    """
    if retries_used >= len(retries):
        return None
    due = failing_since + retries[retries_used] * (1 + jitter)
    if retry_after is not None:
        due = max(due, min(attempted_at + retry_after, failing_since + retries[-1]))
    return due
