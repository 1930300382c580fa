"""The error bodies of the NOTYD API as /openapi.json declares them.

Errors are the platform's problem+json (``api.shared.errors``); on ``/v1/api/`` they also carry
``details`` (= ``detail``, which CORE clients read), and validation errors name each field in
``errors[]``. ``problem(status, description)`` is one entry of a route's ``responses=``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from api.shared.errors import PROBLEM_JSON


class FieldErrorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    message: str
    rejectedValue: Any = None  # the contract's name


class NotydProblem(BaseModel):
    """RFC 9457 problem details plus ``details``; ``errors`` on validation errors only."""

    model_config = ConfigDict(
        extra="allow"
    )  # a problem may add members (api.shared.errors.Problem)

    type: str
    title: str
    status: int
    detail: str
    details: str
    instance: str
    code: str
    traceId: str  # the contract's name
    errors: list[FieldErrorOut] | None = None


def _inlined(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its ``$defs`` resolved in place, to stand on its own."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


PROBLEM_SCHEMA = _inlined(NotydProblem)


def problem(
    status: int, description: str, headers: dict[str, Any] | None = None
) -> dict[int | str, dict[str, Any]]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    }
    if headers:
        answer["headers"] = headers
    return {status: answer}


_RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer"},
    "required": True,
}
# What a command (an Update of the order's workflow) may answer besides its own refusals
COMMAND_NOT_NOW = problem(
    429,
    "rate-limited: too many commands are in flight for this order; retry after Retry-After, "
    "or at X-Rate-Limit-Reset",
    headers={
        "Retry-After": _RETRY_AFTER,
        "X-Rate-Limit-Reset": {
            "description": "When to retry, as an HTTP date (the moment Retry-After names)",
            "schema": {"type": "string"},
            "required": True,
        },
    },
) | problem(
    503,
    "service-unavailable: the order's workflow did not answer in time, or is away; `detail` "
    "says whether the command may still be applied and what a retry does",
    headers={"Retry-After": _RETRY_AFTER},
)


UNAUTHORIZED = problem(401, "No valid access token")
AUTHENTICATED = UNAUTHORIZED | problem(403, "The user acts for no organization or seller")
INVALID_PARAMETERS = problem(422, "A parameter is invalid; `errors` names it")
