"""Transport (section 8): pickup and delivery milestones, immutable once set; a revoked
pickup is the only reversal, before delivery."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationInfo, field_validator

from api.nt24.identity.auth import PartnerAccess
from api.nt24.orders.commands import order_command, order_view
from api.nt24.orders.documents import DocumentOut
from api.nt24.schemas import NT24Model, UtcTimestamp
from api.nt24.values import Address, AddressIn, not_in_future
from api.shared.deps import Db, Temporal
from api.shared.idempotency import idempotency_key
from api.shared.versioning import IF_NONE_MATCH, not_modified, versioned_json
from store.models import Order
from store.orders.queries import order_version
from workflows.orders import model as m
from workflows.orders.workflow import OrderWorkflow

router = APIRouter(
    prefix="/v1/partners/{sellerId}/orders/{uuid}/transport", tags=["NT24: transport"]
)


class PickupIn(NT24Model):
    type: Literal["SELF_PICKUP", "COMPANY_TRANSPORT"]
    pickupDate: date = Field(description="Not in the future (the latest today on earth, UTC+14)")
    driverIdentification: str | None = Field(None, max_length=100)
    collectionAddress: AddressIn | None = None
    arrangedBy: Literal["SELLER", "BUYER"] | None = Field(
        None,
        description="Who arranged the transport. COMPANY_TRANSPORT defaults to SELLER; "
        "SELF_PICKUP is always the buyer (SELLER is refused).",
    )

    _pickup_date = field_validator("pickupDate")(not_in_future)

    @field_validator("arrangedBy")
    @classmethod
    def _buyer_picks_up_itself(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == "SELLER" and info.data.get("type") == "SELF_PICKUP":
            raise ValueError("must be BUYER (or absent) for SELF_PICKUP: the buyer collects")
        return value

    def model(self) -> m.Pickup:
        arranged_by = self.arrangedBy or ("BUYER" if self.type == "SELF_PICKUP" else "SELLER")
        return m.Pickup(
            type=self.type,
            pickup_date=self.pickupDate,
            driver_identification=self.driverIdentification,
            collection_address=self.collectionAddress.model() if self.collectionAddress else None,
            arranged_by=arranged_by,
        )


class DeliveryIn(NT24Model):
    deliveryDate: date = Field(
        description="Not before the pickup date, not in the future (the latest today, UTC+14)"
    )
    deliveryAddress: AddressIn | None = Field(
        None, description="Defaults to the buyer's address country"
    )

    _delivery_date = field_validator("deliveryDate")(not_in_future)

    def model(self) -> m.Delivery:
        return m.Delivery(
            delivery_date=self.deliveryDate,
            delivery_address=self.deliveryAddress.model() if self.deliveryAddress else None,
        )


class RevokeIn(NT24Model):
    reason: str = Field(min_length=1, max_length=500)


class PickupOut(NT24Model):
    """The pickup as confirmed (store/orders/views.py ``transport_view``)."""

    type: Literal["SELF_PICKUP", "COMPANY_TRANSPORT"]
    pickupDate: date
    driverIdentification: str | None = None
    collectionAddress: Address | None = None
    confirmedAt: UtcTimestamp | None = None
    arrangedBy: Literal["SELLER", "BUYER"]


class TransportDeliveryOut(NT24Model):
    deliveryDate: date
    deliveryAddress: Address | None = None
    confirmedAt: UtcTimestamp | None = None


class RevocationOut(NT24Model):
    """A pickup revoked: why and when."""

    reason: str
    revokedAt: UtcTimestamp


class TransportOut(NT24Model):
    status: Literal["PENDING", "IN_PROGRESS", "DELIVERED"]
    pickup: PickupOut | None = None
    delivery: TransportDeliveryOut | None = None
    revocations: list[RevocationOut] = []
    documents: list[DocumentOut] = []
    dailyViesChecksActive: bool
    version: int
    updatedAt: UtcTimestamp | None = None


_MILESTONE: dict[int | str, dict[str, Any]] = {
    409: {"description": "milestone-already-set, with the current transport state"}
}
# the transport view's version inside its JSON, built once: a statement built per request is
# compiled per request too
_VERSION = Order.transport["version"].as_integer()


@router.get(
    "",
    response_model=TransportOut,
    summary="The order's transport state",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified"}},
)
async def get_transport(
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
    row = await order_view(db, scope, uuid, Order.transport)
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
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
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
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
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
    scope: PartnerAccess,
    db: Db,
    client: Temporal,
) -> JSONResponse:
    return await order_command(
        client, db, scope, uuid, OrderWorkflow.confirm_delivery, m.ConfirmDelivery(body.model())
    )
