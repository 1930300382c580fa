"""How the API talks to Temporal, and every error the Temporal client raises as a problem.

- Temporal unreachable (no connection at startup or later, an RPC that fails with
  ``UNAVAILABLE`` after the client's own retries, or one past its deadline): 503
  ``service-unavailable`` with ``Retry-After``. A request that fails this way changed nothing
  the caller can see, and its Idempotency-Key is not spent (api/shared/idempotency.py keeps no 5xx).
- Temporal's server throttling (``RESOURCE_EXHAUSTED``): 429 ``rate-limited`` with
  ``Retry-After``.
- A workflow at one of the server's limits (``FAILED_PRECONDITION``: an Update past the Updates
  a run takes, which its workflow avoids by continuing as new): 503 ``service-unavailable``
  with ``Retry-After``; the command was refused before it was applied.
- A workflow that has finished (``NOT_FOUND`` outside a command, which ``run_command`` in
  api/nt24/orders/commands.py handles itself): 409 ``conflict``.
- Anything else the client raises is a bug: 500 ``internal-error``, logged.

Commands (workflow Updates) are bounded by ``NT24_COMMAND_DEADLINE`` (the serving app's setting,
``serving_settings``), so a command sent while no worker polls answers 503 within the deadline
instead of waiting for minutes. An Update Temporal has admitted still runs once a worker is back;
a retry with the same Idempotency-Key sends the same Update id (``update_id``), so Temporal
attaches it to that Update and answers its result instead of applying the command a second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.shared.deps import serving_settings
from api.shared.errors import (
    Problem,
    Unavailable,
    problem_response,
    retry_after,
    route_of,
    trace_id,
)

log = structlog.get_logger(__name__)


# Temporal's answers that mean "not now": the server or the connection to it, not the request
TRANSIENT = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.CANCELLED,
        RPCStatusCode.ABORTED,
        RPCStatusCode.INTERNAL,
        RPCStatusCode.UNKNOWN,
        RPCStatusCode.UNAUTHENTICATED,  # credentials of the deployment, not of the caller
        RPCStatusCode.PERMISSION_DENIED,
    }
)


# What the Temporal client raises for a call that failed (temporal_problem says what each means)
TEMPORAL_ERRORS = (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError)


class TemporalUnavailable(Unavailable, RuntimeError):
    """503 ``service-unavailable`` with ``Retry-After``. A RuntimeError too, as the client's
    own connect failure is, so callers that tolerate an unreachable Temporal still do."""


def unavailable(detail: str = "The workflow service is unavailable.") -> TemporalUnavailable:
    return TemporalUnavailable(detail)


def throttled() -> Problem:
    return Problem(
        "rate-limited",
        "The workflow service is busy with this resource; retry shortly.",
        headers=retry_after(1),
    )


def temporal_problem(exc: BaseException) -> Problem | None:
    """The problem a Temporal client error stands for; None for one that is a bug."""
    if isinstance(exc, WorkflowUpdateRPCTimeoutOrCancelledError):
        return unavailable("The workflow service did not answer in time.")
    if isinstance(exc, RPCError):
        if exc.status in TRANSIENT:
            return unavailable("The workflow service is unavailable.")
        if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
            return throttled()
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:
            return unavailable(
                "The process behind this resource takes no command just now (it is at a limit "
                "of the workflow service); the command was not applied."
            )
        if exc.status == RPCStatusCode.NOT_FOUND:
            return Problem(
                "conflict",
                "The process behind this resource has finished; it takes no further changes.",
            )
    return None


def logged_temporal_problem(request: Request, exc: BaseException) -> Problem:
    """The problem answered for an error of the Temporal client, logged: a 503 or 429 as a
    warning, one that is a bug as ``internal-error`` with its traceback."""
    problem = temporal_problem(exc)
    if problem is None:
        log.exception("temporal error", route=route_of(request.scope), trace_id=trace_id(request))
        problem = Problem(
            "internal-error", "An unexpected error occurred. Quote the traceId to support."
        )
    else:
        log.warning(
            "temporal unavailable" if problem.status == 503 else "temporal refused",
            route=route_of(request.scope),
            error=f"{type(exc).__name__}: {exc}"[:300],
            status=problem.status,
        )
    return problem


def _handler(request: Request, exc: Exception) -> Response:
    return problem_response(request, logged_temporal_problem(request, exc))


def install(app: FastAPI) -> None:
    for error in TEMPORAL_ERRORS:
        app.add_exception_handler(error, _handler)


# The current request's Idempotency-Key identity (set by api/shared/idempotency.py)
_request_key: ContextVar[str | None] = ContextVar("command_request_key", default=None)


def command_deadline() -> float:
    """Seconds a command of the current request may take (``NT24_COMMAND_DEADLINE``)."""
    return serving_settings().command_deadline.total_seconds()


@contextmanager
def request_identity(identity: str) -> Iterator[None]:
    """While a request runs under an Idempotency-Key: ``identity`` names it (organization,
    key and the request's fingerprint), so its Updates get ids a retry repeats."""
    token = _request_key.set(identity)
    try:
        yield
    finally:
        _request_key.reset(token)


def request_key_identity() -> str | None:
    """The current request's Idempotency-Key identity, if it sent a key."""
    return _request_key.get()


def command_retry_advice() -> str:
    """What a retry of a command that may still be applied does, for a 503 to say: with an
    Idempotency-Key it returns the first attempt's result; without one (the NOTYD API takes
    the header but does not require it) it is another command."""
    if _request_key.get() is not None:
        return "Retry with the same Idempotency-Key to get its result."
    return (
        "A retry sends the command again: read the resource to see whether it was applied "
        "before retrying, or send an Idempotency-Key header, with which a retry with the same "
        "key gets the first attempt's result."
    )


def update_id(workflow_id: str, update: Any) -> str | None:
    """The Update id of a command: derived from the request's Idempotency-Key identity, the
    workflow and the Update's name, so a retry of the same request sends the same id and
    Temporal answers the first one's outcome; None (a random id) without a key."""
    identity = _request_key.get()
    if identity is None:
        return None
    name = getattr(update, "__name__", None) or str(update)
    digest = hashlib.sha256(f"{identity}\n{workflow_id}\n{name}".encode()).hexdigest()
    return f"cmd-{digest[:40]}"
