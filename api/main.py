"""The FastAPI application: both API families, problem+json errors, request ids."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

import telemetry
from api import web
from api.notyd import diagnostics
from api.notyd.identity import user_tokens, users
from api.notyd.payments import invoices as payment_invoices
from api.notyd.payments import order_requests as payment_order_requests
from api.notyd.payments import orders as payment_orders
from api.notyd.payments import page as payment_page
from api.notyd.payments.common import serve_without_trailing_slash
from api.nt24.buyers import (
    buyers,
    kyc,
    kyc_documents,
    kyc_verification,
    self_service,
    self_service_invitations,
)
from api.nt24.identity import me, oauth
from api.nt24.orders import compliance, evidence, finalization, invoices, orders, transport
from api.nt24.orders import documents as order_documents
from api.nt24.orders import payment_proof as payments
from api.nt24.webhooks import events, webhooks
from api.shared import (
    codec_server,
    docs_ui,
    errors,
    health,
    metrics,
    openapi_examples,
    route_dispatch,
    temporal_calls,
)
from api.shared.edge import EdgeMiddleware
from api.shared.idempotency import IdempotencyMiddleware
from api.shared.input_limits import (
    BodyMiddleware,
    InputLimitsMiddleware,
    declare_body_problems,
)
from api.shared.problem_docs import declare_problems
from api.shared.rate_limit import RateLimitMiddleware
from api.shared.temporal import TemporalConnection
from settings import Settings, get_settings
from store import secrets_box
from store.db import Database


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    temporal_client: Client | None = None,
) -> FastAPI:
    """The app; tests hand in their own settings, database and Temporal client."""
    given = settings
    settings = settings or get_settings()
    secrets_box.use_settings(settings)  # the key of webhook secrets at rest
    if given is None:  # the served app: logs and traces as the settings say (telemetry.py)
        telemetry.setup_logging(settings)
        telemetry.setup_tracing(settings, "nt24-api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # a production API without a secret it needs would answer every authenticated
        # request with a 500: it refuses to start instead, naming each missing setting
        settings.require_production_secrets()
        own_db = db is None
        app.state.db = db or Database(settings.effective_database_url)
        app.state.temporal = TemporalConnection(settings, temporal_client)
        if given is None:
            # the served app's start-up (modules, routes, models) lives as long as its
            # process: out of the collector's reach, a full collection no longer walks it
            gc.collect()
            gc.freeze()
        yield
        if own_db:
            await app.state.db.dispose()

    app = FastAPI(
        title="NT24 on Temporal",
        version="1.0.0",
        summary="NT24 Integration API (compliance) and NOTYD v1 compatible payments API",
        lifespan=lifespan,
        docs_url=None,  # served from the package's own assets, no CDN (api/shared/docs_ui.py)
        redoc_url=None,
        generate_unique_id_function=openapi_examples.operation_id,  # createOrder, notydGetOrder
        # FastAPI's own OpenTelemetry spans and metrics stay off: telemetry.instrument_app
        # makes the server span (and only when tracing is on), /metrics the request metrics.
        # Left on, every request would ask the global providers whether anyone listens.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    errors.install(app)
    temporal_calls.install(app)  # Temporal's errors as problems
    # NT24 conventions (NT24 paths only). The last added runs first: authenticate and count
    # (rate limit), then Idempotency-Key, then the endpoint; the edge middleware added below
    # wraps them all, so their own answers (400, 413, 422, 429) echo X-Request-Id too.
    # Innermost, on every path: NUL characters and strict JSON bodies (api/shared/input_limits.py).
    app.add_middleware(InputLimitsMiddleware, router=app.router)
    app.add_middleware(IdempotencyMiddleware)
    # on every path, before anything reads a body: its size (413) and a multipart body's text
    # (422) are checked as it arrives
    app.add_middleware(BodyMiddleware)
    app.add_middleware(RateLimitMiddleware)

    # the first and last layer: the settings in context, the request's trace id (problem
    # traceId, X-Request-Id), its duration and log line, and every answer's security headers
    # (CSP, nosniff, no-store, HSTS outside dev), the other middlewares' answers included
    # (api/shared/edge.py)
    app.add_middleware(EdgeMiddleware, settings=settings)
    metrics.install(app)  # GET /metrics behind NT24_METRICS_TOKEN
    app.include_router(codec_server.router)  # the Temporal UI's codec server, /codec
    telemetry.instrument_app(app)  # the server span, outside everything, when tracing is on

    nt24 = (
        buyers,
        kyc,
        kyc_documents,
        kyc_verification,
        self_service_invitations,
        orders,
        invoices,
        payments,
        transport,
        order_documents,
        compliance,
        evidence,
        webhooks,
        events,
    )
    notyd = (user_tokens, users, payment_order_requests, payment_orders, payment_invoices)
    for module in (*notyd, diagnostics):
        # every /v1/api/ path also without its trailing slash, no redirect (clients use both)
        serve_without_trailing_slash(module.router)
    for module in (health, oauth, me, *nt24, finalization, *notyd, diagnostics, payment_page):
        app.include_router(module.router)
    app.include_router(kyc_verification.callbacks)  # the identity provider's, no NT24 auth
    web.install(app)  # the web app under /app (docs/web-app.md)
    app.include_router(self_service.router)  # the buyer's upload page (docs/kyc.md)
    errors.answer_problems_as_pages(app, self_service.router.prefix, self_service.problem_page)
    errors.answer_problems_as_pages(app, payment_page.router.prefix, payment_page.problem_page)
    docs_ui.install(app)  # /docs and /redoc, working offline
    declare_body_problems(app)
    declare_problems(app)  # after every other declaration: it completes them
    openapi_examples.install(app)  # example bodies (api/shared/openapi_examples.py)
    events.declare_webhooks(app)  # what a delivery POSTs, per event type
    route_dispatch.install(app)  # each request matched on the routes its path can reach
    return app


app = create_app()
