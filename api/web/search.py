"""One search box for orders, buyers and invoices: a part of an external id, of a VIN (the last
six characters, say), of a company name or of a VAT number finds them, whatever the case, on
SQLite and PostgreSQL alike (``lower(column) LIKE '%part%'`` with the wildcards escaped).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from api.shared.deps import database
from api.web.core import SignedIn, WebRoute, render
from store.models import Buyer, Order, OrderVin, Partner, PaymentInvoice, PaymentOrder

router = APIRouter(prefix="/app/search", route_class=WebRoute, include_in_schema=False)
LIMIT = 25
MIN_LENGTH = 2  # one character would find nearly everything


def _pattern(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, term: str) -> Any:
    """``column`` holds ``term`` anywhere, ignoring case (both databases)."""
    return func.lower(column).like(_pattern(term), escape="\\")


def compact(term: str) -> str:
    """A VAT number or VIN as stored: no spaces, dots or dashes ("DE 136 695 976")."""
    return "".join(ch for ch in term if ch.isalnum())


def _either(column: Any, term: str) -> Any:
    """As typed, or compacted (for identifiers typed with spaces)."""
    squeezed = compact(term)
    if squeezed and squeezed != term:
        return or_(contains(column, term), contains(column, squeezed))
    return contains(column, term)


def buyer_matches(term: str) -> Any:
    return or_(contains(Buyer.company_name, term), _either(Buyer.vat_number, term))


def order_matches(term: str) -> Any:
    """By external id, VIN, or its buyer's company name or VAT number."""
    return or_(
        contains(Order.external_order_id, term),
        contains(cast(Order.uuid, String), term),
        Order.id.in_(select(OrderVin.order_id).where(_either(OrderVin.vin, term))),
        Order.buyer_id.in_(select(Buyer.id).where(buyer_matches(term))),
    )


def invoice_matches(term: str) -> Any:
    """By payment reference, the invoice's or its order's external id, or the buyer's company
    name, registration or VAT number (the order request's ``buyer_company``)."""
    return or_(
        _either(PaymentInvoice.payment_reference, term),
        contains(PaymentInvoice.external_invoice_uid, term),
        PaymentInvoice.order_id.in_(
            select(PaymentOrder.id).where(
                or_(
                    contains(PaymentOrder.external_order_uid, term),
                    contains(PaymentOrder.buyer_company_name, term),
                    contains(PaymentOrder.buyer_registration_number, term),
                    _either(cast(PaymentOrder.buyer_company, String), term),
                )
            )
        ),
    )


@router.get("")
async def search(request: Request, seen: SignedIn) -> Response:
    term = (request.query_params.get("q") or "").strip()[:100]
    found: dict[str, list[Any]] = {"orders": [], "buyers": [], "invoices": []}
    if len(term) >= MIN_LENGTH:
        async with database(request).session() as session:
            found["orders"] = list(
                (
                    await session.scalars(
                        seen.select(Order)
                        .options(selectinload(Order.vins))
                        .where(order_matches(term))
                        .order_by(Order.updated_at.desc(), Order.id.desc())
                        .limit(LIMIT)
                    )
                ).all()
            )
            found["buyers"] = list(
                (
                    await session.execute(
                        seen.select(Buyer, Buyer, Partner.name)
                        .join(Partner, Partner.id == Buyer.partner_id)
                        .where(buyer_matches(term))
                        .order_by(Buyer.company_name, Buyer.id)
                        .limit(LIMIT)
                    )
                ).all()
            )
            found["invoices"] = list(
                (
                    await session.scalars(
                        seen.select(PaymentInvoice)
                        .options(selectinload(PaymentInvoice.order))
                        .where(invoice_matches(term))
                        .order_by(PaymentInvoice.created_at.desc(), PaymentInvoice.id.desc())
                        .limit(LIMIT)
                    )
                ).all()
            )
    return render(
        request,
        "search.html",
        q=term,
        too_short=0 < len(term) < MIN_LENGTH,
        limit=LIMIT,
        orders=found["orders"],
        buyers=found["buyers"],
        invoices=found["invoices"],
    )
