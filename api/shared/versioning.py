"""Versioned resources (contract section 2.4): ``ETag: "<version>"``, If-Match, If-None-Match.

- Every answer with a versioned resource carries ``ETag: "5"``, the body's ``version``.
- PATCH needs ``If-Match`` (``"5"``, or ``5`` unquoted): missing or not an ETag is 400
  ``malformed-request``; another version than the current one is 409 ``version-mismatch`` with
  the full current resource as ``currentResource`` (the contract uses neither 412 nor 428).
  If-Match compares strongly (RFC 9110 13.1.1): a weak ETag (``W/"5"``) and another spelling
  of a version (``"05"``) match no version, so they are answered as a stale one (409).
- GET honours ``If-None-Match`` (a list, or ``*``), compared weakly: ``"5"`` and ``W/"5"``
  name version 5 (``"05"`` none); a match is 304 with the same ETag, no body. So does every
  other GET with an ETag (a document's bytes: ``"<sha256>"``), through ``unchanged``.

The check in ``require_version`` is made on the row the write then changes, inside the
write's transaction; a writer racing it must still change the row conditionally on its version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, overload

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.shared.errors import Problem, safe_text
from store.db import Database, PointRead

_ETAG = re.compile(r'(W/)?(?:"(\d+)"|(\d+))')
_MAX_VERSION = 2**63 - 1
# What a weak or non-canonical If-Match names: no version, so it never matches
NO_VERSION = -1


def etag(version: int) -> str:
    return f'"{version}"'


def _version(digits: str) -> int | None:
    """The version ``digits`` spell as its ETag does (``7``, never ``07``), or None."""
    if (digits.startswith("0") and digits != "0") or len(digits) > len(str(_MAX_VERSION)):
        return None  # int() would read "07" as 7, and take seconds over 100,000 digits
    value = int(digits)
    return value if value <= _MAX_VERSION else None


def _opaque(tag: str) -> str:
    """What an entity tag names, compared weakly: ``"5"``, ``W/"5"`` and a bare ``5`` all name
    ``5``; ``"05"`` names ``05``, so another spelling of a version names none."""
    tag = tag.strip().removeprefix("W/")
    return tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag


def none_match(header: str | None, tag: str) -> bool:
    """Whether an If-None-Match header (a list, or ``*``) names the ETag ``tag``: answer 304."""
    if header is None:
        return False
    return header.strip() == "*" or _opaque(tag) in {_opaque(t) for t in header.split(",")}


def unchanged(request: Request, tag: str) -> Response | None:
    """The 304 of a GET whose If-None-Match names ``tag``, its ETag the same; None otherwise."""
    if none_match(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers={"ETag": tag})
    return None


def _as_json(resource: BaseModel) -> dict[str, Any]:
    # the contract's responses omit null fields
    return resource.model_dump(mode="json", exclude_none=True)


def _if_match_version(value: str | None) -> int:
    if value is None:
        raise Problem(
            "malformed-request",
            'The If-Match header is required: send the ETag of the version you read, e.g. "5".',
        )
    match = _ETAG.fullmatch(value.strip())
    if match is None:
        raise Problem(
            "malformed-request", f'If-Match must be a version ETag such as "5": {safe_text(value)}'
        )
    version = _version(match[2] or match[3])
    # compared strongly (RFC 9110): a weak ETag, or another spelling of one, matches no version
    return NO_VERSION if match[1] or version is None else version


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='Required: the ETag of the version you read, e.g. "5". Missing: 400; '
            "another version than the current one, or a weak ETag (compared strongly): 409 "
            "version-mismatch.",
        ),
    ] = None,
) -> int:
    """Declares If-Match on a PATCH and refuses a missing or malformed one (400); the version.

    Declared optional to FastAPI so that a missing header is the contract's 400, not a 422.
    (``async``, as every dependency here: FastAPI runs a plain function in a worker thread.)
    """
    return _if_match_version(value)


async def optional_if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='Optional: the ETag of the version you read, e.g. "5"; another version '
            "than the current one, or a weak ETag (compared strongly), is a 409 "
            "version-mismatch. Without it the write applies to the current version.",
        ),
    ] = None,
) -> int | None:
    """Declares an optional If-Match (webhook endpoints: the contract requires it only on
    buyers, orders, invoices and payments); the version it names, or None. Malformed: 400."""
    return None if value is None else _if_match_version(value)


def expected_version(request: Request) -> int:
    """The version the request's If-Match names; 400 when it is missing or malformed. For
    writes whose version check happens elsewhere (an order's workflow)."""
    return _if_match_version(request.headers.get("if-match"))


_NOT_MODIFIED = "The ETag you hold: unchanged answers 304 Not Modified without a body."

# If-None-Match as a GET declares it (``openapi_extra=IF_NONE_MATCH``): only in the OpenAPI
# document, because ``versioned(..., request=request)`` reads the header itself and a
# dependency would cost every GET its solving (about 20 µs of a compliance GET's CPU).
IF_NONE_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": _NOT_MODIFIED,
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "title": "If-None-Match",
                "description": _NOT_MODIFIED,
            },
        }
    ]
}


