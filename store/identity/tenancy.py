"""Tenancy in one place: every query of an organization's data is built here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, select


class Scope(Protocol):
    """What a reader may see: a ``Tenant``'s organization, ``EVERY_ORGANIZATION``, or the web
    app's viewer (staff see every organization, users their own)."""

    def select(self, model: Any, *columns: Any) -> Select[Any]: ...


@dataclass(frozen=True)
class Tenant:
    """The organization a caller acts for. Another organization's rows are simply not there."""

    organization_id: int

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        query = select(*columns) if columns else select(model)
        return query.where(model.organization_id == self.organization_id)


class _EveryOrganization:
    """Every organization's rows: what the metrics and the web app's staff see, never an API
    caller."""

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        return select(*columns) if columns else select(model)


EVERY_ORGANIZATION = _EveryOrganization()
