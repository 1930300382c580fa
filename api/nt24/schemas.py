"""Value shapes shared by the NT24 resources: timestamps in UTC with ``Z``, money, addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from api.shared.errors import FieldError


def _utc_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcTimestamp = Annotated[datetime, PlainSerializer(_utc_z, return_type=str, when_used="json")]


class NT24Model(BaseModel):
    """Responses omit null fields (the contract's Jackson NON_NULL); inputs refuse nothing extra
    silently: unknown fields are ignored, as clients are told to tolerate evolution."""

    model_config = ConfigDict(extra="ignore")


CANNOT_CHANGE = "Cannot change: a PATCH that gives it is refused (422)"
# A status follows the resource's commands, never a PATCH
STATUS_BY_COMMANDS = "is the resource's status: it follows its commands, a PATCH cannot set it"
# What every resource shows and only the server writes
ID_FIXED = "is the resource's id and cannot change"
VERSION_BY_IF_MATCH = "is the resource's version: a PATCH names the one it read in If-Match"
RECORDED_BY_THE_SERVER = "is recorded by the server as the resource changes, a PATCH cannot set it"


class PatchModel(NT24Model):
    """A PATCH body. ``FIXED`` names the resource's fields a PATCH cannot change, each with the
    reason: declared as fields, so that one sent is refused (422 naming it) instead of being
    ignored by a 200 that looks like it took effect."""

    FIXED: ClassVar[dict[str, str]] = {}

    def fixed_field_errors(self) -> list[FieldError]:
        sent = self.model_fields_set & self.FIXED.keys()
        given = self.model_dump(mode="json", include=sent)
        return [
            FieldError(name, why, given[name]) for name, why in self.FIXED.items() if name in sent
        ]
