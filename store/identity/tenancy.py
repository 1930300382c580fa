"""Tenancy in one place: every query of an organization's data is built here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Select, bindparam, select

from store.db import PointRead


class Scope(Protocol):
    """What a reader may see: a ``Tenant``'s organization, ``EVERY_ORGANIZATION``, or the web
    app's viewer (staff see every organization, users their own)."""

    def select(self, model: Any, *columns: Any) -> Select[Any]: ...


def _select(model: Any, columns: tuple[Any, ...]) -> Select[Any]:
    return select(*columns) if columns else select(model)


@lru_cache(maxsize=64)  # a few models and column sets, read on every GET of one
def _one_under_seller(model: Any, columns: tuple[Any, ...]) -> Select[Any]:
    return _select(model, columns).where(
        model.organization_id == bindparam("organization_id"),
        model.partner_id == bindparam("partner_id"),
        model.uuid == bindparam("uuid"),
    )


@dataclass(frozen=True)
class Tenant:
    """The organization a caller acts for. Another organization's rows are simply not there."""

    organization_id: int

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        return _select(model, columns).where(model.organization_id == self.organization_id)

    def one_under_seller(self, model: Any, partner_id: int, uuid: UUID, *columns: Any) -> PointRead:
        """Columns of the organization's row of ``model`` (an order, a buyer) under this seller,
        found by its uuid: a statement built once per model and columns, these values bound
        when it runs (``Database.read``)."""
        params = {"organization_id": self.organization_id, "partner_id": partner_id, "uuid": uuid}
        return PointRead(_one_under_seller(model, columns), params)


class _EveryOrganization:
    """Every organization's rows: what the metrics and the web app's staff see, never an API
    caller."""

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        return _select(model, columns)


EVERY_ORGANIZATION = _EveryOrganization()
