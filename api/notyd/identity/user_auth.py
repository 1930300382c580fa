"""Who is calling: NOTYD user JWTs (HS256, ``exp`` always set), issued and verified here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from api.shared.bearer import BearerDependency
from api.shared.deps import app_settings, database
from api.shared.errors import Problem
from settings import Settings
from store.db import Database
from store.identity.queries import user_by_uuid
from store.identity.tenancy import Tenant
from store.models import User

_bearer = HTTPBearer(auto_error=False, description="A NOTYD access token from /v1/api/token/")

ISSUER = "nt24-users"
ACCESS, REFRESH = "access", "refresh"


def issue(user: User, kind: str, settings: Settings, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    ttl = settings.access_token_ttl if kind == ACCESS else settings.refresh_token_ttl
    claims = {
        "iss": ISSUER,
        "sub": str(user.uuid),
        "token_type": kind,
        "gen": user.token_generation,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid4().hex,
    }
    return jwt.encode(claims, settings.effective_jwt_secret, algorithm="HS256")


def unauthorized(detail: str) -> Problem:
    return Problem("unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


async def user_from_token(db: Database, token: str, kind: str, settings: Settings) -> User:
    """The active user a token of ``kind`` names, or 401 for anything expired, tampered or stale."""
    try:
        claims = jwt.decode(
            token,
            settings.effective_jwt_secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("The token is invalid.") from exc
    if claims.get("token_type") != kind:
        raise unauthorized(f"A {kind} token is required.")
    user = await user_by_uuid(db, _uuid(claims["sub"]))
    if user is None or not user.is_active or user.token_generation != claims.get("gen"):
        raise unauthorized("The token is no longer valid.")
    return user


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise unauthorized("The token is invalid.") from exc


class UserAccess(BearerDependency):
    """A dependency that authenticates the NOTYD user, standing for ``_bearer`` in the
    document."""

    def __init__(self) -> None:
        super().__init__(_bearer)


async def organization_user(request: Request) -> User:
    """The active user of the request's access token, acting for an organization (staff use
    the web app, not the NOTYD API); or 401, or 403."""
    credentials = await _bearer(request)
    if credentials is None:
        raise unauthorized("A Bearer access token is required.")
    user = await user_from_token(
        database(request), credentials.credentials, ACCESS, app_settings(request)
    )
    if user.organization_id is None:
        raise Problem("forbidden", "This endpoint is for organization users.")
    return user


class _OrganizationUser(UserAccess):
    async def __call__(self, request: Request) -> User:
        return await organization_user(request)


OrganizationUser = Annotated[User, Depends(_OrganizationUser())]


@dataclass(frozen=True)
class SellerScope:
    """What a NOTYD user sees: its own seller's (partner's) orders, invoices and users, or,
    for a user without a seller, every seller's of its organization."""

    user: User
    tenant: Tenant
    partner_id: int | None  # None: every seller of the organization


class _SellerAccess(UserAccess):
    async def __call__(self, request: Request) -> SellerScope:
        user = await organization_user(request)
        assert user.organization_id is not None
        return SellerScope(user, Tenant(user.organization_id), user.partner_id)


Scope = Annotated[SellerScope, Depends(_SellerAccess())]
