"""Value shapes shared by the NT24 resources: timestamps in UTC with ``Z``, money, addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer


def _utc_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcTimestamp = Annotated[datetime, PlainSerializer(_utc_z, return_type=str, when_used="json")]


def shown_after(column: Any, moment: datetime) -> Any:
    """``column > moment`` compared at the precision timestamps are shown, the second: a row
    shown as created at ``15:14:00Z`` is not after ``15:14:00.5Z`` (nor after ``15:14:00Z``),
    whatever fraction of a second the database holds. A moment without a zone is UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return column >= moment.replace(microsecond=0) + timedelta(seconds=1)


class NT24Model(BaseModel):
    """Responses omit null fields (the contract's Jackson NON_NULL); inputs refuse nothing extra
    silently: unknown fields are ignored, as clients are told to tolerate evolution."""

    model_config = ConfigDict(extra="ignore")
