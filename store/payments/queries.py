"""Queries of the payment orders and invoices the NOTYD API answers from.

A seller is an organization's ``partner_id``; ``None`` stands for every seller of the
organization (a user without a seller of its own acts for all of them). Another
organization's order or invoice, or another seller's, is never found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, String, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.db import AnyRow, Database
from store.identity.tenancy import Scope, Tenant
from store.link_tokens import token_sha256
from store.models import (
    BankStatementEntry,
    BankStatementImport,
    DunningLetter,
    IncomingPayment,
    Partner,
    PaymentCapture,
    PaymentInvoice,
    PaymentOrder,
    PaymentRefund,
    utcnow,
)
from store.payments.payment_money import BOOKABLE_BY_HAND
from store.queries import contains, contains_any, contains_identifier

ORDER_LOADS = (
    selectinload(PaymentOrder.partner),
    selectinload(PaymentOrder.lines),
    selectinload(PaymentOrder.invoices).selectinload(PaymentInvoice.lines),
    selectinload(PaymentOrder.invoices).selectinload(PaymentInvoice.refunds),
)
INVOICE_LOADS = (
    selectinload(PaymentInvoice.lines),
    selectinload(PaymentInvoice.refunds),
    selectinload(PaymentInvoice.order).selectinload(PaymentOrder.partner),
)
# What a list may be sorted by (``name``, or ``-name`` for descending)
ORDER_SORTS: dict[str, Any] = {
    "created_at": PaymentOrder.created_at,
    "updated_at": PaymentOrder.updated_at,
    "status": PaymentOrder.status,
    "external_order_uid": PaymentOrder.external_order_uid,
    "total_amount_incl_tax": PaymentOrder.total_amount_incl_tax,
}
INVOICE_SORTS: dict[str, Any] = {
    "created_at": PaymentInvoice.created_at,
    "updated_at": PaymentInvoice.updated_at,
    "due_date": PaymentInvoice.due_date,
    "dunning_status": PaymentInvoice.dunning_status,
    "payment_status": PaymentInvoice.payment_status,
    "total_amount_incl_tax": PaymentInvoice.total_amount_incl_tax,
}
# The invoice's counts of dunning letters sent, which the list filters by
_LETTER_COUNTS = (
    "upcoming_payment_reminder_sent",
    "invoice_due_sent",
    "free_reminder_sent",
    "reminder_1_sent",
    "reminder_2_sent",
    "last_notice_sent",
)


def _orders(tenant: Tenant, partner_id: int | None) -> Select[Any]:
    query = tenant.select(PaymentOrder)
    if partner_id is not None:
        query = query.where(PaymentOrder.partner_id == partner_id)
    return query


def _invoices(tenant: Tenant, partner_id: int | None) -> Select[Any]:
    query = tenant.select(PaymentInvoice)
    if partner_id is not None:
        query = query.where(PaymentInvoice.partner_id == partner_id)
    return query


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _created_within(column: Any, first: date | None, last: date | None) -> list[Any]:
    """``column`` on a day from ``first`` through ``last`` (UTC days; either may be open)."""
    within = []
    if first is not None:
        within.append(column >= _day_start(first))
    if last is not None and last < date.max:  # the calendar's last day has no next one
        within.append(column < _day_start(last + timedelta(days=1)))
    return within


def _sorted(
    query: Select[Any], sorts: dict[str, Any], ordering: str | None, default: Any, key: Any
) -> Select[Any]:
    """Sorted as Django REST framework's ``ordering`` sorts, which NOTYD clients know: names
    of ``sorts``, comma-separated, each with ``-`` first for descending; a name the list does
    not sort by is left out (newest first when none is left); ``key``, the primary key,
    breaks ties newest first."""
    columns = []
    for name in (ordering or "").split(","):
        column = sorts.get(name.strip().removeprefix("-"))
        if column is not None:
            columns.append(column.desc() if name.strip().startswith("-") else column.asc())
    return query.order_by(*(columns or [default.desc()]), key.desc())


async def selling_partner(db: Database, tenant: Tenant, partner_id: int | None) -> Partner | None:
    """The seller a new order belongs to: ``partner_id``'s, else the organization's first."""
    query = select(Partner).where(Partner.organization_id == tenant.organization_id)
    if partner_id is not None:
        query = query.where(Partner.id == partner_id)
    async with db.session() as session:
        return await session.scalar(query.order_by(Partner.id).limit(1))


async def payment_order(
    db: Database, tenant: Tenant, partner_id: int | None, uuid: UUID
) -> PaymentOrder | None:
    """The seller's order with its seller, lines and invoices (None for anyone else's)."""
    async with db.session() as session:
        return await session.scalar(
            _orders(tenant, partner_id).options(*ORDER_LOADS).where(PaymentOrder.uuid == uuid)
        )


async def order_on_payment_page(db: Database, token: str) -> PaymentOrder | None:
    """The order its hosted payment page shows, with its seller and lines: whoever holds the
    link sees it, whatever the organization. The link names the order by its link token
    (store/payments/page_link.py); an order of before that token, which has none, by its uuid,
    as the links already handed out for it do. An order with a token is never found by its
    uuid."""
    named = [PaymentOrder.page_link_sha256 == token_sha256(token)]
    uuid = _uuid(token)
    if uuid is not None:
        named.append((PaymentOrder.uuid == uuid) & PaymentOrder.page_link_sha256.is_(None))
    async with db.session() as session:
        return await session.scalar(
            select(PaymentOrder)
            .options(selectinload(PaymentOrder.partner), selectinload(PaymentOrder.lines))
            .where(or_(*named))
        )


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class PaymentOrderFilter:
    """The order list's filters and its sort (a name of ``ORDER_SORTS``); ``None`` filters
    nothing. ``search`` is a part of the order's number or its buyer's name, registration or
    VAT number or representative's e-mail."""

    created_from: date | None = None
    created_until: date | None = None
    payment_terms_days: int | None = None
    external_order_uid: str | None = None
    status: str | None = None
    search: str | None = None
    ordering: str | None = None


