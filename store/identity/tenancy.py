"""Tenancy in one place: every query of an organization's data is built here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, select


class Scope(Protocol):
    """What a reader may see: a ``Tenant``'s organization, ``EVERY_ORGANIZATION``, or the web
    app's viewer (staff see every organization, users their own)."""

    def select(self, model: Any, *columns: Any) -> Select[Any]: ...


# the bind parameter of a statement built once for every organization (``tenant_template``)
TENANT_PARAMETER = "tenant_organization_id"


def tenant_template(model: Any, *columns: Any) -> Select[Any]:
    """``Tenant.select`` built once for every organization: the organization is a bind
    parameter, filled by ``Tenant.params`` when the statement runs (``Database.read``)."""
    query = select(*columns) if columns else select(model)
    return query.where(model.organization_id == bindparam(TENANT_PARAMETER))


@dataclass(frozen=True)
class Tenant:
    """The organization a caller acts for. Another organization's rows are simply not there."""

    organization_id: int

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        query = select(*columns) if columns else select(model)
        return query.where(model.organization_id == self.organization_id)

    def params(self, **more: Any) -> dict[str, Any]:
        """The parameters of a ``tenant_template`` statement run for this organization."""
        return {TENANT_PARAMETER: self.organization_id, **more}


class _EveryOrganization:
    """Every organization's rows: what the metrics and the web app's staff see, never an API
    caller."""

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        return select(*columns) if columns else select(model)


EVERY_ORGANIZATION = _EveryOrganization()
