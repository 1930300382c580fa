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

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from api.nt24.identity.auth import Caller
from api.nt24.pagination import MAX_SIZE
from api.nt24.schemas import NT24Model
from api.shared.deps import Db
from api.shared.errors import FieldError, validation_problem
from api.shared.input_limits import NonNegativeInt64
from store.webhooks.events import (
    CATALOGUE,
    EVENT_TYPES,
    DataField,
    EventType,
    catalogue_json,
    event_envelope,
    example_envelope,
)
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


# ----- the deliveries in the OpenAPI document (its ``webhooks``, OpenAPI 3.1) -----

# a data field's catalogue type as JSON Schema; an enum stays an open string, since clients
# must accept values added later (conventions: unknown enum values are tolerated)
_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "uuid": {"type": "string", "format": "uuid"},
    "date-time": {"type": "string", "format": "date-time"},
    "enum": {"type": "string"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "object[]": {"type": "array", "items": {"type": "object"}},
}
_HEADERS = (
    ("X-Novatrade-Signature", True, "`t=<unix seconds>,v1=<lowercase hex HMAC-SHA256>`"),
    ("X-Novatrade-Event-Id", True, "The envelope's `id`: dedupe on it"),
    ("X-Novatrade-Delivery-Id", True, "The delivery, `del_...`; a replay has its own"),
    ("webhook-id", False, "Standard Webhooks: the envelope's `id`"),
    ("webhook-timestamp", False, "Standard Webhooks: the same `t`"),
    ("webhook-signature", False, "Standard Webhooks: `v1,<base64 HMAC-SHA256>`"),
)


def _data_schema(field: DataField) -> dict[str, Any]:
    return _FIELD_SCHEMAS[field.type] | {"description": field.description}


def _envelope_schema(event_type: EventType) -> dict[str, Any]:
    required = ["id", "type", "schemaVersion", "source", "createdAt", "organizationUuid"]
    properties: dict[str, Any] = {
        "id": {"type": "string", "description": "The event, `evt_...`: the same on every retry"},
        "type": {"type": "string", "const": event_type.type},
        "schemaVersion": {"type": "integer", "enum": list(event_type.schema_versions)},
        "source": {"type": "string", "description": "API, WEB_APP or SYSTEM"},
        "createdAt": {"type": "string", "format": "date-time"},
        "organizationUuid": {"type": "string", "format": "uuid"},
    }
    if event_type.partner_scoped:
        properties["partnerUuid"] = {"type": "string", "format": "uuid"}
        required.append("partnerUuid")
    # a data field that has no value is left out, as every null field of NT24 is
    properties["data"] = {
        "type": "object",
        "properties": {f.name: _data_schema(f) for f in event_type.fields},
    }
    return {"type": "object", "properties": properties, "required": [*required, "data"]}


def webhook_operations() -> dict[str, Any]:
    """The ``webhooks`` of the OpenAPI document: one POST per event type of the catalogue, its
    envelope and headers as a delivery sends them (docs/webhooks.md)."""
    return {
        event_type.type: {
            "post": {
                "tags": ["NT24: webhooks"],
                "summary": event_type.type,
                "description": event_type.fires_when
                + ("" if event_type.live else " Fires once its producer is built."),
                "operationId": "on"
                + "".join(w.capitalize() for w in re.split(r"[._]", event_type.type)),
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": required,
                        "description": description,
                        "schema": {"type": "string"},
                    }
                    for name, required, description in _HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _envelope_schema(event_type),
                            "example": example_envelope(event_type),
                        }
                    },
                },
                "responses": {
                    "2XX": {
                        "description": "Received: any 2xx acknowledges the delivery; anything "
                        "else, or no answer within the timeout, is retried"
                    }
                },
            }
        }
        for event_type in CATALOGUE
    }


def declare_webhooks(app: FastAPI) -> None:
    """Adds ``webhook_operations`` to the app's OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schema.setdefault("webhooks", webhook_operations())
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
