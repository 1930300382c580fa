"""Query predicates the read models share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def shown_after(column: Any, moment: datetime) -> Any:
    """``column > moment`` compared at the precision timestamps are shown, the second: a row
    shown as created at ``15:14:00Z`` is not after ``15:14:00.5Z`` (nor after ``15:14:00Z``),
    whatever fraction of a second the database holds. A moment without a zone is UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return column >= moment.replace(microsecond=0) + timedelta(seconds=1)
