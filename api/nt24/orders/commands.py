"""Sending commands to an order's workflow and turning its refusals into problem answers.

Temporal bounds the Updates in flight per workflow (10 by default), and past that throughput
collapses; so each API process lets at most ``MAX_IN_FLIGHT`` commands per order through at
once and queues the rest briefly, answering 429 with Retry-After rather than piling on.

Every command is bounded by ``NT24_COMMAND_DEADLINE`` and every Temporal error it meets is a
problem (api/shared/temporal_calls.py): 503 with Retry-After while Temporal or the worker is away,
409 with the current resource once the workflow has finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import structlog
from fastapi.responses import JSONResponse
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.nt24.identity.auth import PartnerScope
from api.nt24.orders.refusals import order_refusal_problem
from api.shared.errors import PROBLEM_TYPES, FieldError, Problem, retry_after
from api.shared.idempotency import command_started
from api.shared.temporal_calls import (
    command_deadline,
    command_retry_advice,
    unavailable,
    update_id,
)
from api.shared.versioning import versioned_json
from store.db import AnyRow, Database
from store.models import Order
from store.orders import queries
from store.orders.views import resource_view
from workflows.orders.state import CommandResult

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
        headers=retry_after(1),
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


# A workflow family's table from its refusals' domain reasons to problems (None: not one)
RefusalTable = Callable[[ApplicationError], Problem | None]


def problem_of(
    failure: ApplicationError, refusals: RefusalTable = order_refusal_problem
) -> Problem:
    """A workflow's refusal as the problem it answers: a domain reason through its family's
    table (the order's: api/nt24/orders/refusals.py); a problem type, as workflows of the
    previous release refuse with, as it is."""
    problem = refusals(failure)
    if problem is not None:
        return problem
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


Closed = Callable[[], Awaitable[Problem]]


def _finished() -> Problem:
    return Problem("conflict", "The order is closed: it takes no further commands.")


async def _generic_closed() -> Problem:
    return _finished()


async def run_command(
    client: Client,
    workflow_id: str,
    update: Any,
    command: Any,
    *,
    closed: Closed | None = None,
    refusals: RefusalTable = order_refusal_problem,
    start: WithStartWorkflowOperation[Any, Any] | None = None,
) -> CommandResult:
    """Send one command (an Update) to the order's workflow; refusals become problems.

    The command gets ``NT24_COMMAND_DEADLINE``: without a worker, or without Temporal, it
    answers 503 with Retry-After when the deadline passes (the Update id comes from the
    request's Idempotency-Key, so a retry attaches to an Update Temporal already admitted;
    the 503 says what a retry does without one).
    A workflow that has finished answers ``closed()`` (409 ``conflict``, with the current
    resource where the caller can read it); one not started yet (a command racing its create)
    is retried within the deadline. ``refusals`` maps the workflow's refusals (an order's by
    default). With ``start`` the Update goes with the workflow's start, in one request and one
    workflow task (the workflow is started unless it runs: ``start``'s conflict policy)."""
    deadline = command_deadline()
    async with _gate(workflow_id):
        try:
            async with asyncio.timeout(deadline):
                return await _send(
                    client, workflow_id, update, command, closed or _generic_closed, refusals, start
                )
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            raise unavailable(
                f"The order's workflow did not answer within {deadline:g} seconds; the command "
                f"may still be applied. {command_retry_advice()}"
            ) from exc


async def _send(
    client: Client,
    workflow_id: str,
    update: Any,
    command: Any,
    closed: Closed,
    refusals: RefusalTable,
    start: WithStartWorkflowOperation[Any, Any] | None,
) -> CommandResult:
    handle = client.get_workflow_handle(workflow_id)
    pause = 0.05
    while True:
        try:
            if start is not None:
                result = await client.execute_update_with_start_workflow(
                    update,
                    command,
                    id=update_id(workflow_id, update),
                    start_workflow_operation=start,
                )
            else:
                result = await handle.execute_update(
                    update, command, id=update_id(workflow_id, update)
                )
            command_started()
            return result
        except WorkflowUpdateFailedError as exc:
            if isinstance(exc.cause, ApplicationError):
                problem = problem_of(exc.cause, refusals)
                if problem.slug != "version-mismatch":
                    # the workflow judged the command by the order's state: that is its answer
                    # (a stale If-Match is the request's precondition, which the Idempotency-Key
                    # does not fingerprint: the same key with the current version runs it)
                    command_started()
                raise problem from exc
            raise
        except RPCError as exc:
            if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
                raise _busy() from exc
            if exc.status != RPCStatusCode.NOT_FOUND or start is not None:
                raise  # (a start is sent once: a workflow it starts is never "not found")
            if await _has_finished(handle):
                command_started()  # the order is closed: it will stay so
                raise await closed() from exc
        # not found: not started yet (or not visible yet); try again within the deadline
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)


async def _has_finished(handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether the workflow ran and has closed (completed, cancelled, terminated ...)."""
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return description.status not in (None, WorkflowExecutionStatus.RUNNING)


def closed_order(db: Database, workflow_id: str) -> Closed:
    """A finished order's refusal: 409 ``conflict`` with the order as the read model has it."""

    async def answer() -> Problem:
        row = await queries.order_of_workflow(db, workflow_id)
        if row is None:
            return _finished()
        status = row.order.get("status") if isinstance(row.order, dict) else None
        return Problem(
            "conflict",
            f"The order is {status or 'closed'}: it takes no further commands.",
            currentResource=row.order,
        )

    return answer


_Found = TypeVar("_Found")


async def load_order(db: Database, scope: PartnerScope, order_uuid: UUID) -> Order:
    """The caller's order under this seller, or 404 (another's order does not exist)."""
    return _found(
        await queries.load_order(db, scope.tenant, scope.partner.id, order_uuid), order_uuid
    )


async def order_view(db: Database, scope: PartnerScope, order_uuid: UUID, *columns: Any) -> AnyRow:
    """Columns of the caller's order under this seller (a GET's JSON view and its version),
    read in one statement without the rest of the order; or 404 as ``load_order``."""
    row = await queries.order_columns(db, scope.tenant, scope.partner.id, order_uuid, *columns)
    return _found(row, order_uuid)


def _found(found: _Found | None, order_uuid: UUID) -> _Found:
    if found is None:
        raise Problem("not-found", f"Order {order_uuid} was not found.")
    structlog.contextvars.bind_contextvars(order=str(order_uuid))  # the request's log lines
    return found


async def order_command(
    client: Client, db: Database, scope: PartnerScope, order_uuid: UUID, update: Any, command: Any
) -> JSONResponse:
    """Send ``command`` to the caller's order; the answer carries the resource's ETag, and is a
    201 when the command created the resource (a first invoice, a first payment)."""
    row = await order_view(db, scope, order_uuid, Order.workflow_id)
    result = await run_command(
        client, row.workflow_id, update, command, closed=closed_order(db, row.workflow_id)
    )
    return versioned_json(
        answer_body(result), result.version, status_code=201 if result.created else 200
    )


def answer_body(result: CommandResult) -> dict:
    """The JSON of the resource a command's answer shows, rendered from the order's state."""
    if result.body is not None:  # a worker of the previous release rendered it itself
        return result.body
    assert result.order is not None and result.resource is not None
    return resource_view(result.order, result.resource, result.key)