def require_version(request: Request, current_version: int, current: BaseModel) -> None:
    """409 ``version-mismatch`` with ``current`` unless If-Match names ``current_version``."""
    check_version(expected_version(request), current_version, current)


def check_version(expected: int, current_version: int, current: BaseModel) -> None:
    """409 ``version-mismatch`` with ``current`` unless ``expected`` is ``current_version``
    (the version an If-Match header, or a web form, says its sender read)."""
    if expected != current_version:
        raise Problem(
            "version-mismatch",
            mismatch_detail(expected, current_version),
            currentResource=_as_json(current),
        )


def mismatch_detail(expected: int, current_version: int) -> str:
    if expected == NO_VERSION:
        return (
            "If-Match names no version: a weak ETag (W/) or another spelling of a version never "
            f'matches, as If-Match compares strongly; the current version is "{current_version}".'
        )
    return f"If-Match version {expected} does not match current version {current_version}."


# Without the request of a GET the answer is always the JSON body, never a 304.
@overload
def versioned_json(
    body: Mapping[str, Any], version: int, *, status_code: int = 200, request: None = None
) -> JSONResponse: ...
@overload
def versioned_json(
    body: Mapping[str, Any], version: int, *, status_code: int = 200, request: Request
) -> Response: ...
def versioned_json(
    body: Mapping[str, Any],
    version: int,
    *,
    status_code: int = 200,
    request: Request | None = None,
) -> Response:
    """``body`` (already JSON-ready) with its ETag; given the request of a GET, 304 when
    If-None-Match names this version."""
    tag = etag(version)
    if request is not None and (not_changed := unchanged(request, tag)) is not None:
        return not_changed
    return JSONResponse(body, status_code=status_code, headers={"ETag": tag})


@overload
def versioned(
    resource: BaseModel, version: int, *, status_code: int = 200, request: None = None
) -> JSONResponse: ...
@overload
def versioned(
    resource: BaseModel, version: int, *, status_code: int = 200, request: Request
) -> Response: ...
def versioned(
    resource: BaseModel,
    version: int,
    *,
    status_code: int = 200,
    request: Request | None = None,
) -> Response:
    """``versioned_json`` for a response model (null fields omitted)."""
    return versioned_json(_as_json(resource), version, status_code=status_code, request=request)


async def not_modified(
    request: Request, db: Database, version_query: Callable[[], PointRead]
) -> Response | None:
    """The 304 of a GET whose If-None-Match names the current version, read alone: one
    column (or one JSON field) of one row found by its unique uuid, in the caller's tenant,
    without loading the resource. None when there is no If-None-Match, no such row (the full
    read answers its 404) or another version (the full read answers 200). The query is built
    only when there is an If-None-Match to answer."""
    if request.headers.get("if-none-match") is None:
        return None
    row = await db.read(version_query())
    return None if row is None or row[0] is None else unchanged(request, etag(int(row[0])))
