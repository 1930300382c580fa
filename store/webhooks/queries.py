"""Queries of an organization's webhook endpoints, their deliveries and its event feed, as the
NT24 API reads and changes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Select,
    Text,
    and_,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import AnyRow, Database
from store.identity.tenancy import Scope, Tenant
from store.models import (
    Event,
    Order,
    Organization,
    Partner,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from store.queries import shown_after
from workflows.webhooks.activities import ACTIVE, PENDING


async def webhook_endpoint(
    session: AsyncSession, tenant: Tenant, public_id: str, *, lock: bool = False
) -> WebhookEndpoint | None:
    """The organization's endpoint (None for anyone else's); ``lock`` holds its row until the
    transaction ends."""
    query = tenant.select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def webhook_endpoints(session: AsyncSession, tenant: Tenant) -> list[WebhookEndpoint]:
    """The organization's endpoints, oldest first."""
    return list(
        await session.scalars(
            tenant.select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    )


def planned_attempt_at(delivery: WebhookDelivery, endpoint_status: str) -> datetime | None:
    """When the delivery's next attempt is planned, as its history shows it: never once it is
    settled, nor while its endpoint is paused or disabled, where it queues until resumed (a
    retry timer still running then finds the endpoint paused and parks it). Resumed, the
    planned retry shows again, or a parked delivery's, due at once."""
    if delivery.status != PENDING or endpoint_status != ACTIVE:
        return None
    return delivery.next_retry_at


async def retry_parked_deliveries(session: AsyncSession, endpoint_id: int) -> None:
    """The endpoint's deliveries parked while it was paused start a fresh retry schedule now."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_retry_at.is_(None),
        )
        .values(failing_since=None, retries_used=0, next_retry_at=utcnow())
    )


async def delete_deliveries(session: AsyncSession, endpoint_id: int) -> None:
    """The endpoint's delivery history goes (a delivery still retrying then finds nothing)."""
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))


def deliveries_of_endpoint(
    tenant: Tenant, endpoint_id: int, status: str | None, created_after: datetime | None
) -> Select[Any]:
    """The endpoint's deliveries, of one status or created after a moment when given (the
    caller pages and sorts them)."""
    query = tenant.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    if created_after:
        query = query.where(shown_after(WebhookDelivery.created_at, created_after))
    return query


async def delivery_of_endpoint(
    session: AsyncSession, tenant: Tenant, endpoint_id: int, public_id: str
) -> WebhookDelivery | None:
    return await session.scalar(
        tenant.select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.public_id == public_id
        )
    )


@dataclass(frozen=True)
class EventFilter:
    """The event feed's filters: the event types it shows, and a partner or an order when
    given."""

    types: tuple[str, ...]
    partner_uuid: UUID | None = None
    order_uuid: UUID | None = None


# The oldest transaction still in flight as the feed's statement sees it (PostgreSQL 13+):
# every event whose inserting transaction (``events.xid``) is below it is settled, committed or
# rolled back, and no transaction that could still commit one below it remains
SETTLED_BELOW = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)


