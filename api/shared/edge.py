"""The edge of the API: the first and last layer of every HTTP request (pure ASGI).

- The serving app's settings in context, for code with no request at hand
  (``api/shared/deps.py`` ``serving_settings``: an amount's limit, a command's deadline).
- The request's trace id (``traceId`` of a problem, ``X-Request-Id``): the trace's own id when
  tracing is on, so both lead to the trace; a random one otherwise (``api/shared/errors.py``).
  ``X-Request-Id`` echoes the caller's or, without one, carries that id.
- The security headers of the path on every answer (``api/shared/security_headers.py``).
- The request's duration under its route template (``nt24_http_request_duration_seconds``,
  ``api/shared/metrics.py``).
- A log line for each request an operator may have to follow: writes, refusals and errors
  (status 400 and up), and reads slower than ``SLOW_READ_SECONDS``. A read answered in time
  is counted by the histogram only unless ``NT24_LOG_READS`` is on: its line cost a read as
  much as every other middleware together, and says nothing the metrics do not.

One layer for all of it: each layer costs every request its own call and its own wrapper of
``send``, whether or not it has anything to do.
"""

from __future__ import annotations

import time

import structlog
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.shared.deps import SERVING_SETTINGS
from api.shared.errors import new_trace_id, route_of, unhandled_error_answer
from api.shared.metrics import request_duration
from api.shared.security_headers import SecurityHeaders
from settings import Settings

log = structlog.get_logger(__name__)
# What a request's log lines may name beside its trace: ids only, never names or addresses
REQUEST_IDS = ("organization", "partner", "order")
# A read slower than this is logged even with NT24_LOG_READS off
SLOW_READ_SECONDS = 1.0
_READS = frozenset({"GET", "HEAD"})


class EdgeMiddleware:
    """Settings in context, trace id, ``X-Request-Id``, security headers, duration and log line
    of every request."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.security = SecurityHeaders(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = new_trace_id()
        scope.setdefault("state", {})["trace_id"] = trace_id
        incoming = _header(scope, b"x-request-id")
        request_id = (incoming[:200] if incoming else trace_id).encode("latin-1")
        path = scope["path"]
        status = 500
        answered = False
        started = time.perf_counter()

        async def send_stamped(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                kept = (h for h in message.get("headers", ()) if h[0] != b"x-request-id")
                headers = self.security.add_to(path, kept)
                headers.append((b"x-request-id", request_id))
                message["headers"] = headers
            await send(message)

        serving = SERVING_SETTINGS.set(self.settings)
        structlog.contextvars.bind_contextvars(trace_id=trace_id)
        try:
            await self.app(scope, receive, send_stamped)
        except Exception as exc:
            if answered:
                raise
            # An error no handler answered (the database away while a middleware reads it):
            # answered here by the app's error handler, so that X-Request-Id and the security
            # headers reach it, instead of by Starlette's outermost one past them
            answer = await unhandled_error_answer(Request(scope, receive), exc)
            await answer(scope, receive, send_stamped)
        finally:
            template = route_of(scope)
            took = time.perf_counter() - started
            method = scope["method"]
            request_duration(method, template, status).observe(took)
            if (
                self.settings.log_reads
                or status >= 400
                or method not in _READS
                or took >= SLOW_READ_SECONDS
            ):
                # with the ids the request resolved (organization, partner, order: bound by
                # api/nt24/identity/auth.py and api/nt24/orders/commands.py, and merged in by
                # the log's first processor), never personal data
                log.info(
                    "request",
                    method=method,
                    route=template,
                    status=status,
                    ms=round(took * 1000, 1),
                )
            structlog.contextvars.unbind_contextvars("trace_id", *REQUEST_IDS)
            SERVING_SETTINGS.reset(serving)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
