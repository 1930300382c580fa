"""A buyer's KYC facts as orders see them, and which of its orders are open.

An order keeps a copy of its buyer's KYC facts (mode, status, VIES result, documents); when
any of them changes (a KYC document, a block, a mode upgrade, a VIES result) every open order
of the buyer is signalled (activities/buyers/buyer_orders.py) and re-evaluates its rollup,
without any client call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import Database, PointRead
from store.models import Buyer, Document, Order, OrderChange, ViesCheck
from workflows.buyers.rules.kyc import (
    NT24_LED,
    KycFacts,
    default_aml_status,
    documents_complete,
    overall_status,
)
from workflows.orders.model import BuyerRef, ViesEvidence
from workflows.orders.status import CLOSED, PAID

KYC_MODULE = "kyc"


async def active_kyc_document_types(session: AsyncSession, buyer_id: int) -> set[str]:
    """The types of the buyer's ACTIVE KYC documents: superseded ones no longer count."""
    types = await session.scalars(
        select(Document.type)
        .where(
            Document.buyer_id == buyer_id,
            Document.module == KYC_MODULE,
            Document.status == "ACTIVE",
        )
        .distinct()
    )
    return set(types)


def kyc_facts(buyer: Buyer, active_document_types: set[str]) -> KycFacts:
    # Mode B's verification and AML are what the buyer's KycWorkflow last recorded
    mode_b = buyer.kyc_mode == NT24_LED
    return KycFacts(
        kyc_mode=buyer.kyc_mode,
        buyer_status=buyer.status,
        vies_result=buyer.vies_result,
        documents_complete=documents_complete(buyer.kyc_mode, active_document_types),
        verification_status=buyer.verification_status if mode_b else "NOT_STARTED",
        aml_status=(buyer.aml_status if mode_b else None) or default_aml_status(buyer.kyc_mode),
        verification_expired=mode_b and buyer.verification_expired,
    )


async def buyer_ref(session: AsyncSession, buyer: Buyer) -> BuyerRef:
    facts = kyc_facts(buyer, await active_kyc_document_types(session, buyer.id))
    return BuyerRef(
        uuid=str(buyer.uuid),
        vat_number=buyer.vat_number,
        company_name=buyer.company_name,
        country=buyer.country,
        kyc_mode=buyer.kyc_mode,
        kyc_status=overall_status(facts),
        status=buyer.status,
        vies_result=buyer.vies_result,
        vies_last_checked_at=buyer.vies_last_checked_at,
        documents_complete=facts.documents_complete,
        verification_status=facts.verification_status,
        aml_status=facts.aml_status,
        verification_expired=facts.verification_expired,
        vies_trader_name=buyer.vies_trader_name,
    )


async def current_buyer_ref(db: Database, buyer_uuid: UUID) -> BuyerRef | None:
    """The buyer's KYC facts as an order sees them, read now (None: no such buyer)."""
    async with db.session() as session:
        buyer = await session.scalar(select(Buyer).where(Buyer.uuid == buyer_uuid))
        return None if buyer is None else await buyer_ref(session, buyer)


async def vies_answers_since(db: Database, buyer_uuid: UUID, since: datetime) -> list[ViesEvidence]:
    """The buyer's VIES answers from ``since`` on, oldest first, as an order holds them."""
    statement = (
        select(ViesCheck)
        .join(Buyer, Buyer.id == ViesCheck.buyer_id)
        .where(Buyer.uuid == buyer_uuid, ViesCheck.checked_at >= since)
        .order_by(ViesCheck.checked_at)
    )
    async with db.session() as session:
        return [
            ViesEvidence(
                c.checked_at, c.result, c.request_identifier, c.error_code, c.trigger, c.name
            )
            for c in await session.scalars(statement)
        ]


async def known_ibans(session: AsyncSession, buyer_id: int) -> list[str]:
    """IBANs the buyer paid from in its orders so far (what an order is created knowing)."""
    statement = select(Order.payment).where(Order.buyer_id == buyer_id, Order.payment.is_not(None))
    return _source_ibans(await session.scalars(statement))


