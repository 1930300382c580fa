"""The dashboard: orders by compliance status and by blocker, VIES availability over the last
days, webhook failure rates and open invoices per dunning step, as charts drawn on the server,
each with its numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from api.shared.deps import database
from api.web.charts import bars, percent_columns, share
from api.web.core import SignedIn, WebRoute, redirect, render
from api.web.payments import dunning_volume
from store.buyers.queries import vies_checks_since
from store.models import utcnow
from store.orders.queries import open_order_rollups, orders_by_compliance_status
from store.payments.queries import open_invoices_by_dunning_step
from store.webhooks.queries import finished_deliveries_since, retrying_deliveries

router = APIRouter(prefix="/app", route_class=WebRoute, include_in_schema=False)
DAYS = 14


@router.get("")
async def home(_seen: SignedIn) -> Response:
    return redirect("/app/dashboard")


@router.get("/dashboard")
async def dashboard(request: Request, seen: SignedIn) -> Response:
    since = utcnow() - timedelta(days=DAYS - 1)
    first_day = since.date()
    async with database(request).session() as session:
        by_status = await orders_by_compliance_status(session, seen)
        rollups = await open_order_rollups(session, seen)
        checks = await vies_checks_since(session, seen, since)
        deliveries = await finished_deliveries_since(session, seen, since)
        retrying = await retrying_deliveries(session, seen)
        dunning = await open_invoices_by_dunning_step(session, seen)
    blockers = blocker_counts(rollups)
    steps = dunning_volume([(code, n) for code, n in dunning])
    days = [first_day + timedelta(days=i) for i in range(DAYS)]
    availability = vies_availability(checks, days)
    failures = failure_rates(deliveries, days)
    status_counts = sorted(((s, n) for s, n in by_status), key=lambda item: item[0])
    return render(
        request,
        "dashboard.html",
        status_chart=bars("Orders by compliance status", status_counts),
        status_counts=status_counts,
        blocker_chart=bars("Open orders by blocker", blockers.most_common(12)),
        blockers=blockers.most_common(),
        vies_chart=percent_columns(
            "VIES available (share of checks answered)",
            [(d.strftime("%d.%m"), v) for d, v in availability],
        ),
        webhook_chart=percent_columns(
            "Webhook deliveries failed",
            [(d.strftime("%d.%m"), v) for d, v in failures],
        ),
        dunning_chart=bars("Open invoices by dunning step", steps),
        dunning_steps=steps,
        checks=len(checks),
        deliveries=len(deliveries),
        retrying=retrying or 0,
    )


def blocker_counts(rollups: Iterable[dict[str, Any] | None]) -> Counter[str]:
    """How many open orders each blocker code holds up (an order counts once per code)."""
    counts: Counter[str] = Counter()
    for rollup in rollups:
        counts.update({b["code"] for b in (rollup or {}).get("blockers", [])})
    return counts


def vies_availability(checks: list, days: list[date]) -> list[tuple[date, float | None]]:
    """Per day, the share of VIES checks that got an answer (VALID or INVALID): UNKNOWN means
    VIES stayed unavailable past the retry budget or refused to answer."""
    answered: Counter[date] = Counter()
    total: Counter[date] = Counter()
    for checked_at, result in checks:
        total[checked_at.date()] += 1
        answered[checked_at.date()] += result in ("VALID", "INVALID")
    return [(d, share(answered[d], total[d])) for d in days]


def failure_rates(deliveries: list, days: list[date]) -> list[tuple[date, float | None]]:
    """Per day, the share of finished webhook deliveries that FAILED."""
    failed: Counter[date] = Counter()
    total: Counter[date] = Counter()
    for created_at, status in deliveries:
        total[created_at.date()] += 1
        failed[created_at.date()] += status == "FAILED"
    return [(d, share(failed[d], total[d])) for d in days]
