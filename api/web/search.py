"""One search box for orders, buyers, payment orders and invoices: a part of an external id,
of a VIN (the last six characters, say), of a company name or of a VAT number finds them,
whatever the case, on SQLite and PostgreSQL alike (``lower(column) LIKE '%part%'`` with the
wildcards escaped).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.shared.deps import database
from api.web.core import SignedIn, WebRoute, render
from store.buyers.queries import buyers_matching
from store.orders.queries import orders_matching
from store.payments.queries import invoices_matching, payment_orders_matching

router = APIRouter(prefix="/app/search", route_class=WebRoute, include_in_schema=False)
LIMIT = 25
MIN_LENGTH = 2  # one character would find nearly everything


@router.get("")
async def search(request: Request, seen: SignedIn) -> Response:
    term = (request.query_params.get("q") or "").strip()[:100]
    found: dict[str, list[Any]] = {
        "orders": [],
        "buyers": [],
        "payment_orders": [],
        "invoices": [],
    }
    if len(term) >= MIN_LENGTH:
        async with database(request).session() as session:
            found["orders"] = await orders_matching(session, seen, term, LIMIT)
            found["buyers"] = await buyers_matching(session, seen, term, LIMIT)
            found["payment_orders"] = await payment_orders_matching(session, seen, term, LIMIT)
            found["invoices"] = await invoices_matching(session, seen, term, LIMIT)
    return render(
        request,
        "search.html",
        q=term,
        too_short=0 < len(term) < MIN_LENGTH,
        limit=LIMIT,
        orders=found["orders"],
        buyers=found["buyers"],
        payment_orders=found["payment_orders"],
        invoices=found["invoices"],
    )
