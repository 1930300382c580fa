"""Every failure an operation can answer, declared in /openapi.json with its problem+json body.

Routes declare what is particular to them (``responses=``: a 409 with ``currentResource``, a
404 of one resource). What every operation of a family shares is declared here, once, from the
conventions the middleware and dependencies enforce on all of them:

- every 4xx (and a 503) of the API families is ``application/problem+json``: the NOTYD body
  (with ``details``) under ``/v1/api/``, the NT24 ``Problem`` elsewhere; FastAPI's own 422
  (``HTTPValidationError``, ``application/json``) is not what the app answers and is replaced;
- a body that cannot be parsed is a 400 ``malformed-request`` on every operation taking one,
  a body larger than its limit a 413 ``payload-too-large`` (api/shared/input_limits.py);
- an NT24 operation behind a token answers 401 ``unauthorized`` without a valid one, 403
  (``forbidden`` for a seller not authorized, ``capability-required``, ``dpa-not-accepted``:
  every call but ``GET /v1/me``) and 429 ``rate-limited`` with ``Retry-After``;
- an id in its path that names nothing of the caller's is a 404 ``not-found``;
- an NT24 write without its ``Idempotency-Key`` is a 400, with a key already used for another
  request a 422 ``idempotency-key-reused``; a PATCH with an unreadable ``If-Match`` a 400 and a
  stale one a 409 ``version-mismatch``.
- every operation answers 503 ``service-unavailable`` with ``Retry-After`` while a dependency
  is away: the database or the rate-limit store on any of them (api/shared/errors.py
  ``dependency_away``), Temporal or its worker on a command (api/shared/temporal_calls.py).

And the headers of its successful answers (conventions 2.4 and 4): an NT24 operation behind a
token answers with the ``X-RateLimit-*`` headers of its category (api/shared/rate_limit.py);
a GET that takes ``If-None-Match`` and a PATCH that takes ``If-Match`` answer the resource's
``ETag`` (a 304 too); every answer of the API families carries ``X-Request-Id``
(api/shared/edge.py).

The OAuth2 token endpoint (RFC 6749 errors), the health probes and the provider callbacks
keep what their routes declare.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from api.notyd.errors import PROBLEM_SCHEMA as NOTYD_PROBLEM_SCHEMA
from api.notyd.errors import FieldErrorOut
from api.shared.errors import PROBLEM_JSON
from api.shared.rate_limit import is_nt24_path

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
NOT_PROBLEMS = ("/healthz", "/readyz", "/realms/")  # their own bodies (health, RFC 6749)
PAGES = ("/pay/",)  # a person's browser: failures are pages (api/notyd/payments/page.py)
WRITES = frozenset({"post", "put", "patch", "delete"})
RETRY_AFTER = {"description": "Seconds to wait", "schema": {"type": "integer"}, "required": True}


class Problem(BaseModel):
    """RFC 9457 problem details in the NT24 contract's shape (section 3.1)."""

    model_config = ConfigDict(extra="allow")  # a problem may add members

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    traceId: str  # the contract's name
    errors: list[FieldErrorOut] | None = None
    currentResource: dict[str, Any] | None = None


def _schema(path: str) -> dict[str, Any]:
    return NOTYD_PROBLEM_SCHEMA if path.startswith("/v1/api/") else PROBLEM_REF


def _content(path: str) -> dict[str, Any]:
    if path.startswith(PAGES):
        return {"text/html": {"schema": {"type": "string"}}}
    return {PROBLEM_JSON: {"schema": _schema(path)}}


def _add(responses: dict[str, Any], status: int, description: str, **more: Any) -> None:
    responses.setdefault(str(status), {"description": description} | more)


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "schema": schema, "required": True}


REQUEST_ID = _header("The request's X-Request-Id, or the trace id without one", {"type": "string"})
ETAG = _header('The resource\'s version as a quoted integer, e.g. `"5"`', {"type": "string"})
RATE_LIMIT = {
    "X-RateLimit-Limit": _header("The category's limit for this minute", {"type": "integer"}),
    "X-RateLimit-Remaining": _header(
        "What may still be sent in this clock minute", {"type": "integer"}
    ),
    "X-RateLimit-Reset": _header("The Unix second this minute ends", {"type": "integer"}),
    "X-RateLimit-Category": _header(
        "The budget counted", {"type": "string", "enum": ["read", "write", "webhook"]}
    ),
}


