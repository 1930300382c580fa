"""Value shapes shared by the NT24 resources: timestamps in UTC with ``Z``, money, addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer


def _utc_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcTimestamp = Annotated[datetime, PlainSerializer(_utc_z, return_type=str, when_used="json")]


class NT24Model(BaseModel):
    """Responses omit null fields (the contract's Jackson NON_NULL); inputs refuse nothing extra
    silently: unknown fields are ignored, as clients are told to tolerate evolution."""

    model_config = ConfigDict(extra="ignore")
