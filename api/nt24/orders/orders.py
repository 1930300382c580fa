"""Orders (section 5 of the contract): create by external id (exactly once, one workflow per
order), read, list, update and cancel. Reads come from the read model; writes are Updates."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from activities.workflow_metadata import order_start
from api.nt24.identity.auth import PartnerAccess, PartnerScope, require_capability
from api.nt24.orders.commands import answer_body, order_command, order_view, run_command
from api.nt24.pagination import Page, PageParams
from api.nt24.schemas import (
    CANNOT_CHANGE,
    ID_FIXED,
    RECORDED_BY_THE_SERVER,
    STATUS_BY_COMMANDS,
    VERSION_BY_IF_MATCH,
    NT24Model,
    PatchModel,
    UtcTimestamp,
)
from api.nt24.values import HAPPENED_ON, JSON_INTEGER, HappenedOn, Money, MoneyIn, PersonIn
from api.shared.deps import AppSettings, Db, Temporal
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.idempotency import command_started, idempotency_key
from api.shared.input_limits import NonNegativeInt64, TimestampQuery
from api.shared.locations import CREATED, located
from api.shared.versioning import (
    IF_NONE_MATCH,
    expected_version,
    if_match,
    not_modified,
    versioned_json,
)
from settings import Settings
from store.buyers.buyers import buyer_ref, current_buyer_ref, known_ibans
from store.buyers.queries import buyer_of_seller
from store.db import Database
from store.models import Order
from store.orders.queries import OrderFilter, order_by_external_id, order_version, orders_of_seller
from workflows.change_source import ChangeSource
from workflows.ids import order_workflow_id
from workflows.orders import model as m
from workflows.orders.rules.vin import InvalidVin, check_vin
from workflows.orders.state import OrderStart
from workflows.orders.status import OrderStatus
from workflows.orders.workflow import OrderWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1/partners/{sellerId}/orders", tags=["NT24: orders"])

if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time: the values' type
    OrderStatusValue = str
else:  # the enum's values, inline in /openapi.json
    OrderStatusValue = Literal[tuple(s.value for s in OrderStatus)]


class OrderVinIn(NT24Model):
    vin: str = Field(min_length=1, max_length=30)
    brand: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=100)
    purchaseAmount: MoneyIn | None = None
    mileage: Annotated[NonNegativeInt64, JSON_INTEGER] | None = None
    # a vehicle registered after its supply would count as new (Art. 2(2)(b)) by a typo
    firstRegistrationDate: HappenedOn | None = Field(None, description=HAPPENED_ON)


class OrderCreate(NT24Model):
    externalOrderId: str = Field(min_length=1, max_length=200)
    buyerId: UUID
    vins: list[OrderVinIn] = Field(min_length=1, max_length=50)
    totalAmount: MoneyIn
    # a purchase happened: one dated ahead (the year 9999) is a typo, never a sale
    purchaseDate: HappenedOn | None = Field(None, description=HAPPENED_ON)
    responsibleContact: PersonIn | None = None


_FIXED_BY_CREATE = "is fixed when the order is created and cannot change"


class OrderPatch(PatchModel):
    FIXED = {
        "externalOrderId": "is the order's natural key and cannot change",
        "buyerId": _FIXED_BY_CREATE,
        "vins": _FIXED_BY_CREATE,
        "totalAmount": _FIXED_BY_CREATE,
        "status": STATUS_BY_COMMANDS,
        "cancellationReason": "is the reason POST .../cancel gave, not set by a PATCH",
        "uuid": ID_FIXED,
        "version": VERSION_BY_IF_MATCH,
        "createdAt": RECORDED_BY_THE_SERVER,
        "updatedAt": RECORDED_BY_THE_SERVER,
    }

    responsibleContact: PersonIn | None = None
    purchaseDate: HappenedOn | None = Field(None, description=HAPPENED_ON)
    externalOrderId: str | None = Field(None, description=CANNOT_CHANGE)
    buyerId: UUID | None = Field(None, description=CANNOT_CHANGE)
    vins: list[OrderVinIn] | None = Field(None, max_length=50, description=CANNOT_CHANGE)
    totalAmount: MoneyIn | None = Field(None, description=CANNOT_CHANGE)
    status: str | None = Field(None, description=CANNOT_CHANGE)
    cancellationReason: str | None = Field(None, description=CANNOT_CHANGE)
    uuid: UUID | None = Field(None, description=CANNOT_CHANGE)
    version: int | None = Field(None, description=CANNOT_CHANGE)
    createdAt: datetime | None = Field(None, description=CANNOT_CHANGE)
    updatedAt: datetime | None = Field(None, description=CANNOT_CHANGE)

    def command(
        self, expected_version: int, source: ChangeSource = ChangeSource.API
    ) -> m.PatchOrder:
        return m.PatchOrder(
            expected_version=expected_version,
            responsible_contact=self.responsibleContact.model()
            if self.responsibleContact
            else None,
            purchase_date=self.purchaseDate,
            source=source,
        )


class CancelRequest(NT24Model):
    reason: str = Field(min_length=1, max_length=500)


class OrderVinOut(OrderVinIn):
    purchaseAmount: Money | None = None  # type: ignore[assignment]  # as accepted then
    complianceStatus: str
    warnings: list[str] | None = None


class OrderOut(NT24Model):
    uuid: UUID
    externalOrderId: str
    buyerId: UUID
    status: OrderStatusValue
    vins: list[OrderVinOut]
    totalAmount: Money
    purchaseDate: date | None = None
    responsibleContact: PersonIn | None = None
    cancellationReason: str | None = None
    version: int
    createdAt: UtcTimestamp
    updatedAt: UtcTimestamp


def order_uuid(partner_uuid: UUID, external_order_id: str) -> UUID:
    """Deterministic, so concurrent creators of one order agree on its id and workflow."""
    return uuid5(NAMESPACE_URL, f"nt24:order:{partner_uuid}:{external_order_id}")


def order_settings(settings: Settings, partner_vat: str | None) -> m.OrderSettings:
    return m.OrderSettings(
        vies_recheck_interval=settings.vies_recheck_interval,
        vies_retry_initial_interval=settings.vies_retry_initial_interval,
        vies_retry_max_interval=settings.vies_retry_max_interval,
        vies_give_up_after=settings.vies_give_up_after,
        vies_attempt_timeout=settings.vies_http_timeout + settings.vies_attempt_margin,
        requester_vat_number=partner_vat,
        activity_timeout=settings.activity_timeout,
        export_file_timeout=settings.export_file_timeout,
        policy=settings.compliance_policy,
        max_history_events=settings.order_max_history_events,
        retention=settings.order_retention,
    )


def _vins(body: OrderCreate) -> list[m.OrderVin]:
    errors, vins, seen = [], [], set()
    for i, item in enumerate(body.vins):
        try:
            checked = check_vin(item.vin)
        except InvalidVin as exc:
            errors.append(FieldError(f"vins[{i}].vin", str(exc), item.vin))
            continue
        if checked.vin in seen:
            errors.append(FieldError(f"vins[{i}].vin", "appears twice in this order", item.vin))
        seen.add(checked.vin)
        vins.append(
            m.OrderVin(
                vin=checked.vin,
                brand=item.brand or checked.manufacturer,
                model=item.model,
                purchase_amount=item.purchaseAmount.model() if item.purchaseAmount else None,
                mileage=item.mileage,
                first_registration_date=item.firstRegistrationDate,
                warnings=list(checked.warnings),
            )
        )
    if errors:
        raise validation_problem(errors)
    return vins


def fingerprint(body: OrderCreate, vins: list[m.OrderVin]) -> str:
    content = body.model_dump(mode="json") | {"vins": [v.vin for v in vins]}
    content["vinDetails"] = body.model_dump(mode="json")["vins"]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _order_answer(row: Order, status: int = 200) -> JSONResponse:
    return versioned_json(row.order, row.version, status_code=status)


@router.post(
    "",
    response_model=OrderOut,
    status_code=201,
    summary="Create an order (idempotent upsert by externalOrderId)",
    dependencies=[Depends(idempotency_key)],
    responses={
        **CREATED,
        200: {"model": OrderOut, "description": "Existing order returned (idempotent replay)"},
        403: {"description": "capability-required: allowMultiVinOrders"},
        409: {"description": "resource-exists-different-body, with currentResource"},
        422: {"description": "validation-error (VINs, buyer, amounts)"},
    },
)
async def create_order(
    body: OrderCreate,
    settings: AppSettings,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await create(body, settings, scope, db, client)


async def create(
    body: OrderCreate,
    settings: Settings,
    scope: PartnerScope,
    db: Database,
    client: Client,
    source: ChangeSource = ChangeSource.API,
) -> JSONResponse:
    """Create the order (or answer the existing one): shared by the API and the web app."""
    if len(body.vins) > 1:
        require_capability(scope.organization, "allowMultiVinOrders")
    vins = _vins(body)
    print_ = fingerprint(body, vins)
    async with db.session() as session:
        existing = await order_by_external_id(session, scope.partner.id, body.externalOrderId)
        buyer = await buyer_of_seller(session, scope.tenant, scope.partner.id, body.buyerId)
        if buyer is not None:
            buyer_now = await buyer_ref(session, buyer)
            ibans = await known_ibans(session, buyer.id)
    if existing is not None:
        command_started()  # the natural key decides: its 409 is the key's answer
        if existing.create_fingerprint != print_:
            raise Problem(
                "resource-exists-different-body",
                f"Order {body.externalOrderId} exists with another body; change it with PATCH.",
                currentResource=existing.order,
            )
        return _order_answer(existing)
    if buyer is None:
        raise validation_problem(
            [FieldError("buyerId", "is not a buyer of this seller", str(body.buyerId))]
        )
    if buyer.status == "BLOCKED":
        raise validation_problem(
            [FieldError("buyerId", "is BLOCKED: no new orders for it", str(body.buyerId))]
        )
    uuid = order_uuid(scope.partner.uuid, body.externalOrderId)
    command = m.CreateOrder(
        identity=m.OrderIdentity(
            order_uuid=str(uuid),
            organization_id=scope.principal.organization_id,
            organization_uuid=str(scope.principal.organization_uuid),
            partner_id=scope.partner.id,
            partner_uuid=str(scope.partner.uuid),
            seller_country=scope.partner.country,
            buyer_id=buyer.id,
            external_order_id=body.externalOrderId,
            seller_name=scope.partner.name,
        ),
        buyer=buyer_now,
        buyer_known_ibans=ibans,
        vins=vins,
        total_amount=body.totalAmount.model(),
        purchase_date=body.purchaseDate,
        responsible_contact=body.responsibleContact.model() if body.responsibleContact else None,
        fingerprint=print_,
        settings=order_settings(settings, scope.partner.vat_number),
        source=source,
    )
    # Start (or find) the order's workflow with its create Update: concurrent creators meet
    # in one workflow, and the first Update to arrive creates the order.
    start = WithStartWorkflowOperation(
        OrderWorkflow.run,
        OrderStart(settings.order_abandoned_after),
        id=order_workflow_id(uuid),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        **order_start(
            external_order_id=body.externalOrderId,
            order_uuid=str(uuid),
            vins=[v.vin for v in vins],
            seller_name=scope.partner.name,
            seller_vat_number=scope.partner.vat_number,
            buyer_name=buyer.company_name,
            buyer_vat_number=buyer.vat_number,
            organization_uuid=str(scope.principal.organization_uuid),
            partner_uuid=str(scope.partner.uuid),
        ),
    )
    result = await run_command(
        client, order_workflow_id(uuid), OrderWorkflow.create, command, start=start
    )
    if result.created:
        await _catch_up_on_the_buyer(client, db, uuid, buyer.uuid, buyer_now)
    answer = versioned_json(
        answer_body(result), result.version, status_code=201 if result.created else 200
    )
    return located(answer, f"/v1/partners/{scope.partner.uuid}/orders/{uuid}")


async def _catch_up_on_the_buyer(
    client: Client, db: Database, order_uuid: UUID, buyer_uuid: UUID, told: m.BuyerRef
) -> None:
    """A change to the buyer committed while the order was being created (a VIES answer, a
    block, its KYC) looked for the buyer's open orders before this one's row existed: tell the
    new order what it missed, or it could decide on the buyer as it was."""
    now = await current_buyer_ref(db, buyer_uuid)
    if now is not None and now != told:
        handle = client.get_workflow_handle(order_workflow_id(order_uuid))
        try:
            await handle.signal(OrderWorkflow.buyer_changed, m.BuyerChanged(now))
        except RPCError as error:
            # the order exists: its answer stands, and it reads its buyer before it decides
            log.warning("new order not told of its buyer", order=str(order_uuid), error=str(error))


@router.get(
    "",
    response_model=Page[OrderOut],
    response_model_exclude_none=True,
    summary="List orders",
)
async def list_orders(
    scope: PartnerAccess,
    db: Db,
    paging: Annotated[
        PageParams, Depends(PageParams.sortable("createdAt", "updatedAt", "externalOrderId"))
    ],
    status: OrderStatusValue | None = None,
    createdAfter: TimestampQuery | None = None,
    updatedAfter: TimestampQuery | None = None,
    buyerId: UUID | None = None,
    vin: Annotated[str | None, Query(min_length=17, max_length=17)] = None,
) -> Page[OrderOut]:
    only = OrderFilter(status, createdAfter, updatedAfter, buyerId, vin)
    query = orders_of_seller(scope.tenant, scope.partner.id, only)
    async with db.session() as session:
        return await paging.fetch(session, query, lambda row: OrderOut.model_validate(row.order))


@router.get(
    "/{uuid}",
    response_model=OrderOut,
    response_model_exclude_none=True,
    summary="Get an order",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified"}, 404: {"description": "not-found"}},
)
async def get_order(
    uuid: UUID,
    request: Request,
    scope: PartnerAccess,
    db: Db,
) -> Response:
    unchanged = await not_modified(
        request, db, partial(order_version, scope.tenant, scope.partner.id, uuid, Order.version)
    )
    if unchanged is not None:
        return unchanged
    row = await order_view(db, scope, uuid, Order.order, Order.version)
    return versioned_json(row.order, row.version, request=request)


@router.patch(
    "/{uuid}",
    response_model=OrderOut,
    summary="Update an order (responsibleContact, purchaseDate)",
    dependencies=[Depends(idempotency_key), Depends(if_match)],
    responses={
        400: {"description": "If-Match missing"},
        409: {
            "description": "version-mismatch, with currentResource; or conflict: a final "
            "order's purchaseDate cannot change (its decision is held)"
        },
        422: {"description": "validation-error, also for a field that cannot change"},
    },
)
async def patch_order(
    uuid: UUID,
    body: OrderPatch,
    request: Request,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    if errors := body.fixed_field_errors():
        raise validation_problem(errors)
    return await order_command(
        client,
        db,
        scope,
        uuid,
        OrderWorkflow.patch_order,
        body.command(expected_version(request)),
    )


@router.post(
    "/{uuid}/cancel",
    response_model=OrderOut,
    summary="Cancel an order (before pickup)",
    dependencies=[Depends(idempotency_key)],
    responses={409: {"description": "after pickup, or already cancelled"}},
)
async def cancel_order(
    uuid: UUID,
    body: CancelRequest,
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.cancel, m.CancelOrder(reason=body.reason)
    )
