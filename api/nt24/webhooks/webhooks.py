"""Webhook endpoints (contract section 5): register, list, read, update (pause, resume), delete,
test fire, delivery history and replay. Endpoints belong to the organization; another
organization's endpoint is a 404. Delivery itself is in activities/webhooks/delivery.py and
workflows/webhooks/delivery.py; the design is docs/webhooks.md.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, SecretStr, StrictInt
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.webhooks.delivery import (
    first_attempt_at,
    new_delivery_id,
    new_secret,
    secret_problem,
    start_deliveries,
    start_sweep,
    vet_target,
)
from api.nt24.identity.auth import Caller, Principal, authorized_partners
from api.nt24.pagination import Page, PageParams
from api.nt24.schemas import (
    CANNOT_CHANGE,
    ID_FIXED,
    RECORDED_BY_THE_SERVER,
    VERSION_BY_IF_MATCH,
    NT24Model,
    PatchModel,
    UtcTimestamp,
)
from api.shared.deps import AppSettings, Db, Temporal, app_settings
from api.shared.errors import FieldError, Problem, validation_problem
from api.shared.idempotency import idempotency_key
from api.shared.input_limits import TimestampQuery
from api.shared.locations import CREATED
from api.shared.versioning import (
    IF_NONE_MATCH,
    check_version,
    optional_if_match,
    versioned,
)
from settings import Settings
from store.db import Database
from store.models import WebhookDelivery, WebhookEndpoint, utcnow
from store.webhooks.events import (
    EVENT_TYPES,
    envelope,
    new_event_id,
    pattern_problem,
    schema_version_problem,
)
from store.webhooks.queries import (
    delete_deliveries,
    deliveries_of_endpoint,
    delivery_of_endpoint,
    planned_attempt_at,
    retry_parked_deliveries,
    webhook_endpoint,
    webhook_endpoints,
)
from workflows.change_source import ChangeSource
from workflows.ids import webhook_resume_sweep_workflow_id
from workflows.webhooks.activities import ACTIVE

router = APIRouter(prefix="/v1/webhooks", tags=["NT24: webhooks"])

# The contract's paths name an endpoint's identifier {id} (conventions section 5.2)
EndpointId = Annotated[str, Path(alias="id", description="The webhook endpoint's id")]

if TYPE_CHECKING:  # a type checker cannot read a Literal made at run time
    EventTypeName = str
else:  # the names themselves, as an enum in /openapi.json
    EventTypeName = Literal[tuple(EVENT_TYPES)]
EVENTS_DESCRIPTION = (
    "Event types (GET /v1/events/types) and segment wildcards such as `compliance.*`, "
    "`kyc.*`, `self_service_invitation.*`; the root `*` is not supported."
)
MAX_PARTNERS = 1000  # far more than an organization has
PARTNERS_DESCRIPTION = "Only events of these authorized partners; omitted or null: all of them."
VERSIONS_DESCRIPTION = (
    "The event schema versions this endpoint takes; omitted or null on registration: [1]. "
    "Each event is delivered in the highest of them it is emitted in (during a new version's "
    "dual emission, only that one); an event emitted in none of them is not delivered."
)
SchemaVersions = Annotated[list[StrictInt], Field(min_length=1, max_length=10)]
NOT_AUTHORIZED = "is not one of your organization's authorized partners"


class WebhookEndpointIn(NT24Model):
    url: str = Field(max_length=2000, examples=["https://example.com/nt24/webhooks"])
    events: list[str] = Field(min_length=1, max_length=50, description=EVENTS_DESCRIPTION)
    partnerIds: list[UUID] | None = Field(
        None, max_length=MAX_PARTNERS, description=PARTNERS_DESCRIPTION
    )
    secret: str | None = Field(
        None,
        description=(
            "`whsec_` and 6-90 visible ASCII characters (no spaces); generated when omitted "
            "(`whsec_` and the base64 of 32 random bytes). Deliveries also carry the Standard "
            "Webhooks headers when the part after `whsec_` is standard base64."
        ),
    )
    acceptedSchemaVersions: SchemaVersions | None = Field(None, description=VERSIONS_DESCRIPTION)


class WebhookEndpointPatch(PatchModel):
    FIXED = {
        "secret": "cannot change: register a new endpoint, then delete this one",
        "id": ID_FIXED,
        "statusReason": "is recorded by the server when it pauses or disables the endpoint",
        "version": VERSION_BY_IF_MATCH,
        "createdAt": RECORDED_BY_THE_SERVER,
        "updatedAt": RECORDED_BY_THE_SERVER,
    }

    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = Field(None, min_length=1, max_length=50)
    partnerIds: list[UUID] | None = Field(
        None, max_length=MAX_PARTNERS, description=PARTNERS_DESCRIPTION
    )
    status: Literal["ACTIVE", "PAUSED"] | None = Field(
        None, description="PAUSED queues deliveries; ACTIVE resumes and delivers what queued."
    )
    acceptedSchemaVersions: SchemaVersions | None = Field(None, description=VERSIONS_DESCRIPTION)
    # SecretStr: the refusal shows it masked, as a secret is never echoed
    secret: SecretStr | None = Field(None, description=CANNOT_CHANGE)
    id: str | None = Field(None, description=CANNOT_CHANGE)
    statusReason: str | None = Field(None, description=CANNOT_CHANGE)
    version: int | None = Field(None, description=CANNOT_CHANGE)
    createdAt: datetime | None = Field(None, description=CANNOT_CHANGE)
    updatedAt: datetime | None = Field(None, description=CANNOT_CHANGE)


class WebhookEndpointOut(NT24Model):
    id: str = Field(examples=["wh_5f1c2d3e4a5b6c7d"])
    url: str
    events: list[str]
    status: Literal["ACTIVE", "PAUSED", "DISABLED"]
    statusReason: str | None = Field(None, description="Why it is PAUSED or DISABLED")
    partnerIds: list[UUID] | None = None
    acceptedSchemaVersions: list[int] = Field(description=VERSIONS_DESCRIPTION)
    version: int
    createdAt: UtcTimestamp
    updatedAt: UtcTimestamp | None = None

    @classmethod
    def of(cls, row: WebhookEndpoint) -> WebhookEndpointOut:
        return cls(
            id=row.public_id,
            url=row.url,
            events=row.events,
            status=row.status,
            statusReason=row.status_reason,
            partnerIds=row.partner_ids,
            acceptedSchemaVersions=row.accepted_schema_versions,
            version=row.version,
            createdAt=row.created_at,
            updatedAt=row.updated_at,
        )


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(description="The signing secret: shown in this answer only, never again.")


class TestFire(NT24Model):
    eventType: EventTypeName
    data: dict[str, Any]
    partnerId: UUID | None = Field(None, description="Sent as the envelope's partnerUuid")


class DeliveryOut(NT24Model):
    id: str = Field(examples=["del_8a9b0c1d2e3f4a5b"])
    eventId: str
    eventType: str
    kind: Literal["EVENT", "TEST", "REPLAY"]
    status: Literal["PENDING", "DELIVERED", "FAILED"]
    httpStatus: int | None = None
    attempts: int
    lastAttemptAt: UtcTimestamp | None = None
    nextRetryAt: UtcTimestamp | None = None
    error: str | None = Field(None, description="What went wrong on the last attempt")
    replayOf: str | None = None
    createdAt: UtcTimestamp

    @classmethod
    def of(cls, row: WebhookDelivery, endpoint_status: str = ACTIVE) -> DeliveryOut:
        """``endpoint_status``: its endpoint's; a delivery made just now was planned by it."""
        return cls(
            id=row.public_id,
            eventId=row.event_id,
            eventType=row.event_type,
            kind=row.kind,
            status=row.status,
            httpStatus=row.http_status,
            attempts=row.attempts,
            lastAttemptAt=row.last_attempt_at,
            nextRetryAt=planned_attempt_at(row, endpoint_status),
            error=row.error,
            replayOf=row.replay_of,
            createdAt=row.created_at,
        )


