"""Tenancy in one place: every query of an organization's data is built here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select


@dataclass(frozen=True)
class Tenant:
    """The organization a caller acts for. Another organization's rows are simply not there."""

    organization_id: int

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        query = select(*columns) if columns else select(model)
        return query.where(model.organization_id == self.organization_id)