async def events_after(
    db: Database, tenant: Tenant, sequence: int, only: EventFilter, limit: int
) -> list[tuple[Event, UUID | None]]:
    """The organization's first ``limit`` events after the one numbered ``sequence``, in the
    feed's order, each with its partner's uuid (None for an organization-wide event).

    On SQLite, one writer at a time: sequence order is commit order, and the feed is in it.
    On PostgreSQL sequence numbers are drawn before commit, so a transaction still open may
    commit a lower number than one a reader has seen already: the feed shows only events of
    settled transactions (``events.xid`` below ``SETTLED_BELOW``), in the order of their
    inserting transaction, then sequence. An event held back then comes after every event the
    reader has seen, never before its cursor. ``sequence`` places the cursor at that event
    (or, for a number that names none of the organization's, at its nearest one before).
    """
    query = (
        tenant.select(Event, Event, Partner.uuid)
        .outerjoin(Partner, Event.partner_id == Partner.id)
        .where(Event.type.in_(only.types))
    )
    if only.partner_uuid is not None:
        query = query.where(Partner.uuid == only.partner_uuid)
    if only.order_uuid is not None:
        query = query.join(Order, Event.order_id == Order.id).where(Order.uuid == only.order_uuid)
    if db.engine.dialect.name == "postgresql":
        cursor_xid = (
            tenant.select(Event, Event.xid)
            .where(Event.sequence <= sequence)
            .order_by(Event.sequence.desc())
            .limit(1)
            .scalar_subquery()
        )
        after = tuple_(Event.xid, Event.sequence) > tuple_(
            func.coalesce(cursor_xid, -1), literal(sequence, BigInteger)
        )
        query = query.where(after, Event.xid < SETTLED_BELOW).order_by(Event.xid, Event.sequence)
    else:
        query = query.where(Event.sequence > sequence).order_by(Event.sequence)
    async with db.session() as session:
        rows = await session.execute(query.limit(limit))
    return [(event, partner) for event, partner in rows]


async def pending_deliveries_by_endpoint(session: AsyncSession) -> list[AnyRow]:
    """Per endpoint, across organizations, its deliveries not yet delivered nor given up and
    how many of them were tried already: ``(public_id, pending, retrying)`` rows."""
    query = (
        select(
            WebhookEndpoint.public_id,
            func.count(),
            func.count().filter(WebhookDelivery.attempts > 0),
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == PENDING)
        .group_by(WebhookEndpoint.public_id)
    )
    return list((await session.execute(query)).all())


async def endpoints_by_status(session: AsyncSession) -> list[AnyRow]:
    """How many endpoints there are of each status across organizations, and how many of them
    failing deliveries paused: ``(status, count, auto_paused)`` rows."""
    query = select(
        WebhookEndpoint.status,
        func.count(),
        func.count().filter(
            and_(
                WebhookEndpoint.status == "PAUSED",
                WebhookEndpoint.status_reason.like("Auto-paused%"),
            )
        ),
    ).group_by(WebhookEndpoint.status)
    return list((await session.execute(query)).all())


async def finished_deliveries_since(
    session: AsyncSession, scope: Scope, since: datetime
) -> list[AnyRow]:
    """The scope's deliveries created since then and delivered or given up:
    ``(created_at, status)`` rows."""
    query = (
        scope.select(WebhookDelivery, WebhookDelivery.created_at, WebhookDelivery.status)
        .where(WebhookDelivery.created_at >= since)
        .where(WebhookDelivery.status != PENDING)
    )
    return list((await session.execute(query)).all())


async def retrying_deliveries(session: AsyncSession, scope: Scope) -> int | None:
    """How many of the scope's pending deliveries were tried already."""
    return await session.scalar(
        scope.select(WebhookDelivery, func.count())
        .where(WebhookDelivery.status == PENDING)
        .where(WebhookDelivery.attempts > 0)
    )


async def endpoints_with_organization_names(db: Database, scope: Scope) -> list[AnyRow]:
    """The endpoints the scope sees by organization and age: ``(endpoint, organization's
    name)`` rows."""
    async with db.session() as session:
        rows = await session.execute(
            scope.select(WebhookEndpoint, WebhookEndpoint, Organization.name)
            .join(Organization, Organization.id == WebhookEndpoint.organization_id)
            .order_by(Organization.name, WebhookEndpoint.created_at)
        )
        return list(rows.all())


async def endpoint_with_organization(db: Database, scope: Scope, public_id: str) -> AnyRow | None:
    """The scope's endpoint with its organization: one ``(endpoint, organization)`` row (None
    for an endpoint the scope does not see)."""
    async with db.session() as session:
        return (
            await session.execute(
                scope.select(WebhookEndpoint, WebhookEndpoint, Organization)
                .join(Organization, Organization.id == WebhookEndpoint.organization_id)
                .where(WebhookEndpoint.public_id == public_id)
            )
        ).first()


