"""RFC 9457 problem details on every 4xx and 5xx, in the NT24 contract's shape.

Both API families answer with the same body: ``type`` (the contract's problem URI), ``title``,
``status``, ``detail``, ``instance`` (the request path), ``code`` (the stable machine slug),
``traceId`` (``req_`` and the request's trace id) and, for validation errors, ``errors[]`` of
``{field, message, rejectedValue}``. Nothing internal ever reaches a client.
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import Message as MimeHeader
from email.utils import format_datetime
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.shared.counters import COUNTERS_UNAVAILABLE
from api.shared.deps import app_settings
from api.shared.route_dispatch import methods_serving
from store.db import unreachable
from telemetry import current_trace_id

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

# The contract's catalogue (slug -> status, title). New slugs may be added; these never change.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "malformed-request": (400, "Malformed Request"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "capability-required": (403, "Capability Required"),
    "dpa-not-accepted": (403, "DPA Not Accepted"),
    "not-found": (404, "Not Found"),
    "method-not-allowed": (405, "Method Not Allowed"),
    "version-mismatch": (409, "Version Mismatch"),
    "resource-exists-different-body": (409, "Resource Exists Different Body"),
    "milestone-already-set": (409, "Milestone Already Set"),
    "conflict": (409, "Conflict"),
    "payload-too-large": (413, "Payload Too Large"),
    "unsupported-media-type": (415, "Unsupported Media Type"),
    "validation-error": (422, "Validation Error"),
    "idempotency-key-reused": (422, "Idempotency Key Reused"),
    "rate-limited": (429, "Rate Limit Exceeded"),
    "internal-error": (500, "Internal Error"),
    "service-unavailable": (503, "Service Unavailable"),
}

_STATUS_SLUGS = {
    400: "malformed-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    503: "service-unavailable",
}


class FieldError(dict[str, Any]):
    """One entry of ``errors[]``: which field, what is wrong, and the value that was sent (cut
    short by ``rejected``: an answer, and the copy Idempotency-Key keeps of it, stays small
    whatever was sent). A null is left out, as an answer's null fields are (conventions 2.6)."""

    def __init__(self, field: str, message: str, rejected_value: Any = None) -> None:
        super().__init__(field=field, message=message)
        if (value := rejected(rejected_value)) is not None:
            self["rejectedValue"] = value


