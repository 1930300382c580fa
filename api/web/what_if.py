"""Staff: what-if, the stored orders whose decision or blockers would change under the rule
set this code carries, with the rules that differ (store/orders/what_if.py; nothing is changed)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from api.shared.deps import AppSettings, Db
from api.web.core import StaffOnly, WebRoute, render
from store.orders.rule_sets import RULE_SET, RULE_SET_DIGEST
from store.orders.what_if import what_if

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)


@router.get("/what-if")
async def what_if_page(
    request: Request,
    _seen: StaffOnly,
    db: Db,
    settings: AppSettings,
    since: str = "",
    country: str = "",
) -> Response:
    error = None
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        day, error = None, f"{since!r} is not a date (YYYY-MM-DD)"
    member_state = country.strip().upper()[:2] or None
    async with db.session() as session:
        # orders are created under this deployment's settings, and judged under them
        changes = await what_if(
            session, since=day, country=member_state, policy=settings.compliance_policy
        )
    return render(
        request,
        "what_if.html",
        changes=changes,
        since=since,
        country=member_state or "",
        error=error,
        rule_set=RULE_SET,
        rule_set_digest=RULE_SET_DIGEST,
    )
