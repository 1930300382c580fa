"""The compliance rollup (section 9): served from the read model with an ETag, so polling with
If-None-Match answers 304 without touching Temporal."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Literal
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


class BuyerModule(NT24Model):
    status: str
    # absent on rollups written before it was shown, and before the buyer's first check
    viesLastCheckedAt: UtcTimestamp | None = None
    viesResult: str
    documentsComplete: bool
    kycVerificationStatus: str | None = None


class OrderVinModule(NT24Model):
    vin: str
    complianceStatus: str


class OrderModule(NT24Model):
    status: str
    vins: list[OrderVinModule]


class InvoiceModule(NT24Model):
    status: str
    type: str | None = None
    vatIncluded: bool | None = None
    finalInvoiceRequired: bool
    finalInvoiceReceived: bool


class PaymentModule(NT24Model):
    status: str
    amountMatchesInvoice: bool | None = None
    ibanConsistent: bool | None = None
    readyForPickup: bool


class TransportVinModule(NT24Model):
    vin: str
    pickupConfirmed: bool
    deliveryConfirmed: bool


class TransportModule(NT24Model):
    status: str
    pickupConfirmed: bool
    pickupDate: date | None = None
    deliveryConfirmed: bool
    cmrUploaded: bool
    dailyViesChecksActive: bool
    # absent on rollups written before it was shown
    vins: list[TransportVinModule] | None = None


class ExportFileModule(NT24Model):
    status: str
    downloadUrl: str | None = None  # absent until a version is ready


class ComplianceModules(NT24Model):
    buyer: BuyerModule
    order: OrderModule
    invoice: InvoiceModule
    payment: PaymentModule
    transport: TransportModule
    exportFile: ExportFileModule


class ComplianceOut(NT24Model):
    orderUuid: UUID
    complianceStatus: ComplianceStatusValue
    decision: DecisionValue | None = None
    blockers: list[Blocker]
    modules: ComplianceModules
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
