"""NOTYD v1 user tokens: ``POST /v1/api/token/`` and ``POST /v1/api/refresh/``.

Access tokens live 2 hours and refresh tokens 24 hours, as the contract says. Both are HS256
JWTs with ``exp`` (NOTYD clients decode the payload and refresh shortly before it).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from api.notyd.errors import problem
from api.notyd.identity.user_auth import ACCESS, REFRESH, issue, unauthorized, user_from_token
from api.shared.deps import AppSettings, Db
from api.shared.errors import (
    FieldError,
    Problem,
    is_json_media_type,
    malformed_json,
    retry_after,
    validation_problem,
)
from api.shared.login_throttle import Attempt, Key, LoginThrottle, address_of, login_throttle
from store.identity.identity import authenticate

router = APIRouter(prefix="/v1/api", tags=["NOTYD: JWT tokens"])


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


class TokenPair(BaseModel):
    access: str
    refresh: str


class RefreshRequest(BaseModel):
    refresh: str = Field(min_length=1)


class AccessToken(BaseModel):
    access: str


async def _body(request: Request, model: type[BaseModel]) -> Any:
    """JSON or form-encoded: the official NOTYD snippets use both."""
    content_type = request.headers.get("content-type", "")
    form = content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
    if content_type and not form and not is_json_media_type(content_type):
        raise Problem(
            "unsupported-media-type",
            "The request body must be JSON (application/json) or a form "
            f"(application/x-www-form-urlencoded); it was sent as {content_type}.",
        )
    try:
        if form:
            data: Any = dict(await request.form())
        else:
            # no body lacks every field, as every other endpoint's missing body does
            data = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise malformed_json(exc) from exc
    if not isinstance(data, dict):
        raise Problem("malformed-request", "The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(
            [
                FieldError(".".join(map(str, e["loc"])), e["msg"], None)
                for e in exc.errors(include_url=False)
            ]
        ) from exc


async def _not_waiting(throttle: LoginThrottle, keys: list[Key]) -> Attempt:
    """The attempt, counted; 429 while these keys wait after too many failures
    (api/shared/login_throttle.py)."""
    attempt = await throttle.begin(keys)
    if attempt.wait is not None:
        raise Problem(
            "rate-limited",
            f"Too many failed attempts: try again in {attempt.wait} seconds.",
            headers=retry_after(attempt.wait),
        )
    return attempt


_THROTTLED = problem(
    429,
    "Too many failed attempts for this account or from this address; see Retry-After, "
    "or X-Rate-Limit-Reset for the same moment as an HTTP date",
)

_TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": TokenRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()},
        },
    }
}
_REFRESH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": RefreshRequest.model_json_schema()}},
    }
}


@router.post(
    "/token/",
    response_model=TokenPair,
    summary="Create token",
    openapi_extra=_TOKEN_BODY,
    responses=problem(400, "The body is neither JSON nor a form")
    | problem(401, "Wrong username or password")
    | problem(415, "The body is sent as another media type than JSON or a form")
    | problem(422, "A field is missing or invalid; `errors` names it")
    | _THROTTLED,
)
async def create_token(
    request: Request,
    db: Db,
    settings: AppSettings,
) -> TokenPair:
    body: TokenRequest = await _body(request, TokenRequest)
    throttle = login_throttle(request)
    attempt = await _not_waiting(
        throttle, throttle.keys("user", body.username, address_of(request))
    )
    async with db.transaction() as session:
        user = await authenticate(session, body.username, body.password)
    if user is None:
        raise unauthorized("No active account found with the given credentials.")
    await throttle.succeeded(attempt)
    return TokenPair(access=issue(user, ACCESS, settings), refresh=issue(user, REFRESH, settings))


@router.post(
    "/refresh/",
    response_model=AccessToken,
    summary="Refresh token",
    openapi_extra=_REFRESH_BODY,
    responses=problem(400, "The body is neither JSON nor a form")
    | problem(401, "Refresh token expired, tampered or revoked")
    | problem(415, "The body is sent as another media type than JSON or a form")
    | problem(422, "A field is missing or invalid; `errors` names it")
    | _THROTTLED,
)
async def refresh_token(
    request: Request,
    db: Db,
    settings: AppSettings,
) -> AccessToken:
    body: RefreshRequest = await _body(request, RefreshRequest)
    throttle = login_throttle(request)
    attempt = await _not_waiting(throttle, throttle.keys("refresh", None, address_of(request)))
    user = await user_from_token(db, body.refresh, REFRESH, settings)
    await throttle.succeeded(attempt)
    return AccessToken(access=issue(user, ACCESS, settings))
