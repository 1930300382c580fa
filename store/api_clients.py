"""API clients of organizations: create, rotate and check their OAuth2 client secrets.

Secrets are 64 random URL-safe characters shown once; only their SHA-256 is stored (a slow KDF
protects guessable passwords, not 384-bit random strings, and the token endpoint stays fast).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from store.identity import slugify
from store.models import ApiClient, Organization, utcnow


def new_secret() -> str:
    return secrets.token_urlsafe(48)  # 64 characters


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_client(
    session: AsyncSession, organization: Organization, name: str
) -> tuple[ApiClient, str]:
    """A new client ``api-client-{slug}`` and its secret, which is never shown again."""
    secret = new_secret()
    client = ApiClient(
        organization_id=organization.id,
        client_id=f"api-client-{slugify(name)}",
        name=name,
        secret_sha256=_digest(secret),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def rotate_secret(
    session: AsyncSession, client: ApiClient, grace: timedelta, now: datetime | None = None
) -> str:
    """A new secret; the current one keeps working for ``grace`` beside it."""
    now = now or utcnow()
    secret = new_secret()
    client.previous_secret_sha256 = client.secret_sha256
    client.previous_secret_expires_at = now + grace
    client.secret_sha256 = _digest(secret)
    client.rotated_at = now
    return secret


def secret_matches(client: ApiClient, secret: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    digest = _digest(secret)
    if hmac.compare_digest(digest, client.secret_sha256):
        return True
    return bool(
        client.previous_secret_sha256
        and client.previous_secret_expires_at
        and client.previous_secret_expires_at > now
        and hmac.compare_digest(digest, client.previous_secret_sha256)
    )


async def find_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    """The active client with its organization loaded."""
    return await session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.organization))
        .where(ApiClient.client_id == client_id, ApiClient.is_active)
    )