class Problem(Exception):
    """Raise anywhere to answer with a problem body. ``extra`` members are added to the body."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        default_status, self.title = PROBLEM_TYPES.get(slug, (status or 400, slug))
        self.slug = slug
        self.status = status or default_status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BodyProblem(StarletteHTTPException):
    """A ``Problem`` raised by the ``receive`` of a middleware that checks a body as it
    arrives. An ``HTTPException``, so that an endpoint reading the body lets it through
    (FastAPI turns any other error of a body's reading into a 400) and answers ``problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.status, problem.detail)
        self.problem = problem


def validation_problem(errors: list[FieldError]) -> Problem:
    detail = "; ".join(f"Field '{e['field']}' {e['message']}" for e in errors)
    return Problem("validation-error", detail, errors=errors)


def malformed_json(error: ValueError) -> Problem:
    """400 ``malformed-request`` for a body that cannot be parsed as JSON: no field can be
    named. The detail is Django REST framework's, which NOTYD clients already know."""
    return Problem("malformed-request", f"JSON parse error - {error}")


_trace_ids = RandomIdGenerator()


def new_trace_id() -> str:
    """``req_`` and the 32 hex digits of the request's trace (docs/operations.md): the id to
    search in the trace backend and in the logs. Without tracing, a trace id made as
    OpenTelemetry makes one: an id, not a secret, so no system entropy per request (reading it
    cost each request more than the rest of its trace id)."""
    return f"req_{current_trace_id() or format(_trace_ids.generate_trace_id(), '032x')}"


def trace_id(request: Request) -> str:
    """The request's trace id, given by the edge middleware (api/shared/edge.py) when the
    request came in."""
    existing = getattr(request.state, "trace_id", None)
    if existing is None:
        existing = request.state.trace_id = new_trace_id()
    return existing


ProblemPage = Callable[[Request, Problem], Response]


def answer_problems_as_pages(app: FastAPI, prefix: str, page: ProblemPage) -> None:
    """Paths under ``prefix`` are pages a person opens in a browser: a problem answered there
    outside the area's own routes (an unknown path, a body too large, a NUL in the query, an
    unexpected error) is ``page``, in words, rather than problem+json."""
    app.state.problem_pages = (*getattr(app.state, "problem_pages", ()), (prefix, page))


def _problem_page(request: Request) -> ProblemPage | None:
    app, path = request.scope.get("app"), request.scope["path"]
    for prefix, page in getattr(getattr(app, "state", None), "problem_pages", ()):
        if path == prefix or path.startswith(f"{prefix}/"):
            return page
    return None


def problem_response(request: Request, problem: Problem) -> Response:
    if (page := _problem_page(request)) is not None:
        return page(request, problem)
    body: dict[str, Any] = {
        "type": f"{app_settings(request).problem_base_uri}{problem.slug}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
        "code": problem.slug,
        "traceId": trace_id(request),
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    if request.url.path.startswith("/v1/api/"):
        body["details"] = problem.detail  # NOTYD's CORE clients read `details`, MAG `detail`
    body.update(problem.extra)
    return JSONResponse(
        json_safe(body),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


REJECTED_TEXT_LIMIT = 200  # characters of a rejected text
REJECTED_ITEMS_LIMIT = 20  # items of a rejected list, members of a rejected object
REJECTED_DEPTH_LIMIT = 3  # lists and objects nested in a rejected value
CUT = "..."  # ends what was cut: a text, a list's items, an object's members
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(value: str) -> str:
    """Lone surrogates replaced (they cannot be encoded), cut to a readable length."""
    cut = len(value) > REJECTED_TEXT_LIMIT
    cleaned = _SURROGATE.sub("\ufffd", value[:REJECTED_TEXT_LIMIT] if cut else value)
    return cleaned + CUT if cut else cleaned


def rejected(value: Any, depth: int = 0) -> Any:
    """A rejected value as ``errors[]`` shows it: JSON-safe (``json_safe``), a text cut to
    ``REJECTED_TEXT_LIMIT`` characters and a list or object to ``REJECTED_ITEMS_LIMIT`` entries,
    each followed by ``CUT`` (a cut object's last member is ``"...": "..."``); lists and objects
    nested deeper than ``REJECTED_DEPTH_LIMIT`` are ``CUT``. A short value is sent as it was."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        if depth >= REJECTED_DEPTH_LIMIT:
            return CUT
        shown = {
            safe_text(str(key)): rejected(item, depth + 1)
            for key, item in itertools.islice(value.items(), REJECTED_ITEMS_LIMIT)
        }
        if len(value) > REJECTED_ITEMS_LIMIT:
            shown[CUT] = CUT
        return shown
    if isinstance(value, list | tuple):
        if depth >= REJECTED_DEPTH_LIMIT:
            return CUT
        items = [rejected(item, depth + 1) for item in value[:REJECTED_ITEMS_LIMIT]]
        return items + [CUT] if len(value) > REJECTED_ITEMS_LIMIT else items
    return json_safe(value)


def json_safe(value: Any) -> Any:
    """``value`` as something a JSON answer can always carry: bytes decoded (with replacement)
    and cut short, strings freed of lone surrogates, NaN and Infinity as text, anything else
    that is not JSON as its text. A problem answer must never fail to be written."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value if _encodable(value) else safe_text(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return safe_text(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, dict):
        return {str(json_safe(str(k))): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return safe_text(str(value))


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or ".".join(str(p) for p in loc)


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json``, parameters aside."""
    if not content_type:
        return False
    header = MimeHeader()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def required_body_fields(request: Request) -> list[str]:
    """The fields the JSON body of the request's operation must have, as the body names them."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = body.field_info.annotation if body is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [
        field.alias or name for name, field in model.model_fields.items() if field.is_required()
    ]


# FastAPI's words for a form field sent as text where its operation takes an UploadFile
_NOT_A_FILE = "Expected UploadFile, received:"
NOT_A_FILE = "must be a file (a form part with a filename)"


def _request_validation(request: Request, exc: RequestValidationError) -> Response:
    content_type = request.headers.get("content-type")
    if not is_json_media_type(content_type) and any(
        isinstance(err.get("input"), bytes) and tuple(err.get("loc", ()))[:1] == ("body",)
        for err in exc.errors()
    ):
        # the endpoint takes JSON; the body came as something else (XML, a form, text), so
        # FastAPI handed its raw bytes to validation
        sent = f"; it was sent as {content_type}" if content_type else ""
        detail = f"The request body must be JSON (Content-Type: application/json){sent}."
        return problem_response(request, Problem("unsupported-media-type", detail))
    for err in exc.errors():
        if err.get("type") == "json_invalid":  # FastAPI's report of a json.JSONDecodeError
            document = exc.body if isinstance(exc.body, str) else ""
            error = json.JSONDecodeError(err["ctx"]["error"], document, err["loc"][-1])
            return problem_response(request, malformed_json(error))
    errors = []
    for err in exc.errors():
        message = err.get("msg", "is invalid")
        whole_body = err.get("type") == "missing" and tuple(err.get("loc", ())) == ("body",)
        # no body at all: each field the body needs is missing, not a field named "body"
        if whole_body and (required := required_body_fields(request)):
            errors += [FieldError(name, message) for name in required]
            continue
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        rejected = err.get("input")
        if message.startswith(_NOT_A_FILE):  # a text part where a file part belongs
            message, rejected = NOT_A_FILE, None
        if err.get("type") == "missing":
            rejected = None
        if isinstance(rejected, dict | list):
            rejected = None  # a whole object is no help to the caller; the field name is
        field = field_path(tuple(err.get("loc", ())))
        errors.append(FieldError(field, message, json_safe(rejected)))
    return problem_response(request, validation_problem(errors))


# What a client is told to wait before retrying while a dependency (Temporal, its worker, the
# database) is away
RETRY_AFTER_SECONDS = 5


def retry_after(seconds: int) -> dict[str, str]:
    """A 429's headers: ``Retry-After`` in seconds, and ``X-Rate-Limit-Reset``, the same moment
    as an HTTP date, which NOTYD's clients wait until (else 5 s: nested-shapes rule 30)."""
    reset = datetime.now(UTC) + timedelta(seconds=seconds)
    return {"Retry-After": str(seconds), "X-Rate-Limit-Reset": format_datetime(reset, usegmt=True)}


class Unavailable(Problem):
    """503 ``service-unavailable`` with ``Retry-After``: a dependency is away, retry later."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "service-unavailable",
            f"{detail} Retry in {RETRY_AFTER_SECONDS} seconds.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


def _http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    if isinstance(exc, BodyProblem):
        return problem_response(request, exc.problem)
    slug = _STATUS_SLUGS.get(exc.status_code, "internal-error")
    detail = exc.detail if isinstance(exc.detail, str) else PROBLEM_TYPES[slug][1]
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (
        methods := methods_serving(request.app.routes, request.scope["path"])
    ):
        headers["Allow"] = ", ".join(methods)  # every route's at this path, not the first's
    problem = Problem(slug, detail, status=exc.status_code, headers=headers)
    return problem_response(request, problem)


def route_of(scope: Any) -> str:
    """The template of the route a request matched, as logs and metrics name it: never its
    path, which may carry a credential (a self-service link's token, a payment page's order),
    and one name for every path no route serves."""
    return getattr(scope.get("route"), "path", None) or "<unmatched>"


def _unexpected(request: Request, exc: Exception) -> Response:
    if (away := dependency_away(request, exc)) is not None:
        return problem_response(request, away)
    log.exception("unhandled error", route=route_of(request.scope), trace_id=trace_id(request))
    return problem_response(
        request,
        Problem("internal-error", "An unexpected error occurred. Quote the traceId to support."),
    )


def dependency_away(request: Request, exc: BaseException) -> Unavailable | None:
    """The 503 for an error that says a dependency is away, logged as such: the database
    (store/db.py ``unreachable``) or the Redis of the shared rate limits, sign-in throttle and
    cached principals (api/shared/counters.py); None for any other error."""
    if unreachable(exc):
        dependency, detail = "database", "The database did not answer."
    elif isinstance(exc, COUNTERS_UNAVAILABLE):
        dependency, detail = "counters", "The rate-limit store did not answer."
    else:
        return None
    log.warning(
        f"{dependency} unreachable",
        route=route_of(request.scope),
        error=type(exc).__name__,
        trace_id=trace_id(request),
    )
    return Unavailable(detail)


async def unhandled_error_answer(request: Request, exc: Exception) -> Response:
    """The answer of the app's own handler for an error no other handler took (``_unexpected``
    in the app, a test app's own): for a middleware that answers it where its headers still
    reach the answer, instead of Starlette's outermost handler past them."""
    handler = request.app.exception_handlers[Exception]
    answer = handler(request, exc)
    return await answer if inspect.isawaitable(answer) else answer


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, lambda r, e: problem_response(r, e))
    for error in COUNTERS_UNAVAILABLE:  # raised in an endpoint: answered inside the middlewares
        app.add_exception_handler(error, _unexpected)
    app.add_exception_handler(RequestValidationError, _request_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
