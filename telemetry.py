"""Traces, logs and the worker's Temporal SDK metrics, set up once per process from the settings.

- **Traces** (OpenTelemetry): the API's HTTP server span, the Temporal client calls it makes
  (start, Update), the workflow and its activities (``TracingInterceptor`` on client and
  worker) and the outbound HTTP calls of activities (webhooks, VIES, iDenfy: httpx) share one
  trace. ``NT24_TRACING_EXPORTER`` picks where spans go: nowhere (the default), ``console``
  or ``otlp`` (``NT24_OTLP_ENDPOINT``, e.g. Jaeger's ``http://jaeger:4318/v1/traces``).
- **Logs** (structlog): JSON lines in production, readable lines elsewhere, each with the
  trace id and, inside an activity, its workflow id and activity type. Personal data stays out:
  fields that could carry it are replaced by ``[redacted]``.
- **Worker metrics**: the SDK's own (task latencies, polls, slots, sticky cache) on a
  Prometheus endpoint of the SDK runtime (``NT24_WORKER_METRICS_ADDRESS``).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO
from urllib.parse import urlsplit

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from temporalio import activity
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import Settings
from workflows.ids import order_uuid_of

TRACER_NAME = "nt24"
EXPORTERS = ("", "console", "otlp")

_provider: TracerProvider | None = None


def setup_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """The process's tracer provider as the settings ask for it (None: tracing is off)."""
    if _provider is not None:
        return _provider
    kind = settings.tracing_exporter.strip().lower()
    if kind not in EXPORTERS:
        raise ValueError(f"NT24_TRACING_EXPORTER must be one of {EXPORTERS[1:]} or empty")
    if not kind:
        return None
    if kind == "console":
        processor: Any = SimpleSpanProcessor(ConsoleSpanExporter())
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint or None))
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return install_tracing(provider)


def tracer_provider_for(exporter: SpanExporter, service: str) -> TracerProvider:
    """A provider that hands every finished span to ``exporter`` at once (tests, tools)."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def install_tracing(provider: TracerProvider) -> TracerProvider:
    """Trace with ``provider`` from now on: outbound httpx calls, and the apps, clients and
    workers made after this call."""
    global _provider
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    _provider = provider
    HTTPXClientInstrumentor().instrument(
        tracer_provider=provider,
        request_hook=_without_query,
        async_request_hook=_async_without_query,
    )
    return provider


def uninstall_tracing() -> None:
    """Stop tracing what is made from now on (tests)."""
    global _provider
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    if _provider is not None:
        HTTPXClientInstrumentor().uninstrument()
        _provider = None


def tracer_provider() -> TracerProvider | None:
    return _provider


def temporal_interceptors() -> list[Any]:
    """The interceptors of a Temporal client (and so of the workers made on it)."""
    if _provider is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(_provider.get_tracer(TRACER_NAME))]


def instrument_app(app: Any) -> None:
    """The API's server span around every request but the probes and /metrics."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls="/healthz,/readyz,/metrics",
        exclude_spans=["receive", "send"],  # one span a request, not one per ASGI message
        server_request_hook=_by_route,
    )


# A span's attributes that hold a request's path or query, either semantic conventions' names
_PATHS = ("http.target", "url.path")
_QUERIES = ("url.query",)
_URLS = ("http.url", "url.full")


def _by_route(span: Any, _scope: dict[str, Any]) -> None:
    """The API's span names its request by its route's template, as logs do (api/shared/
    errors.py ``route_of``): never by its path or query, which may carry a credential (a
    self-service link's token, a payment page's order)."""
    attributes = getattr(span, "attributes", None)
    if not span.is_recording() or attributes is None:
        return
    route = attributes.get("http.route") or "<unmatched>"
    _rewrite(span, attributes, path=str(route))


# The transport extension by which a call says its URL's path is a credential: a webhook
# receiver's URL is the integrator's, and some (Slack-style) carry their secret in the path
SECRET_PATH = "nt24_secret_path"


def _without_query(span: Any, request: Any) -> None:
    """An outbound call's span keeps its URL without the query or user info, where a
    provider's or a receiver's token may be, and without the path when the call says it is
    one (``SECRET_PATH``)."""
    attributes = getattr(span, "attributes", None)
    if span.is_recording() and attributes is not None:
        extensions = getattr(request, "extensions", None) or {}
        _rewrite(span, attributes, path="/" if extensions.get(SECRET_PATH) else None)


async def _async_without_query(span: Any, request: Any) -> None:
    _without_query(span, request)


def _rewrite(span: Any, attributes: Any, path: str | None) -> None:
    """The span's URL attributes with the query left out, and the path replaced when given."""
    for name in _PATHS:
        if name in attributes and path is not None:
            span.set_attribute(name, path)
    for name in _QUERIES:
        if name in attributes:
            span.set_attribute(name, "")
    for name in _URLS:
        if name in attributes:
            url = urlsplit(str(attributes[name]))
            netloc = url.netloc.rpartition("@")[2]
            span.set_attribute(
                name,
                url._replace(netloc=netloc, path=path or url.path, query="", fragment="").geturl(),
            )


