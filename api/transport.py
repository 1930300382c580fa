"""Transport (section 8): pickup and delivery milestones, immutable once set; a revoked
pickup is the only reversal, before delivery."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from temporalio.client import Client

from api.deps import database, temporal
from api.idempotency import idempotency_key
from api.nt24_auth import PartnerScope, partner_scope
from api.nt24_schemas import NT24Model
from api.nt24_values import AddressIn
from api.order_commands import load_order, order_command
from api.versioning import if_none_match, versioned_json
from store.db import Database
from workflows import order_model as m
from workflows.order import OrderWorkflow

router = APIRouter(
    prefix="/v1/partners/{sellerId}/orders/{uuid}/transport", tags=["NT24: transport"]
)


class PickupIn(NT24Model):
    type: Literal["SELF_PICKUP", "COMPANY_TRANSPORT"]
    pickupDate: date
    driverIdentification: str | None = Field(None, max_length=100)
    collectionAddress: AddressIn | None = None

    def model(self) -> m.Pickup:
        return m.Pickup(
            type=self.type,
            pickup_date=self.pickupDate,
            driver_identification=self.driverIdentification,
            collection_address=self.collectionAddress.model() if self.collectionAddress else None,
        )


class DeliveryIn(NT24Model):
    deliveryDate: date
    deliveryAddress: AddressIn | None = Field(
        None, description="Defaults to the buyer's address country"
    )

    def model(self) -> m.Delivery:
        return m.Delivery(
            delivery_date=self.deliveryDate,
            delivery_address=self.deliveryAddress.model() if self.deliveryAddress else None,
        )


class RevokeIn(NT24Model):
    reason: str = Field(min_length=1, max_length=500)


class TransportOut(NT24Model):
    status: Literal["PENDING", "IN_PROGRESS", "DELIVERED"]
    pickup: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None
    revocations: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    dailyViesChecksActive: bool
    version: int


_MILESTONE = {409: {"description": "milestone-already-set, with the current transport state"}}


@router.get(
    "",
    response_model=TransportOut,
    summary="The order's transport state",
    dependencies=[Depends(if_none_match)],
    responses={304: {"description": "Not modified"}},
)
async def get_transport(
    uuid: UUID,
    request: Request,
    scope: Annotated[PartnerScope, Depends(partner_scope)],
    db: Annotated[Database, Depends(database)],
) -> Response:
    row = await load_order(db, scope, uuid)
    return versioned_json(row.transport, row.transport["version"], request=request)


@router.post(
    "/pickup",
    response_model=TransportOut,
    summary="Confirm pickup (immutable; revoke to correct)",
    dependencies=[Depends(idempotency_key)],
    responses=_MILESTONE,
)
async def confirm_pickup(
    uuid: UUID,
    body: PickupIn,
    scope: Annotated[PartnerScope, Depends(partner_scope)],
    db: Annotated[Database, Depends(database)],
    client: Annotated[Client, Depends(temporal)],
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.confirm_pickup, m.ConfirmPickup(body.model())
    )


@router.post(
    "/pickup/revoke",
    response_model=TransportOut,
    summary="Revoke the pickup (with a reason; only before delivery)",
    dependencies=[Depends(idempotency_key)],
    responses={409: {"description": "delivered already, or no pickup to revoke"}},
)
async def revoke_pickup(
    uuid: UUID,
    body: RevokeIn,
    scope: Annotated[PartnerScope, Depends(partner_scope)],
    db: Annotated[Database, Depends(database)],
    client: Annotated[Client, Depends(temporal)],
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.revoke_pickup, m.RevokePickup(body.reason)
    )


@router.post(
    "/delivery",
    response_model=TransportOut,
    summary="Confirm delivery (immutable; stops the daily VIES re-check)",
    dependencies=[Depends(idempotency_key)],
    responses=_MILESTONE,
)
async def confirm_delivery(
    uuid: UUID,
    body: DeliveryIn,
    scope: Annotated[PartnerScope, Depends(partner_scope)],
    db: Annotated[Database, Depends(database)],
    client: Annotated[Client, Depends(temporal)],
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.confirm_delivery, m.ConfirmDelivery(body.model())
    )
