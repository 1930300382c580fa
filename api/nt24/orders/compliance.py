"""The compliance rollup (section 9): served from the read model with an ETag, so polling with
If-None-Match answers 304 without touching Temporal."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.nt24.identity.auth import PartnerAccess
from api.nt24.orders.commands import order_view
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.shared.deps import Db
from api.shared.versioning import IF_NONE_MATCH, not_modified, versioned_json
from store.models import Order
from store.orders.queries import order_version
from workflows.orders.rules.outcome import ComplianceStatus, Decision

router = APIRouter(prefix="/v1/partners/{sellerId}/orders/{uuid}", tags=["NT24: compliance"])

if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time: the values' type
    ComplianceStatusValue = str
    DecisionValue = str
else:  # the enums' values, inline in /openapi.json
    ComplianceStatusValue = Literal[tuple(s.value for s in ComplianceStatus)]
    DecisionValue = Literal[tuple(d.value for d in Decision)]


class Blocker(NT24Model):
    module: str
    code: str
    message: str


class ComplianceOut(NT24Model):
    orderUuid: UUID
    complianceStatus: ComplianceStatusValue
    decision: DecisionValue | None = None
    blockers: list[Blocker]
    modules: dict[str, dict[str, Any]]
    version: int
    updatedAt: UtcTimestamp


# the rollup's version inside its JSON, built once
_VERSION = Order.compliance["version"].as_integer()


@router.get(
    "/compliance",
    response_model=ComplianceOut,
    summary="The compliance rollup: status, decision, blockers, modules",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def get_compliance(
    uuid: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    unchanged = await not_modified(
        request, db, partial(order_version, scope.tenant, scope.partner.id, uuid, _VERSION)
    )
    if unchanged is not None:
        return unchanged
    row = await order_view(db, scope, uuid, Order.compliance)
    return versioned_json(row.compliance, row.compliance["version"], request=request)