async def ibans_seen_besides(db: Database, order_uuid: UUID) -> list[str]:
    """IBANs the order's buyer paid from in its other orders as they stand now: what a payment
    of this order is judged against (contract: consistent with the IBANs previously seen for
    this buyer), not only those known when the order was created."""
    async with db.session() as session:
        return await ibans_paid_besides(session, order_uuid)


# When each order's payment was submitted: the first written change that moved it there (no
# other command does); the payment's own updatedAt moves with a correction or its readiness
_PAID_CHANGES = (
    select(OrderChange.order_id, func.min(OrderChange.at).label("at"))
    .where(OrderChange.status.in_(PAID))
    .group_by(OrderChange.order_id)
    .subquery()
)


def _submitted_at(payment: dict[str, Any], first_paid_change: datetime | None) -> datetime | None:
    """When the payment was submitted: the change that moved its order there, or, for an order
    written before its changes were recorded, the payment's latest change."""
    if first_paid_change is not None:
        return first_paid_change
    updated = payment.get("updatedAt")
    return datetime.fromisoformat(updated) if updated else None


async def payment_submitted_at(session: AsyncSession, order: Order) -> datetime | None:
    """When the order's payment was submitted (None: it has none)."""
    if not order.payment:
        return None
    first = await session.scalar(
        select(_PAID_CHANGES.c.at).where(_PAID_CHANGES.c.order_id == order.id)
    )
    return _submitted_at(order.payment, first)


async def ibans_paid_besides(
    session: AsyncSession, order_uuid: UUID, *, submitted_before: datetime | None = None
) -> list[str]:
    """IBANs the order's buyer paid from in its other orders; with ``submitted_before``, only
    in the payments submitted before that moment: what a payment of this order submitted then
    was judged against (the what-if judges it as the workflow did)."""
    others = aliased(Order)
    statement = (
        select(others.payment)
        .join(Order, Order.buyer_id == others.buyer_id)
        .where(Order.uuid == order_uuid, others.id != Order.id, others.payment.is_not(None))
    )
    if submitted_before is None:  # a payment submitted now: no change times to read
        return _source_ibans(await session.scalars(statement))
    timed = statement.add_columns(_PAID_CHANGES.c.at).outerjoin(
        _PAID_CHANGES, _PAID_CHANGES.c.order_id == others.id
    )
    payments = []
    for payment, first_paid_change in await session.execute(timed):
        if not payment:  # stored as JSON null, which IS NOT NULL lets through
            continue
        submitted = _submitted_at(payment, first_paid_change)
        if submitted is not None and submitted < submitted_before:
            payments.append(payment)
    return _source_ibans(payments)


def _source_ibans(payments: Iterable[dict[str, Any] | None]) -> list[str]:
    """The IBANs stored payments (the read model's) were made from, each once."""
    return sorted({p["sourceIban"] for p in payments if p and p.get("sourceIban")})


@dataclass
class OpenOrders:
    """A buyer's KYC facts as its orders see them, and the workflows of its open orders."""

    buyer: BuyerRef
    workflow_ids: list[str]


_OPEN = Order.status.not_in(CLOSED)
# Built once: a statement built per call cost the worker more than its read (its cache key,
# and the cached result's columns matched anew to the new statement's on every run)
_ANY_OPEN_ORDER = (
    select(Order.id)
    .join(Buyer, Buyer.id == Order.buyer_id)
    .where(Buyer.uuid == bindparam("buyer_uuid"), _OPEN)
    .limit(1)
)


async def open_orders(db: Database, buyer_uuid: UUID) -> OpenOrders | None:
    """The buyer's open orders to tell of a change (None: no such buyer, or no open order, told
    by one point read without the buyer's KYC facts). The store only reads: the caller signals
    them (activities/buyers/buyer_orders.notify_open_orders)."""
    if await db.read(PointRead(_ANY_OPEN_ORDER, {"buyer_uuid": buyer_uuid})) is None:
        return None
    async with db.session() as session:
        buyer = await session.scalar(select(Buyer).where(Buyer.uuid == buyer_uuid))
        if buyer is None:
            return None
        workflow_ids = list(
            await session.scalars(
                select(Order.workflow_id).where(Order.buyer_id == buyer.id, _OPEN)
            )
        )
        if not workflow_ids:
            return None
        return OpenOrders(await buyer_ref(session, buyer), workflow_ids)
