"""What the NOTYD payment routers share: the seller a user acts for, its orders, and paths.

A user acts for its own seller (partner); a user without one acts for its organization's
sellers. Another organization's order, or another seller's, is a 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from temporalio.client import Client

from api.notyd.identity.user_auth import Scope, SellerScope
from api.notyd.payments.refusals import payment_refusal_problem
from api.nt24.orders.commands import run_command
from api.shared.errors import Problem
from api.shared.idempotency import HEADER, MAX_KEY_LENGTH, request_fingerprint
from api.shared.temporal_calls import request_identity
from store.db import Database
from store.models import Partner, PaymentOrder
from store.payments import queries
from workflows.payments.rules.orders import TERMINAL


async def selling_partner(db: Database, scope: SellerScope) -> Partner:
    """The seller a new order belongs to: the user's, else the organization's first."""
    partner = await queries.selling_partner(db, scope.tenant, scope.partner_id)
    if partner is None:
        raise Problem("forbidden", "Your organization has no seller profile to sell for.")
    return partner


async def load_order(db: Database, scope: SellerScope, order_uuid: UUID) -> PaymentOrder:
    order = await queries.payment_order(db, scope.tenant, scope.partner_id, order_uuid)
    if order is None:
        raise Problem("not-found", f"Order {order_uuid} was not found.")
    return order


def parse_uuid(value: str, what: str) -> UUID:
    """Path uuids that are not uuids name nothing that exists: 404, as any unknown one."""
    try:
        return UUID(value)
    except ValueError as exc:
        raise Problem("not-found", f"{what} {value} was not found.") from exc


def serve_without_trailing_slash(router: APIRouter) -> APIRouter:
    """Serve each path also without its trailing slash, without a redirect (a redirect turns
    a POST into a GET in some clients); the slashless twin stays out of the OpenAPI. Applying
    it again adds nothing (api/main.py applies it to every /v1/api/ router)."""
    # an APIRoute's methods are never None (a plain Route's may be)
    served = {
        (route.path, method)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for route in list(router.routes):
        if not (isinstance(route, APIRoute) and route.path.endswith("/") and len(route.path) > 1):
            continue
        methods = route.methods or set()
        if all((route.path.rstrip("/"), method) in served for method in methods):
            continue
        router.add_api_route(
            route.path.removeprefix(router.prefix).rstrip("/"),
            route.endpoint,
            methods=list(methods),
            response_model=route.response_model,
            status_code=route.status_code,
            dependencies=route.dependencies,
            response_class=route.response_class,
            include_in_schema=False,
        )
    return router


async def _command_key(request: Request, scope: Scope) -> AsyncIterator[None]:
    """A command sent with an ``Idempotency-Key`` (NOTYD's API does not require one, and its
    clients may send it): its Updates get ids that a retry of the same request (organization,
    key, method, path and body) repeats, so Temporal answers the first attempt's outcome
    instead of applying the command again, as after a 503 whose command may still be applied.
    Without a key each attempt is a command of its own."""
    key = request.headers.get(HEADER, "")
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        yield
        return
    fingerprint = request_fingerprint(
        request.method,
        request.url.path.rstrip("/"),  # served with and without the trailing slash
        request.headers.get("content-type"),
        await request.body(),
    )
    with request_identity(f"notyd\n{scope.tenant.organization_id}\n{key}\n{fingerprint}"):
        yield


# On every route that sends a command: see _command_key
COMMAND_KEY = Depends(_command_key)


async def order_command(client: Client, order: PaymentOrder, update: Any, command: Any) -> Any:
    """Send a command to the order's workflow. A terminal order's workflow has ended: what
    it would have refused is a 409 here."""
    refused = Problem("conflict", f"The order is {order.status}: no further actions are possible.")
    if order.status in TERMINAL:
        raise refused

    async def ended_meanwhile() -> Problem:
        return refused

    return await run_command(
        client,
        order.workflow_id,
        update,
        command,
        closed=ended_meanwhile,
        refusals=payment_refusal_problem,
    )