def _header_names(operation: dict[str, Any]) -> set[str]:
    """The request headers the operation declares, lower-cased."""
    return {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}


def _answer_headers(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> None:
    """The headers every successful answer of the operation carries: the ETag with every
    versioned resource (one whose shape requires its ``version``), written or read
    (``api/shared/versioning.py``), and with a 304."""
    headers = _header_names(operation)
    versioned = (method == "get" and "if-none-match" in headers) or (
        method == "patch" and "if-match" in headers
    )
    limited = "security" in operation and is_nt24_path(path)
    for code, response in operation.get("responses", {}).items():
        if not (code.startswith("2") or code == "304"):
            continue
        declared = response.setdefault("headers", {})
        declared.setdefault("X-Request-Id", REQUEST_ID)
        if (versioned and code in ("200", "304")) or _a_versioned_resource(response, schemas):
            declared.setdefault("ETag", ETAG)
        if limited:
            for name, header in RATE_LIMIT.items():
                declared.setdefault(name, header)


def _a_versioned_resource(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    shape = schemas.get(str(ref).rsplit("/", 1)[-1], {}) if ref else {}
    return "version" in shape.get("required", ())


def _common(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The operation's responses with those of its family's conventions added."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters = operation.get("parameters", [])
    headers = _header_names(operation)
    ids = [p["name"] for p in parameters if p.get("in") == "path" and p["name"] != "sellerId"]
    # any text sent may hold a NUL character (api/shared/input_limits.py), a query parameter too
    _add(responses, 422, "validation-error: a parameter or field is invalid; `errors` names it")
    if "requestBody" in operation:
        _add(responses, 400, "malformed-request: the body cannot be parsed")
        _add(responses, 413, "payload-too-large: the body is larger than its limit")
    if ids:
        _add(responses, 404, f"not-found: no such {' or '.join(ids)} of the caller's")
    if "security" in operation:
        _add(responses, 401, "unauthorized: no valid access token")
        if is_nt24_path(path):
            if path != "/v1/me":
                _add(
                    responses,
                    403,
                    "forbidden (a seller not authorized), capability-required or dpa-not-accepted",
                )
            _add(
                responses,
                429,
                "rate-limited: the organization's budget for the category is spent",
                headers={"Retry-After": RETRY_AFTER},
            )
    keyed = is_nt24_path(path) and method in WRITES and "idempotency-key" in headers
    if keyed:
        _add(responses, 400, "malformed-request: Idempotency-Key is missing or too long")
        _add(responses, 422, "idempotency-key-reused: the key was sent with another request")
    # a page is a person's browser: what it is told to do is on the page
    wait = {} if path.startswith(PAGES) else {"headers": {"Retry-After": RETRY_AFTER}}
    _add(
        responses,
        503,
        "service-unavailable: a dependency (the database, the workflow service or its worker) "
        "is away. Retry after Retry-After"
        + (
            " with the same Idempotency-Key (a command already admitted is not applied twice)"
            if keyed
            else ""
        ),
        **wait,
    )
    if "if-match" in headers:
        _add(responses, 400, "malformed-request: If-Match is not a version")
        _add(responses, 409, "version-mismatch, with currentResource")
    return responses


def _problem_bodies(path: str, responses: dict[str, Any]) -> None:
    """Every failure answers problem+json in the family's shape."""
    for code, response in responses.items():
        if not (code.startswith("4") or code == "503"):
            continue
        content = response.get("content", {})
        if not content or "HTTPValidationError" in str(content):
            response["content"] = _content(path)


def declare_problems(app: FastAPI) -> None:
    """Wraps ``app.openapi`` (after every other declaration) to add the shared failures."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for path, item in schema.get("paths", {}).items():
            if path.startswith(NOT_PROBLEMS):
                continue
            for method, operation in item.items():
                _problem_bodies(path, _common(path, method, operation))
                _answer_headers(path, method, operation, components)
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        if "HTTPValidationError" not in str(schema["paths"]):
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
