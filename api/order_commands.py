"""Sending commands to an order's workflow and turning its refusals into problem answers.

Temporal bounds the Updates in flight per workflow (10 by default), and past that throughput
collapses; so each API process lets at most ``MAX_IN_FLIGHT`` commands per order through at
once and queues the rest briefly, answering 429 with Retry-After rather than piling on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse
from sqlalchemy.orm import selectinload
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import PROBLEM_TYPES, FieldError, Problem
from api.nt24_auth import PartnerScope
from api.versioning import versioned_json
from store.db import Database
from store.models import Order
from workflows.order_model import CommandResult

MAX_IN_FLIGHT = 4
QUEUE_WAIT_SECONDS = 10.0


@dataclass
class _Gate:
    """The commands in flight for one order; ``users`` counts those holding or awaiting it."""

    semaphore: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_IN_FLIGHT))
    users: int = 0


_gates: dict[str, _Gate] = {}


def _busy() -> Problem:
    return Problem(
        "rate-limited",
        "Too many commands are in flight for this order; retry shortly.",
        headers={"Retry-After": "1"},
    )


@asynccontextmanager
async def _gate(workflow_id: str) -> AsyncIterator[None]:
    gate = _gates.setdefault(workflow_id, _Gate())
    gate.users += 1
    try:
        try:
            await asyncio.wait_for(gate.semaphore.acquire(), QUEUE_WAIT_SECONDS)
        except TimeoutError as exc:
            raise _busy() from exc
        try:
            yield
        finally:
            gate.semaphore.release()
    finally:
        gate.users -= 1
        if gate.users == 0:  # idle: forget it, so the map holds only busy orders
            del _gates[workflow_id]


def problem_of(failure: ApplicationError) -> Problem:
    """A workflow's refusal (``workflows.order.refuse``) as the problem it names."""
    if failure.type not in PROBLEM_TYPES:
        raise failure
    extra: dict[str, Any] = dict(failure.details[0]) if failure.details else {}
    errors = extra.pop("errors", None)
    return Problem(
        failure.type,
        failure.message,
        errors=[FieldError(e["field"], e["message"], e.get("rejectedValue")) for e in errors]
        if errors
        else None,
        **extra,
    )


async def run_command(client: Client, workflow_id: str, update: Any, command: Any) -> CommandResult:
    """Send one command (an Update) to the order's workflow; refusals become problems."""
    async with _gate(workflow_id):
        try:
            return await client.get_workflow_handle(workflow_id).execute_update(update, command)
        except WorkflowUpdateFailedError as exc:
            if isinstance(exc.cause, ApplicationError):
                raise problem_of(exc.cause) from exc
            raise
        except RPCError as exc:
            if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
                raise _busy() from exc
            raise


async def load_order(db: Database, scope: PartnerScope, order_uuid: UUID) -> Order:
    """The caller's order under this seller, or 404 (another's order does not exist)."""
    async with db.session() as session:
        order = await session.scalar(
            scope.tenant.select(Order)
            .options(selectinload(Order.vins))
            .where(Order.partner_id == scope.partner.id, Order.uuid == order_uuid)
        )
    if order is None:
        raise Problem("not-found", f"Order {order_uuid} was not found.")
    return order


async def order_command(
    client: Client, db: Database, scope: PartnerScope, order_uuid: UUID, update: Any, command: Any
) -> JSONResponse:
    """Send ``command`` to the caller's order; the answer carries the resource's ETag, and is a
    201 when the command created the resource (a first invoice, a first payment)."""
    row = await load_order(db, scope, order_uuid)
    result = await run_command(client, row.workflow_id, update, command)
    return versioned_json(result.body, result.version, status_code=201 if result.created else 200)