def current_trace_id() -> str | None:
    """The 32 hex digits of the trace the caller runs in, or None outside one."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


# ----- the worker's SDK metrics -----

_runtime: Runtime | None = None


def worker_runtime(settings: Settings) -> Runtime | None:
    """The Temporal runtime whose telemetry serves the SDK's metrics for Prometheus at
    ``NT24_WORKER_METRICS_ADDRESS`` (None: the default runtime, no endpoint)."""
    global _runtime
    if not settings.worker_metrics_address:
        return None
    if _runtime is None:
        _runtime = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(bind_address=settings.worker_metrics_address)
            )
        )
    return _runtime


# ----- logs -----

# Fields that could carry personal data: never written, whatever a caller binds
REDACTED_FIELDS = frozenset(
    {
        "vat_number",
        "vatNumber",
        "company_name",
        "companyName",
        "name",
        "first_name",
        "last_name",
        "email",
        "recipient",
        "recipient_email",
        "iban",
        "address",
        "phone",
    }
)


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in REDACTED_FIELDS & event.keys():
        event[key] = "[redacted]"
    return event


def _trace_and_activity(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    trace_id = current_trace_id()
    if trace_id:
        event.setdefault("trace_id", trace_id)
    if activity.in_activity():
        info = activity.info()
        event.setdefault("workflow_id", info.workflow_id)
        event.setdefault("activity", info.activity_type)
        # an order's workflow id carries the order's (an activity started alone has none)
        order = order_uuid_of(info.workflow_id) if info.workflow_id else None
        if order:
            event.setdefault("order", order)
    return event


def log_processors(json_lines: bool) -> list[Any]:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _trace_and_activity,
        _redact,
    ]
    if json_lines:
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors.append(ConsoleLine())
    return processors


_ABSENT = object()
_QUOTED = frozenset(" \t=\r\n\"'")


class ConsoleLine:
    """structlog's ``ConsoleRenderer(colors=False)``, the same text, for a fraction of its cost
    on the plain line (every request writes one): timestamp, ``[level    ]``, the event padded
    to 30, then the other fields sorted as key=value. A line with an exception, a stack or a
    logger name goes to structlog's renderer itself, its traceback as Python prints one: the
    default (rich's, with every frame's local variables) took minutes and gigabytes on the
    event loop for a deep recursion, stalling every request meanwhile."""

    def __init__(self) -> None:
        self._full = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )

    def __call__(self, logger: Any, name: str, event: dict[str, Any]) -> str:
        if not _PLAIN_KEYS.isdisjoint(event):
            return self._full(logger, name, event)
        parts = []
        if (timestamp := event.pop("timestamp", _ABSENT)) is not _ABSENT:
            parts.append(str(timestamp))
        if (level := event.pop("level", _ABSENT)) is not _ABSENT:
            parts.append(f"[{level:<9}]")
        if (message := event.pop("event", _ABSENT)) is not _ABSENT:
            parts.append(f"{message!s:<30}")
        parts.extend(f"{key}={_console_value(event[key])}" for key in sorted(event))
        return " ".join(part for part in parts if part).rstrip(" ")


# fields ConsoleRenderer lays out specially: their lines are left to it
_PLAIN_KEYS = frozenset({"", "stack", "exception", "exc_info", "logger", "logger_name"})


def _console_value(value: Any) -> str:
    # as ConsoleRenderer: a string bare unless spaces, quotes or "=" would make it ambiguous
    if isinstance(value, str) and _QUOTED.isdisjoint(value):
        return value
    return repr(value)


def setup_logging(settings: Settings) -> None:
    """structlog for the process: JSON lines in production (or ``NT24_LOG_FORMAT=json``)."""
    fmt = settings.log_format.strip().lower() or (
        "json" if settings.environment == "production" else "console"
    )
    structlog.configure(
        processors=log_processors(fmt == "json"),
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=LineWriter.factory(sys.stderr),
        cache_logger_on_first_use=True,
    )


class LineWriter:
    """structlog's ``WriteLogger``, except that on an event loop the lines of one loop turn go
    out in one write when the turn ends: the API writes a line per request, and a write call of
    its own cost each request about 8 µs of CPU under load. Lines logged outside a running loop
    (activity threads, start-up, shutdown) are written at once, after any still waiting, and
    whatever is left at exit is written then."""

    def __init__(self, file: TextIO) -> None:
        self._file = file
        self._waiting: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop a flush waits on
        self._lock = threading.Lock()
        atexit.register(self.flush)

    @classmethod
    def factory(cls, file: TextIO) -> Callable[..., LineWriter]:
        writer = cls(file)  # one per process: every logger shares its queue and its order
        return lambda *_: writer

    def msg(self, message: str) -> None:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._waiting.append(message)
            if loop is not None and loop is self._flush_on:
                return  # this turn's flush is scheduled already
            self._flush_on = loop
        if loop is None:
            self.flush()
        else:
            loop.call_soon(self.flush)

    log = debug = info = warn = warning = err = error = critical = fatal = exception = msg

    def flush(self) -> None:
        with self._lock:
            lines, self._waiting, self._flush_on = self._waiting, [], None
            if lines:
                self._file.write("\n".join(lines) + "\n")
                self._file.flush()
