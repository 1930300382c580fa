"""The API's Prometheus metrics: every request, and the business gauges an operator watches.

``GET /metrics`` answers only to ``Authorization: Bearer <NT24_METRICS_TOKEN>`` (404 while the
setting is empty, as for a path that does not exist). It carries:

- ``nt24_http_request_duration_seconds{method,route,status}``: a histogram per route template
  (``/v1/partners/{sellerId}/orders``, never the ids), recorded by the edge middleware
  (``api/shared/edge.py``) with ``request_duration``;
- refusals: ``nt24_idempotency_refusals_total{reason}``, ``nt24_rate_limit_refusals_total
  {category}``;
- gauges read from the database when scraped (one cheap query each, reused for
  ``CACHE_SECONDS``): orders per status and compliance status, open blockers by code,
  webhook deliveries pending and failing per endpoint, endpoints per status and auto-paused,
  VIES checks of the last hour by result and the share answered, dunning letters per step.

Under several API processes (``uvicorn --workers N``) set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder: every process writes its counts there and any of them answers for all.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import time
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import timedelta
from functools import lru_cache

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client import Histogram as PromHistogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.shared.deps import app_settings
from store.buyers.queries import vies_checks_by_result
from store.db import Database
from store.identity.tenancy import EVERY_ORGANIZATION
from store.models import utcnow
from store.orders.queries import open_order_rollups, orders_by_status
from store.payments.queries import dunning_letters_by_step
from store.webhooks.queries import endpoints_by_status, pending_deliveries_by_endpoint

log = structlog.get_logger(__name__)

CACHE_SECONDS = 10.0

REQUEST_DURATION = PromHistogram(
    "nt24_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IDEMPOTENCY_REFUSALS = PromCounter(
    "nt24_idempotency_refusals",
    "NT24 writes refused by the Idempotency-Key rules: key missing, reused for another "
    "request, or its first request still running",
    ["reason"],
)
RATE_LIMIT_REFUSALS = PromCounter(
    "nt24_rate_limit_refusals",
    "NT24 requests refused with 429 rate-limited, by rate-limit category",
    ["category"],
)


# ----- requests -----


@lru_cache(maxsize=4096)  # methods x route templates x statuses: a few hundred in use
def request_duration(method: str, template: str, status: int) -> PromHistogram:
    # the labels' own lookup (a lock, the labels' checks) costs a request more than observing
    return REQUEST_DURATION.labels(method, template, str(status))


# ----- business gauges -----


class BusinessGauges(Collector):
    """What the database says right now, collected by ``refresh`` before each scrape."""

    def __init__(self) -> None:
        self.families: list[Metric] = []
        self.refreshed_at = 0.0
        self._lock = asyncio.Lock()

    def collect(self) -> Iterator[Metric]:
        yield from self.families

    async def refresh(self, db: Database) -> None:
        async with self._lock:
            if time.monotonic() - self.refreshed_at < CACHE_SECONDS:
                return
            try:
                self.families = await read_gauges(db)
            except Exception as exc:  # a scrape must answer even with the database away
                log.warning("business gauges unavailable", error=f"{type(exc).__name__}: {exc}")
                up = GaugeMetricFamily("nt24_business_gauges_up", "1 when the gauges were read")
                up.add_metric([], 0)
                self.families = [up]
            self.refreshed_at = time.monotonic()


async def read_gauges(db: Database) -> list[Metric]:
    now = utcnow()
    hour_ago = now - timedelta(hours=1)
    async with db.session() as session:
        orders = await orders_by_status(session)
        open_rollups = await open_order_rollups(session, EVERY_ORGANIZATION)
        deliveries = await pending_deliveries_by_endpoint(session)
        endpoints = await endpoints_by_status(session)
        vies = await vies_checks_by_result(session, since=hour_ago)
        letters = await dunning_letters_by_step(session)

    families: list[Metric] = []
    up = GaugeMetricFamily("nt24_business_gauges_up", "1 when the gauges were read")
    up.add_metric([], 1)
    families.append(up)

    g = GaugeMetricFamily(
        "nt24_orders", "Orders by status and compliance status", labels=["status", "compliance"]
    )
    for status, compliance, n in orders:
        g.add_metric([status, compliance], n)
    families.append(g)

    blockers: Tally[str] = Tally()
    for rollup in open_rollups:
        blockers.update({b["code"] for b in (rollup or {}).get("blockers", [])})
    g = GaugeMetricFamily(
        "nt24_open_order_blockers",
        "Open (INCOMPLETE, not cancelled) orders held up by each blocker code",
        labels=["code"],
    )
    for code, n in sorted(blockers.items()):
        g.add_metric([code], n)
    families.append(g)

    pending = GaugeMetricFamily(
        "nt24_webhook_deliveries_pending",
        "Webhook deliveries not yet delivered nor given up, per endpoint",
        labels=["endpoint"],
    )
    failing = GaugeMetricFamily(
        "nt24_webhook_deliveries_failing",
        "Pending webhook deliveries whose last attempt failed (retrying), per endpoint",
        labels=["endpoint"],
    )
    for endpoint, n, retrying in deliveries:
        pending.add_metric([endpoint], n)
        failing.add_metric([endpoint], retrying)
    families += [pending, failing]

    by_status = GaugeMetricFamily(
        "nt24_webhook_endpoints", "Webhook endpoints by status", labels=["status"]
    )
    auto_paused = GaugeMetricFamily(
        "nt24_webhook_endpoints_auto_paused", "Endpoints paused by failing deliveries"
    )
    paused_total = 0
    for status, n, auto in endpoints:
        by_status.add_metric([status], n)
        paused_total += auto
    auto_paused.add_metric([], paused_total)
    families += [by_status, auto_paused]

    checks = GaugeMetricFamily(
        "nt24_vies_checks_last_hour", "VIES checks finished in the last hour", labels=["result"]
    )
    total = answered = 0
    for result, n in vies:
        checks.add_metric([result], n)
        total += n
        answered += n if result in ("VALID", "INVALID") else 0
    availability = GaugeMetricFamily(
        "nt24_vies_availability_ratio",
        "Share of the last hour's VIES checks that VIES answered (1 when there were none)",
    )
    availability.add_metric([], answered / total if total else 1.0)
    families += [checks, availability]

    g = GaugeMetricFamily(
        "nt24_dunning_letters",
        "Dunning letters sent, by step and outcome",
        labels=["step", "status"],
    )
    for step, status, n in letters:
        g.add_metric([step, status], n)
    families.append(g)
    return families


# ----- the endpoint -----


def _registry(gauges: BusinessGauges) -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(gauges)
    return registry


def _register(gauges: BusinessGauges) -> None:
    """One app per process in production; tests make several, each with its own database:
    the process-wide registry carries the gauges of the app being scraped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    registered = list(getattr(REGISTRY, "_collector_to_names", {}))
    if gauges in registered:
        return
    for collector in registered:
        if isinstance(collector, BusinessGauges):
            REGISTRY.unregister(collector)
    REGISTRY.register(gauges)


def install(app: FastAPI) -> None:
    """``GET /metrics`` behind ``NT24_METRICS_TOKEN``."""
    gauges = BusinessGauges()
    _register(gauges)
    app.state.business_gauges = gauges

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        token = app_settings(request).metrics_token
        given = request.headers.get("authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            from api.shared.errors import Problem

            raise Problem("not-found", "Not Found")
        await gauges.refresh(request.app.state.db)
        _register(gauges)  # the app that answers shows its own database's gauges
        return Response(generate_latest(_registry(gauges)), media_type=CONTENT_TYPE_LATEST)