def _accepted(delivery: WebhookDelivery) -> JSONResponse:
    return JSONResponse(
        DeliveryOut.of(delivery).model_dump(mode="json", exclude_none=True), status_code=202
    )


async def _load(
    session: AsyncSession, caller: Principal, endpoint_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    row = await webhook_endpoint(session, caller.tenant, endpoint_id, lock=lock)
    if row is None:
        raise Problem("not-found", f"Webhook endpoint {endpoint_id} was not found.")
    return row


async def _problems(
    request: Request, caller: Principal, body: WebhookEndpointIn | WebhookEndpointPatch
) -> list[FieldError]:
    """Everything wrong with a registration's fields, each named (422 on them all at once)."""
    url, events, partner_ids = body.url, body.events, body.partnerIds
    schema_versions = body.acceptedSchemaVersions
    errors = []
    if url is not None and (problem := (await vet_target(url, app_settings(request))).problem):
        errors.append(FieldError("url", problem, url))
    for i, pattern in enumerate(events or []):
        if problem := pattern_problem(pattern):
            errors.append(FieldError(f"events[{i}]", problem, pattern))
    for i, version in enumerate(schema_versions or []):
        if problem := schema_version_problem(version):
            errors.append(FieldError(f"acceptedSchemaVersions[{i}]", problem, version))
    if partner_ids:
        authorized = await _authorized(request, caller)
        errors.extend(
            FieldError(f"partnerIds[{i}]", NOT_AUTHORIZED, str(p))
            for i, p in enumerate(partner_ids)
            if p not in authorized
        )
    return errors


async def _authorized(request: Request, caller: Principal) -> set[UUID]:
    return {p.uuid for p in await authorized_partners(request, caller)}


def _partner_ids(partner_ids: list[UUID] | None) -> list[str] | None:
    return None if partner_ids is None else list(dict.fromkeys(map(str, partner_ids)))


def _set_schema_versions(row: WebhookEndpoint, versions: list[int] | None) -> None:
    """Store the versions given (sorted, each once); None keeps what the row has."""
    if versions is not None:
        row.accepted_schema_versions = sorted(set(versions))


@router.post(
    "",
    response_model=WebhookEndpointCreated,
    status_code=201,
    summary="Register a webhook endpoint (its secret is shown in this answer only)",
    dependencies=[Depends(idempotency_key)],
    responses={**CREATED, 422: {"description": "validation-error naming the field"}},
)
async def create_webhook(
    body: WebhookEndpointIn, request: Request, caller: Caller, db: Db
) -> Response:
    row = await register_endpoint(body, request, caller, db)
    created = WebhookEndpointCreated(**dict(WebhookEndpointOut.of(row)), secret=row.secret)
    response = versioned(created, row.version, status_code=201)
    response.headers["Location"] = f"/v1/webhooks/{row.public_id}"
    return response


async def register_endpoint(
    body: WebhookEndpointIn, request: Request, caller: Principal, db: Database
) -> WebhookEndpoint:
    """Validate and store a new endpoint (422 naming every wrong field): shared by the API and
    the web app. The row carries the signing secret, which the caller shows once."""
    errors = await _problems(request, caller, body)
    if body.secret is not None and (problem := secret_problem(body.secret)):
        errors.append(FieldError("secret", problem))  # a secret is never echoed back
    if errors:
        raise validation_problem(errors)
    now = utcnow()
    row = WebhookEndpoint(
        public_id=f"wh_{secrets.token_hex(8)}",
        organization_id=caller.organization_id,
        url=body.url,
        events=list(dict.fromkeys(body.events)),
        partner_ids=_partner_ids(body.partnerIds),
        secret=body.secret or new_secret(),
        status=ACTIVE,
        version=0,
        created_at=now,
        updated_at=now,
    )
    _set_schema_versions(row, body.acceptedSchemaVersions)  # else the default, [1]
    async with db.transaction() as session:
        session.add(row)
    return row


@router.get(
    "",
    response_model=list[WebhookEndpointOut],
    response_model_exclude_none=True,
    summary="List the organization's webhook endpoints (a plain array, no secrets)",
)
async def list_webhooks(caller: Caller, db: Db) -> list[WebhookEndpointOut]:
    async with db.session() as session:
        rows = await webhook_endpoints(session, caller.tenant)
    return [WebhookEndpointOut.of(row) for row in rows]


@router.get(
    "/{id}",
    response_model=WebhookEndpointOut,
    summary="Get a webhook endpoint (no secret)",
    openapi_extra=IF_NONE_MATCH,
    responses={304: {"description": "Not modified"}, 404: {"description": "not-found"}},
)
async def get_webhook(endpointId: EndpointId, request: Request, caller: Caller, db: Db) -> Response:
    async with db.session() as session:
        row = await _load(session, caller, endpointId)
    return versioned(WebhookEndpointOut.of(row), row.version, request=request)


@router.patch(
    "/{id}",
    response_model=WebhookEndpointOut,
    summary="Update a webhook endpoint; status PAUSED pauses, ACTIVE resumes",
    dependencies=[Depends(idempotency_key)],
    responses={
        400: {"description": "If-Match malformed"},
        404: {"description": "not-found"},
        409: {"description": "version-mismatch, with currentResource"},
        422: {"description": "validation-error naming the field"},
    },
)
async def patch_webhook(
    endpointId: EndpointId,
    body: WebhookEndpointPatch,
    request: Request,
    caller: Caller,
    db: Db,
    client: Temporal,
    settings: AppSettings,
    expected: Annotated[int | None, Depends(optional_if_match)],
) -> Response:
    row = await update_endpoint(endpointId, body, expected, request, caller, db, client, settings)
    return versioned(WebhookEndpointOut.of(row), row.version)


async def update_endpoint(
    endpoint_id: str,
    body: WebhookEndpointPatch,
    expected: int | None,
    request: Request,
    caller: Principal,
    db: Database,
    client: Client,
    settings: Settings,
) -> WebhookEndpoint:
    """Change an endpoint read at version ``expected`` (pause, resume, URL, filters), or at
    whatever version is current when ``expected`` is None: shared by the API and the web app."""
    given = body.model_fields_set
    errors = body.fixed_field_errors() + [
        FieldError(name, "cannot be null", None)
        for name in ("url", "events", "status", "acceptedSchemaVersions")
        if name in given and getattr(body, name) is None
    ]
    errors += await _problems(request, caller, body)
    async with db.transaction() as session:
        row = await _load(session, caller, endpoint_id, lock=True)
        if expected is not None:
            check_version(expected, row.version, WebhookEndpointOut.of(row))
        if errors:
            raise validation_problem(errors)
        before = WebhookEndpointOut.of(row)
        if body.url is not None:
            row.url = body.url
        if body.events is not None:
            row.events = list(dict.fromkeys(body.events))
        if "partnerIds" in given:
            row.partner_ids = _partner_ids(body.partnerIds)
        _set_schema_versions(row, body.acceptedSchemaVersions)
        resumed = body.status == ACTIVE and row.status != ACTIVE
        if body.status is not None and body.status != row.status:
            row.status = body.status
            row.status_reason = None if resumed else "Paused by the organization"
        if resumed:
            row.consecutive_failures, row.failing_since = 0, None
            await retry_parked_deliveries(session, row.id)
        if WebhookEndpointOut.of(row) != before:
            row.version += 1
            row.updated_at = utcnow()
    if resumed:
        await start_sweep(
            client, settings, webhook_resume_sweep_workflow_id(row.public_id, row.version)
        )
    return row


@router.delete(
    "/{id}",
    status_code=204,
    summary="Delete a webhook endpoint and its delivery history (to rotate its secret, "
    "register a new one first)",
    dependencies=[Depends(idempotency_key)],
    responses={404: {"description": "not-found"}},
)
async def delete_webhook(endpointId: EndpointId, caller: Caller, db: Db) -> Response:
    async with db.transaction() as session:
        row = await _load(session, caller, endpointId, lock=True)
        # a delivery still retrying finds nothing at its next attempt and ends
        await delete_deliveries(session, row.id)
        await session.delete(row)
    return Response(status_code=204)


@router.post(
    "/{id}/test",
    response_model=DeliveryOut,
    status_code=202,
    summary="Queue a test fire: the given event type and data, regardless of the filters",
    dependencies=[Depends(idempotency_key)],
    responses={404: {"description": "not-found"}, 422: {"description": "validation-error"}},
)
async def test_webhook(
    endpointId: EndpointId,
    body: TestFire,
    request: Request,
    caller: Caller,
    db: Db,
    client: Temporal,
    settings: AppSettings,
) -> JSONResponse:
    return _accepted(
        await queue_test_fire(
            endpointId, body, request, caller, db, client, settings, ChangeSource.API
        )
    )


async def queue_test_fire(
    endpoint_id: str,
    body: TestFire,
    request: Request,
    caller: Principal,
    db: Database,
    client: Client,
    settings: Settings,
    source: str,
) -> WebhookDelivery:
    """Queue a test delivery of ``body`` to the endpoint (its filters do not apply), its
    envelope carrying ``source``: shared by the API and the web app."""
    if body.partnerId and body.partnerId not in await _authorized(request, caller):
        raise validation_problem([FieldError("partnerId", NOT_AUTHORIZED, str(body.partnerId))])
    async with db.transaction() as session:
        # held until the delivery is stored: a DELETE committed in between makes this a 404
        row = await _load(session, caller, endpoint_id, lock=True)
        now, event_id = utcnow(), new_event_id()
        delivery = WebhookDelivery(
            public_id=new_delivery_id(),
            organization_id=caller.organization_id,
            endpoint_id=row.id,
            event_id=event_id,
            event_type=body.eventType,
            kind="TEST",
            payload=envelope(
                event_id,
                body.eventType,
                source,
                now,
                caller.organization_uuid,
                body.partnerId,
                body.data,
            ),
            created_at=now,
            next_retry_at=first_attempt_at(row, now),
        )
        session.add(delivery)
    described = {"endpoint_id": row.public_id, "event_type": delivery.event_type}
    await start_deliveries(client, settings, [delivery.public_id], {delivery.public_id: described})
    return delivery


@router.get(
    "/{id}/deliveries",
    response_model=Page[DeliveryOut],
    response_model_exclude_none=True,
    summary="The endpoint's delivery history (30 days), newest first",
    responses={404: {"description": "not-found"}},
)
async def list_deliveries(
    endpointId: EndpointId,
    caller: Caller,
    db: Db,
    paging: Annotated[
        PageParams, Depends(PageParams.sortable("createdAt", default="createdAt,desc"))
    ],
    status: Literal["PENDING", "DELIVERED", "FAILED"] | None = None,
    since: Annotated[
        TimestampQuery | None, Query(description="Only deliveries created after it")
    ] = None,
) -> Page[DeliveryOut]:
    async with db.session() as session:
        row = await _load(session, caller, endpointId)
        query = deliveries_of_endpoint(caller.tenant, row.id, status, since)
        return await paging.fetch(
            session, query, lambda delivery: DeliveryOut.of(delivery, row.status)
        )


@router.post(
    "/{id}/deliveries/{deliveryId}/replay",
    response_model=DeliveryOut,
    status_code=202,
    summary="Queue a replay: the same event (same id, same body), freshly signed",
    dependencies=[Depends(idempotency_key)],
    responses={404: {"description": "not-found (also once purged after 30 days)"}},
)
async def replay_delivery(
    endpointId: EndpointId,
    deliveryId: str,
    caller: Caller,
    db: Db,
    client: Temporal,
    settings: AppSettings,
) -> JSONResponse:
    async with db.transaction() as session:
        row = await _load(session, caller, endpointId, lock=True)  # as for a test fire
        original = await delivery_of_endpoint(session, caller.tenant, row.id, deliveryId)
        if original is None:
            raise Problem("not-found", f"Delivery {deliveryId} was not found.")
        now = utcnow()
        replay = WebhookDelivery(
            public_id=new_delivery_id(),
            organization_id=caller.organization_id,
            endpoint_id=row.id,
            event_id=original.event_id,
            event_type=original.event_type,
            kind="REPLAY",
            replay_of=original.public_id,
            payload=original.payload,
            created_at=now,
            next_retry_at=first_attempt_at(row, now),
        )
        session.add(replay)
    described = {"endpoint_id": row.public_id, "event_type": replay.event_type}
    await start_deliveries(client, settings, [replay.public_id], {replay.public_id: described})
    return _accepted(replay)