def payment_orders_of_seller(
    tenant: Tenant, partner_id: int | None, only: PaymentOrderFilter
) -> Select[Any]:
    """The seller's orders as the list shows and sorts them (the caller pages them)."""
    query = _orders(tenant, partner_id).options(*ORDER_LOADS)
    query = query.where(
        *_created_within(PaymentOrder.created_at, only.created_from, only.created_until)
    )
    if only.payment_terms_days is not None:
        query = query.where(PaymentOrder.payment_terms_days == only.payment_terms_days)
    if only.external_order_uid is not None:
        query = query.where(PaymentOrder.external_order_uid == only.external_order_uid)
    if only.status is not None:
        query = query.where(PaymentOrder.status == only.status)
    if only.search:
        query = query.where(payment_order_matches(only.search))
    return _sorted(query, ORDER_SORTS, only.ordering, PaymentOrder.created_at, PaymentOrder.id)


def payment_order_matches(term: str) -> Any:
    """A part of the order's number or its buyer's name, registration or VAT number or
    representative's e-mail (the API's ``search``, the web app's search box)."""
    return contains_any(
        term,
        PaymentOrder.external_order_uid,
        PaymentOrder.buyer_company_name,
        PaymentOrder.buyer_registration_number,
        PaymentOrder.buyer_vat_number,
        PaymentOrder.representative_email,
    )


