"""Queries of the orders read model the NT24 API and the web app answer from: an order under its
seller, its documents and Export File versions, and the order list's filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.buyers.queries import buyer_matches
from store.db import AnyRow, Database, PointRead
from store.identity.tenancy import Scope, Tenant
from store.models import (
    Buyer,
    Document,
    Event,
    ExportFile,
    InvoiceVersion,
    Order,
    OrderChange,
    OrderVin,
    Organization,
    Partner,
    ViesCheck,
)
from store.queries import contains, contains_identifier, like_literal, shown_after
from workflows.orders.rules.outcome import ComplianceStatus
from workflows.orders.status import OrderStatus


async def load_order(db: Database, tenant: Tenant, partner_id: int, uuid: UUID) -> Order | None:
    """The organization's order under this seller, with its VINs (None for anyone else's)."""
    async with db.session() as session:
        return await session.scalar(
            tenant.select(Order)
            .options(selectinload(Order.vins))
            .where(Order.partner_id == partner_id, Order.uuid == uuid)
        )


async def order_columns(
    db: Database, tenant: Tenant, partner_id: int, uuid: UUID, *columns: Any
) -> AnyRow | None:
    """Some columns of the organization's order under this seller (its JSON views), one row
    and nothing else: no VINs (None for anyone else's order)."""
    return await db.read(tenant.one_under_seller(Order, partner_id, uuid, *columns))


async def order_vins(db: Database, order_id: int) -> list[str]:
    """The order's VINs as it spells them, in its order."""
    async with db.session() as session:
        vins = await session.scalars(
            select(OrderVin.vin).where(OrderVin.order_id == order_id).order_by(OrderVin.position)
        )
        return list(vins)


async def order_of_workflow(db: Database, workflow_id: str) -> Order | None:
    async with db.session() as session:
        return await session.scalar(select(Order).where(Order.workflow_id == workflow_id))


async def order_by_external_id(
    session: AsyncSession, partner_id: int, external_order_id: str
) -> Order | None:
    return await session.scalar(
        select(Order).where(
            Order.partner_id == partner_id, Order.external_order_id == external_order_id
        )
    )


@dataclass(frozen=True)
class OrderFilter:
    """The order list's filters; ``None`` filters nothing."""

    status: str | None = None
    created_after: datetime | None = None
    updated_after: datetime | None = None
    buyer_uuid: UUID | None = None
    vin: str | None = None


def orders_of_seller(tenant: Tenant, partner_id: int, only: OrderFilter) -> Select[Any]:
    """The seller's orders as the list shows them (the caller pages and sorts them)."""
    query = tenant.select(Order).where(Order.partner_id == partner_id)
    if only.status:
        query = query.where(Order.status == only.status)
    if only.created_after:
        query = query.where(shown_after(Order.created_at, only.created_after))
    if only.updated_after:
        query = query.where(shown_after(Order.updated_at, only.updated_after))
    if only.buyer_uuid:
        query = query.where(
            Order.buyer_id
            == select(Buyer.id).where(Buyer.uuid == only.buyer_uuid).scalar_subquery()
        )
    if only.vin:
        query = query.where(
            Order.id.in_(select(OrderVin.order_id).where(OrderVin.vin == only.vin.upper()))
        )
    return query


def _documents_of(order_id: int) -> Select[Any]:
    return select(Document).where(Document.order_id == order_id).order_by(Document.id)


async def order_documents(
    db: Database, order_id: int, type: str | None = None, status: str | None = None
) -> list[Document]:
    """The order's documents in upload order, of one type or status when given."""
    query = _documents_of(order_id)
    if type:
        query = query.where(Document.type == type)
    if status:
        query = query.where(Document.status == status)
    async with db.session() as session:
        return list(await session.scalars(query))


async def order_document(db: Database, order_id: int, uuid: UUID) -> Document | None:
    async with db.session() as session:
        return await session.scalar(
            select(Document).where(Document.order_id == order_id, Document.uuid == uuid)
        )


async def document_names_blob(db: Database, sha256: str) -> bool:
    """Whether a document (an order's or a buyer's KYC document) is the bytes ``sha256``."""
    async with db.session() as session:
        found = await session.scalar(select(Document.id).where(Document.sha256 == sha256).limit(1))
    return found is not None


async def export_file_version(db: Database, order_id: int, version: int) -> ExportFile | None:
    async with db.session() as session:
        return await session.scalar(
            select(ExportFile).where(ExportFile.order_id == order_id, ExportFile.version == version)
        )


def order_version(tenant: Tenant, partner_id: int, uuid: UUID, column: Any) -> PointRead:
    """One version of the organization's order under this seller, read alone for a 304
    (``Order.version``, or a module's version inside its JSON view)."""
    return tenant.one_under_seller(Order, partner_id, uuid, column)


async def orders_by_status(session: AsyncSession) -> list[AnyRow]:
    """How many orders there are of each status and compliance status, across organizations:
    ``(status, compliance_status, count)`` rows."""
    query = select(Order.status, Order.compliance_status, func.count()).group_by(
        Order.status, Order.compliance_status
    )
    return list((await session.execute(query)).all())


def is_open() -> ColumnElement[bool]:
    """An open order: INCOMPLETE and not cancelled, an order whose rollup still changes (its
    blockers are the work to do). A cancelled order keeps the rollup it had, blockers and all,
    but nothing holds it up any more (``blockers_holding_up`` reads the same rule in Python)."""
    return and_(
        Order.compliance_status == ComplianceStatus.INCOMPLETE,
        Order.status != OrderStatus.CANCELLED,
    )


def blockers_holding_up(order: Order) -> list[dict[str, Any]]:
    """The blockers that hold the order up: its rollup's while it is open (``is_open``, read
    in Python), those ``blocker_filter`` finds it by and the dashboard counts; none once it is
    cancelled or decided, though it keeps the rollup it had."""
    if order.status == OrderStatus.CANCELLED:
        return []
    if order.compliance_status != ComplianceStatus.INCOMPLETE:
        return []
    return list((order.compliance or {}).get("blockers", []))


async def open_order_rollups(session: AsyncSession, scope: Scope) -> list[dict[str, Any] | None]:
    """The compliance rollups of the open orders the scope sees (``is_open``)."""
    query = scope.select(Order, Order.compliance).where(is_open())
    return list((await session.scalars(query)).all())


async def orders_by_compliance_status(session: AsyncSession, scope: Scope) -> list[AnyRow]:
    """How many orders the scope sees of each compliance status: ``(status, count)`` rows."""
    query = scope.select(Order, Order.compliance_status, func.count()).group_by(
        Order.compliance_status
    )
    return list((await session.execute(query)).all())


def order_matches(term: str) -> Any:
    """By a part of the external id, the uuid, a VIN, or its buyer's company name or VAT
    number."""
    return or_(
        contains(Order.external_order_id, term),
        contains(cast(Order.uuid, String), term),
        Order.id.in_(select(OrderVin.order_id).where(contains_identifier(OrderVin.vin, term))),
        Order.buyer_id.in_(select(Buyer.id).where(buyer_matches(term))),
    )


async def orders_matching(
    session: AsyncSession, scope: Scope, term: str, limit: int
) -> list[Order]:
    """The scope's orders the search term finds, with their VINs, last updated first."""
    query = (
        scope.select(Order)
        .options(selectinload(Order.vins))
        .where(order_matches(term))
        .order_by(Order.updated_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def blocker_filter(code: str) -> Any:
    """The open orders (``is_open``) a blocker with ``code`` holds up, those the dashboard
    counts per blocker: their rollup lists it. The rollup is JSON written by one serializer on
    both databases, so its text always reads ``"code": "X"``."""
    return and_(
        is_open(),
        cast(Order.compliance, String).like(f'%"code": "{like_literal(code)}"%', escape="\\"),
    )


@dataclass(frozen=True)
class OrderListFilter:
    """The web app's order list filters; ``None`` filters nothing."""

    partner_uuid: UUID | None = None
    status: str | None = None
    compliance_status: str | None = None
    blocker: str | None = None  # a blocker code holding up open orders (``blocker_filter``)
    buyer_uuid: UUID | None = None
    vin_part: str | None = None  # a part of a VIN, e.g. its last six characters
    external_id_part: str | None = None  # a part of it, whatever the case
    term: str | None = None  # what the search box finds (``order_matches``)
    created_after: datetime | None = None
    updated_after: datetime | None = None


async def order_list_page(
    session: AsyncSession, scope: Scope, only: OrderListFilter, page: int, page_size: int
) -> tuple[int | None, list[Order]]:
    """How many of the scope's orders the filters let through, and one page of them with their
    VINs, last updated first."""
    query = (
        scope.select(Order)
        .options(selectinload(Order.vins))
        .join(Partner, Partner.id == Order.partner_id)
    )
    if only.partner_uuid is not None:
        query = query.where(Partner.uuid == only.partner_uuid)
    if only.status:
        query = query.where(Order.status == only.status)
    if only.compliance_status:
        query = query.where(Order.compliance_status == only.compliance_status)
    if only.blocker:
        query = query.where(blocker_filter(only.blocker))
    if only.buyer_uuid is not None:
        query = query.where(
            Order.buyer_id.in_(select(Buyer.id).where(Buyer.uuid == only.buyer_uuid))
        )
    if only.vin_part is not None:
        query = query.where(
            Order.id.in_(select(OrderVin.order_id).where(contains(OrderVin.vin, only.vin_part)))
        )
    if only.external_id_part is not None:
        query = query.where(contains(Order.external_order_id, only.external_id_part))
    if only.term:
        query = query.where(order_matches(only.term))
    if only.created_after:
        query = query.where(shown_after(Order.created_at, only.created_after))
    if only.updated_after:
        query = query.where(shown_after(Order.updated_at, only.updated_after))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Order.updated_at.desc(), Order.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return total, list(rows.all())


async def order_with_parties(db: Database, scope: Scope, uuid: UUID) -> AnyRow | None:
    """The scope's order with its VINs, and its organization, seller and buyer: one
    ``(order, organization, partner, buyer)`` row (None for an order the scope does not see)."""
    async with db.session() as session:
        return (
            await session.execute(
                scope.select(Order, Order, Organization, Partner, Buyer)
                .options(selectinload(Order.vins))
                .join(Organization, Organization.id == Order.organization_id)
                .join(Partner, Partner.id == Order.partner_id)
                .join(Buyer, Buyer.id == Order.buyer_id)
                .where(Order.uuid == uuid)
            )
        ).first()


# What an invoice says (its API view's fields): a version that changes none of them corrects
# nothing, it only followed the rollup (its status, whether a final invoice is required)
INVOICE_CONTENT = ("invoiceNumber", "invoiceDate", "amount", "vatIncluded", "marginScheme")


def invoice_corrections(versions: Iterable[InvoiceVersion]) -> list[InvoiceVersion]:
    """Each invoice as submitted and each later version that changed what it says, in the
    order given (the order they were recorded in)."""
    kept: list[InvoiceVersion] = []
    last: dict[str, list[Any]] = {}
    for version in versions:
        says = [version.data.get(name) for name in INVOICE_CONTENT]
        if last.get(version.type) != says:
            kept.append(version)
        last[version.type] = says
    return kept


def invoice_versions_of(order_id: int) -> Select[Any]:
    """Every recorded version of the order's invoices, in the order they were recorded."""
    return (
        select(InvoiceVersion)
        .where(InvoiceVersion.order_id == order_id)
        .order_by(InvoiceVersion.recorded_at, InvoiceVersion.type, InvoiceVersion.version)
    )


@dataclass(frozen=True)
class OrderHistory:
    """What the order's page shows beside the order itself."""

    events: list[Event]
    documents: list[Document]  # in upload order
    export_files: list[ExportFile]  # by version
    vies_checks: list[ViesCheck]  # its buyer's, from the day before the order on
    changes: list[OrderChange]  # by revision
    invoices: list[InvoiceVersion]  # each as submitted and each correction (invoice_corrections)


async def order_history(db: Database, order: Order) -> OrderHistory:
    async with db.session() as session:
        events = await session.scalars(
            select(Event).where(Event.order_id == order.id).order_by(Event.sequence)
        )
        return OrderHistory(
            events=list(events.all()),
            documents=list((await session.scalars(_documents_of(order.id))).all()),
            export_files=list(
                (
                    await session.scalars(
                        select(ExportFile)
                        .where(ExportFile.order_id == order.id)
                        .order_by(ExportFile.version)
                    )
                ).all()
            ),
            vies_checks=list(
                (
                    await session.scalars(
                        select(ViesCheck)
                        .where(
                            ViesCheck.buyer_id == order.buyer_id,
                            ViesCheck.checked_at >= order.created_at - timedelta(days=1),
                        )
                        .order_by(ViesCheck.checked_at)
                    )
                ).all()
            ),
            changes=list(
                (
                    await session.scalars(
                        select(OrderChange)
                        .where(OrderChange.order_id == order.id)
                        .order_by(OrderChange.revision)
                    )
                ).all()
            ),
            invoices=invoice_corrections(
                (await session.scalars(invoice_versions_of(order.id))).all()
            ),
        )
