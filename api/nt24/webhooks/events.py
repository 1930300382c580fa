"""The events feed (beyond the contract): the organization's events for reconciliation, and the
catalogue of event types.

``GET /v1/events`` lists events in the order they were recorded, after a cursor (``after``, the
``sequence`` of the last event seen), each exactly the envelope a webhook delivers plus its
``sequence``: a receiver that missed deliveries catches up here and dedupes on ``id``.
Only the catalogue's types are listed: the feed shows what webhooks can deliver. Following
``nextAfter`` skips no event: on PostgreSQL an event is shown once no transaction that could
still commit one before it is in flight (store/webhooks/queries.py ``events_after``).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from api.nt24.identity.auth import Caller
from api.nt24.pagination import MAX_SIZE
from api.nt24.schemas import NT24Model
from api.shared.deps import Db
from api.shared.errors import FieldError, validation_problem
from api.shared.input_limits import NonNegativeInt64
from store.webhooks.events import EVENT_TYPES, catalogue_json, event_envelope
from store.webhooks.queries import EventFilter, events_after

router = APIRouter(prefix="/v1/events", tags=["NT24: events"])


class EventOut(NT24Model):
    """The webhook envelope, and the event's place in the feed."""

    sequence: int = Field(description="The cursor: pass the last one seen as `after`")
    id: str = Field(examples=["evt_0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a"])
    type: str
    schemaVersion: int
    source: str = Field(description="API, WEB_APP or SYSTEM")
    createdAt: str
    organizationUuid: UUID
    partnerUuid: UUID | None = None
    data: dict[str, Any]


class EventFeed(NT24Model):
    data: list[EventOut]
    nextAfter: int = Field(description="`after` for the next call (unchanged when empty)")
    hasMore: bool


class DataFieldOut(NT24Model):
    name: str
    type: str
    description: str


class EventTypeOut(NT24Model):
    type: str
    firesWhen: str
    available: bool = Field(description="False: in the contract, fires once its producer lands")
    dataFields: list[DataFieldOut]
    example: dict[str, Any]


@router.get("", response_model=EventFeed, summary="The organization's events, after a cursor")
async def list_events(
    caller: Caller,
    db: Db,
    after: Annotated[NonNegativeInt64, Query(description="Only events after this sequence")] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_SIZE)] = 20,
    type: Annotated[list[str] | None, Query(description="Only these event types")] = None,
    partnerId: Annotated[UUID | None, Query(description="Only this partner's events")] = None,
    orderId: Annotated[UUID | None, Query(description="Only this order's events")] = None,
) -> JSONResponse:
    unknown = [
        FieldError(f"type[{i}]", "is not an event type (see GET /v1/events/types)", t)
        for i, t in enumerate(type or [])
        if t not in EVENT_TYPES
    ]
    if unknown:
        raise validation_problem(unknown)
    only = EventFilter(tuple(type or EVENT_TYPES), partnerId, orderId)
    rows = await events_after(db, caller.tenant, after, only, size + 1)
    page = rows[:size]
    # the envelope as delivered, so that the feed and the deliveries compare equal
    data = [
        {"sequence": event.sequence} | event_envelope(event, caller.organization_uuid, partner)
        for event, partner in page
    ]
    next_after = page[-1][0].sequence if page else after
    return JSONResponse({"data": data, "nextAfter": next_after, "hasMore": len(rows) > size})


@router.get(
    "/types",
    response_model=list[EventTypeOut],
    summary="The event catalogue: every type, when it fires, its data fields, an example",
)
async def event_types(_caller: Caller) -> JSONResponse:
    return JSONResponse(catalogue_json())