async def payment_orders_matching(
    session: AsyncSession, scope: Scope, term: str, limit: int
) -> list[PaymentOrder]:
    """The scope's payment orders the search term finds, newest first."""
    query = (
        scope.select(PaymentOrder)
        .where(payment_order_matches(term))
        .order_by(PaymentOrder.created_at.desc(), PaymentOrder.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


def refundable_invoices_of_order(
    tenant: Tenant, partner_id: int | None, order_id: int
) -> Select[Any]:
    """The order's invoices not yet wholly refunded, oldest first (the caller pages them)."""
    return (
        _invoices(tenant, partner_id)
        .options(*INVOICE_LOADS)
        .where(
            PaymentInvoice.order_id == order_id,
            PaymentInvoice.refunded_amount_incl_tax < PaymentInvoice.total_amount_incl_tax,
        )
        .order_by(PaymentInvoice.id)
    )


async def refunds_by_uuid(db: Database, uuids: list[UUID]) -> list[PaymentRefund]:
    """These refunds (credit notes), oldest first."""
    async with db.session() as session:
        return list(
            await session.scalars(
                select(PaymentRefund)
                .where(PaymentRefund.uuid.in_(uuids))
                .order_by(PaymentRefund.id)
            )
        )


async def payment_invoice(
    db: Database, tenant: Tenant, partner_id: int | None, uuid: UUID
) -> PaymentInvoice | None:
    """The seller's invoice with its lines, refunds and order (None for anyone else's)."""
    async with db.session() as session:
        return await session.scalar(
            _invoices(tenant, partner_id).options(*INVOICE_LOADS).where(PaymentInvoice.uuid == uuid)
        )


@dataclass(frozen=True)
class InvoiceFilter:
    """The invoice list's filters and its sort (a name of ``INVOICE_SORTS``); ``None``
    filters nothing. A count of letters sent (``*_sent``) is exact; ``on_hold=False`` also
    finds the invoices never put on hold. ``search`` is a part of the invoice's payment
    reference or number, its order's number, or its buyer's name or representative's
    e-mail."""

    created_from: date | None = None
    created_until: date | None = None
    dunning_status: int | None = None
    upcoming_payment_reminder_sent: int | None = None
    invoice_due_sent: int | None = None
    free_reminder_sent: int | None = None
    reminder_1_sent: int | None = None
    reminder_2_sent: int | None = None
    last_notice_sent: int | None = None
    on_hold: bool | None = None
    external_order_uid: str | None = None
    order_uuid: UUID | None = None
    seller_profile_uuid: UUID | None = None
    payment_status: str | None = None
    search: str | None = None
    ordering: str | None = None


def invoices_of_seller(tenant: Tenant, partner_id: int | None, only: InvoiceFilter) -> Select[Any]:
    """The seller's invoices as the list shows and sorts them (the caller pages them)."""
    query = _invoices(tenant, partner_id).options(*INVOICE_LOADS)
    query = query.join(PaymentOrder, PaymentInvoice.order).where(
        *_created_within(PaymentInvoice.created_at, only.created_from, only.created_until)
    )
    if only.dunning_status is not None:
        query = query.where(PaymentInvoice.dunning_status == only.dunning_status)
    for name in _LETTER_COUNTS:
        if (count := getattr(only, name)) is not None:
            query = query.where(getattr(PaymentInvoice, name) == count)
    if only.on_hold is True:
        query = query.where(PaymentInvoice.on_hold.is_(True))
    elif only.on_hold is False:
        query = query.where(
            or_(PaymentInvoice.on_hold.is_(False), PaymentInvoice.on_hold.is_(None))
        )
    if only.external_order_uid is not None:
        query = query.where(PaymentOrder.external_order_uid == only.external_order_uid)
    if only.order_uuid is not None:
        query = query.where(PaymentOrder.uuid == only.order_uuid)
    if only.seller_profile_uuid is not None:
        query = query.join(Partner, PaymentInvoice.partner_id == Partner.id).where(
            Partner.profile_uuid == only.seller_profile_uuid
        )
    if only.payment_status is not None:
        query = query.where(PaymentInvoice.payment_status == only.payment_status)
    if only.search:
        query = query.where(
            contains_any(
                only.search,
                PaymentInvoice.payment_reference,
                PaymentInvoice.external_invoice_uid,
                PaymentOrder.external_order_uid,
                PaymentOrder.buyer_company_name,
                PaymentOrder.representative_email,
            )
        )
    return _sorted(
        query, INVOICE_SORTS, only.ordering, PaymentInvoice.created_at, PaymentInvoice.id
    )


async def set_seller_invoice_fields(db: Database, invoice_id: int, fields: dict[str, Any]) -> None:
    """Write the seller's own fields of an invoice (its number and URL), nothing else."""
    async with db.transaction() as session:
        await session.execute(
            update(PaymentInvoice)
            .where(PaymentInvoice.id == invoice_id)
            .values(**fields, updated_at=utcnow())
        )


async def dunning_letters_by_step(session: AsyncSession) -> list[AnyRow]:
    """How many dunning letters there are of each step and status, across organizations:
    ``(step, status, count)`` rows."""
    query = select(DunningLetter.step, DunningLetter.status, func.count()).group_by(
        DunningLetter.step, DunningLetter.status
    )
    return list((await session.execute(query)).all())


async def open_invoices_by_dunning_step(session: AsyncSession, scope: Scope) -> list[AnyRow]:
    """How many of the scope's open (not closed) invoices stand at each dunning step:
    ``(dunning_status, count)`` rows."""
    query = (
        scope.select(PaymentInvoice, PaymentInvoice.dunning_status, func.count())
        .where(PaymentInvoice.closed_at.is_(None))
        .group_by(PaymentInvoice.dunning_status)
    )
    return list((await session.execute(query)).all())


def invoice_matches(term: str) -> Any:
    """By payment reference, the invoice's or its order's external id, or the buyer's company
    name, registration or VAT number (the order request's ``buyer_company``)."""
    return or_(
        contains_identifier(PaymentInvoice.payment_reference, term),
        contains(PaymentInvoice.external_invoice_uid, term),
        PaymentInvoice.order_id.in_(
            select(PaymentOrder.id).where(
                or_(
                    contains(PaymentOrder.external_order_uid, term),
                    contains(PaymentOrder.buyer_company_name, term),
                    contains(PaymentOrder.buyer_registration_number, term),
                    contains_identifier(cast(PaymentOrder.buyer_company, String), term),
                )
            )
        ),
    )


async def invoices_matching(
    session: AsyncSession, scope: Scope, term: str, limit: int
) -> list[PaymentInvoice]:
    """The scope's invoices the search term finds, with their orders, newest first."""
    query = (
        scope.select(PaymentInvoice)
        .options(selectinload(PaymentInvoice.order))
        .where(invoice_matches(term))
        .order_by(PaymentInvoice.created_at.desc(), PaymentInvoice.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def _counted_page(
    session: AsyncSession, query: Select[Any], page: int, page_size: int, *order: Any
) -> tuple[list[Any], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(*order).limit(page_size).offset((page - 1) * page_size)
    )
    return list(rows.all()), total


async def payment_order_list_page(
    db: Database, scope: Scope, status: str | None, page: int, page_size: int
) -> tuple[list[PaymentOrder], int]:
    """One page of the scope's payment orders with their sellers, of one status when given,
    newest first, and how many there are."""
    query = scope.select(PaymentOrder).options(selectinload(PaymentOrder.partner))
    if status:
        query = query.where(PaymentOrder.status == status)
    async with db.session() as session:
        return await _counted_page(
            session, query, page, page_size, PaymentOrder.created_at.desc(), PaymentOrder.id.desc()
        )


async def payment_order_with_captures(
    db: Database, scope: Scope, uuid: UUID
) -> tuple[PaymentOrder, list[PaymentCapture]] | None:
    """The scope's payment order with its seller, lines and invoices, and its captures by
    number (None for an order the scope does not see)."""
    async with db.session() as session:
        order = await session.scalar(
            scope.select(PaymentOrder)
            .options(
                selectinload(PaymentOrder.partner),
                selectinload(PaymentOrder.lines),
                selectinload(PaymentOrder.invoices),
            )
            .where(PaymentOrder.uuid == uuid)
        )
        if order is None:
            return None
        captures = await session.scalars(
            select(PaymentCapture)
            .where(PaymentCapture.order_id == order.id)
            .order_by(PaymentCapture.number)
        )
        return order, list(captures.all())


@dataclass(frozen=True)
class InvoiceListFilter:
    """The web app's invoice list filters; ``None`` filters nothing."""

    payment_status: str | None = None
    dunning_status: int | None = None
    on_hold: bool = False  # True: only the invoices on hold
    payment_reference: str | None = None


async def invoice_list_page(
    db: Database, scope: Scope, only: InvoiceListFilter, page: int, page_size: int
) -> tuple[list[PaymentInvoice], int]:
    """One page of the scope's invoices the filters let through, newest first, and how many
    there are."""
    query = scope.select(PaymentInvoice)
    if only.payment_status:
        query = query.where(PaymentInvoice.payment_status == only.payment_status)
    if only.dunning_status is not None:
        query = query.where(PaymentInvoice.dunning_status == only.dunning_status)
    if only.on_hold:
        query = query.where(PaymentInvoice.on_hold.is_(True))
    if only.payment_reference is not None:
        query = query.where(PaymentInvoice.payment_reference == only.payment_reference)
    async with db.session() as session:
        return await _counted_page(
            session,
            query,
            page,
            page_size,
            PaymentInvoice.created_at.desc(),
            PaymentInvoice.id.desc(),
        )


async def invoice_with_lines(db: Database, scope: Scope, uuid: UUID) -> PaymentInvoice | None:
    """The scope's invoice with what the API's invoice answer shows of it (``INVOICE_LOADS``:
    lines, credit notes, order and seller); None for an invoice the scope does not see."""
    async with db.session() as session:
        return await session.scalar(
            scope.select(PaymentInvoice).options(*INVOICE_LOADS).where(PaymentInvoice.uuid == uuid)
        )


@dataclass(frozen=True)
class InvoiceHistory:
    """What the invoice's page shows beside the invoice itself, newest first."""

    payments: list[IncomingPayment]
    seller: Partner | None
    letters: list[DunningLetter]


async def invoice_history(db: Database, invoice: PaymentInvoice) -> InvoiceHistory:
    async with db.session() as session:
        payments = await session.scalars(
            select(IncomingPayment)
            .where(IncomingPayment.invoice_id == invoice.id)
            .order_by(IncomingPayment.id.desc())
        )
        incoming = list(payments.all())
        seller = await session.get(Partner, invoice.partner_id)
        letters = await session.scalars(
            select(DunningLetter)
            .where(DunningLetter.invoice_id == invoice.id)
            .order_by(DunningLetter.sent_at.desc(), DunningLetter.id.desc())
        )
        return InvoiceHistory(incoming, seller, list(letters.all()))


async def seller_of_invoice(db: Database, invoice: PaymentInvoice) -> Partner:
    async with db.session() as session:
        return await session.get_one(Partner, invoice.partner_id)


async def bookable_entries(session: AsyncSession, import_uuid: UUID) -> list[BankStatementEntry]:
    """The entries of a statement import that staff may still book to an invoice by hand."""
    return list(
        await session.scalars(
            select(BankStatementEntry)
            .join(BankStatementImport, BankStatementImport.id == BankStatementEntry.import_id)
            .where(
                BankStatementImport.uuid == import_uuid,
                BankStatementEntry.outcome.in_(BOOKABLE_BY_HAND),
            )
            .order_by(BankStatementEntry.id)
        )
    )


async def invoices_by_uuid(session: AsyncSession, uuids: list[UUID]) -> list[PaymentInvoice]:
    """Every organization's invoices with these uuids (a statement's entries name them)."""
    found = await session.scalars(select(PaymentInvoice).where(PaymentInvoice.uuid.in_(uuids)))
    return list(found.all())


async def bank_statement_import(db: Database, import_uuid: UUID) -> BankStatementImport | None:
    """A bank statement import with its entries."""
    async with db.session() as session:
        return await session.scalar(
            select(BankStatementImport)
            .options(selectinload(BankStatementImport.entries))
            .where(BankStatementImport.uuid == import_uuid)
        )


async def invoices_by_id(db: Database, ids: list[int]) -> list[PaymentInvoice]:
    """Every organization's invoices with these ids (a statement's entries name them)."""
    async with db.session() as session:
        return list(
            (await session.scalars(select(PaymentInvoice).where(PaymentInvoice.id.in_(ids)))).all()
        )


async def import_of_entry(db: Database, entry_id: int) -> UUID | None:
    """The uuid of the statement import the entry belongs to (None for no such entry)."""
    async with db.session() as session:
        return await session.scalar(
            select(BankStatementImport.uuid)
            .join(BankStatementEntry, BankStatementEntry.import_id == BankStatementImport.id)
            .where(BankStatementEntry.id == entry_id)
        )