@dataclass(frozen=True)
class DeliveryPage:
    """One page of an endpoint's deliveries, newest first, and where the pages either side of
    it start: after ``older``, before ``newer`` (the public ids of its last and first delivery;
    None where there is no such page)."""

    deliveries: list[WebhookDelivery]
    older: str | None
    newer: str | None


def _beside(endpoint_id: int, public_id: str, *, newer: bool) -> Any:
    """The deliveries newer (or older) than the endpoint's delivery ``public_id``, in the page
    order (created, then id, as two deliveries may share a moment). The cursor is read in the
    same statement, so its timestamp is never turned into a value and back; one that names
    none of the endpoint's deliveries matches nothing."""
    cursor = aliased(WebhookDelivery)
    named = (cursor.endpoint_id == endpoint_id, cursor.public_id == public_id)
    at = select(cursor.created_at).where(*named).scalar_subquery()
    row = select(cursor.id).where(*named).scalar_subquery()
    if newer:
        return or_(
            WebhookDelivery.created_at > at,
            and_(WebhookDelivery.created_at == at, WebhookDelivery.id > row),
        )
    return or_(
        WebhookDelivery.created_at < at,
        and_(WebhookDelivery.created_at == at, WebhookDelivery.id < row),
    )


async def delivery_page(
    db: Database,
    endpoint_id: int,
    status: str | None,
    limit: int,
    *,
    before: str | None = None,
    after: str | None = None,
) -> DeliveryPage:
    """The endpoint's deliveries, of one status when given, newest first: the ``limit`` older
    than the delivery ``before``, or the ``limit`` newer than the delivery ``after``, else the
    latest. Keyed on a delivery rather than counted, a page stays where it was while new
    deliveries arrive. A cursor that leads nowhere (no such delivery, or none beyond it
    any more) gives the latest page, as a page number past the end would."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    newest_first = (WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    async with db.session() as session:

        async def beyond(public_id: str, *, newer: bool) -> bool:
            beside = query.where(_beside(endpoint_id, public_id, newer=newer))
            return bool(await session.scalar(select(beside.exists())))

        shown: list[WebhookDelivery] = []
        if after:
            found = await session.scalars(
                query.where(_beside(endpoint_id, after, newer=True))
                .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
                .limit(limit)
            )
            shown = list(found.all())[::-1]
            if shown and not await beyond(shown[0].public_id, newer=True):
                shown = []  # up to the newest: the latest page, full
        elif before:
            found = await session.scalars(
                query.where(_beside(endpoint_id, before, newer=False))
                .order_by(*newest_first)
                .limit(limit)
            )
            shown = list(found.all())
        latest = not shown
        if latest:
            found = await session.scalars(query.order_by(*newest_first).limit(limit))
            shown = list(found.all())
        if not shown:
            return DeliveryPage([], None, None)
        older, newer = shown[-1].public_id, shown[0].public_id
        return DeliveryPage(
            shown,
            older if await beyond(older, newer=False) else None,
            None if latest or not await beyond(newer, newer=True) else newer,
        )


@dataclass(frozen=True)
class EventListFilter:
    """The web app's event list filters; ``None`` filters nothing."""

    type: str | None = None
    source: str | None = None
    before_sequence: int | None = None  # the page after the one ending there


async def latest_events(
    db: Database, scope: Scope, only: EventListFilter, limit: int
) -> list[AnyRow]:
    """The scope's latest events, newest first: ``(event, organization's name, seller's name
    or None)`` rows."""
    query = (
        scope.select(Event, Event, Organization.name, Partner.name)
        .join(Organization, Organization.id == Event.organization_id)
        .outerjoin(Partner, Partner.id == Event.partner_id)
    )
    if only.type:
        query = query.where(Event.type == only.type)
    if only.source:
        query = query.where(Event.source == only.source)
    if only.before_sequence is not None:
        query = query.where(Event.sequence < only.before_sequence)
    async with db.session() as session:
        rows = await session.execute(query.order_by(Event.sequence.desc()).limit(limit))
        return list(rows.all())
