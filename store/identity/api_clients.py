"""API clients of organizations: create, rotate, disable, enable, delete; check their secrets.

Secrets are 64 random URL-safe characters shown once; only their argon2 hash is stored, as for
user passwords (a stolen database gives nothing to replay, and an offline guess costs what a
password's does). A ``sha256$`` digest written before migration 0016 is still verified and
replaced by an argon2 hash at its next successful use.

A disabled or deleted client gets no token, and its tokens issued before the change stop
working within a second in every API process: ``tokens_not_before`` is set, and every change to
a client raises the database's auth generation, which drops the cached principals
(api/nt24/identity/principal_cache.py). A deleted client keeps its row (``deleted_at``) so that
its client id is never given to another client.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from store.identity.identity import hash_password, password_hash_outdated, slugify, verify_password
from store.models import ApiClient, Organization, utcnow

LEGACY_PREFIX = "sha256$"  # the digests of before migration 0016
# Verifying against this keeps an unknown client id as slow as a wrong secret.
_DUMMY_HASH = hash_password("not-a-real-client-secret")
CLIENT_ID_PREFIX = "api-client-"
# a long name's slug is cut so that the client id fits its column
_CLIENT_SLUG_LENGTH = ApiClient.client_id.type.length - len(CLIENT_ID_PREFIX)


def new_secret() -> str:
    return secrets.token_urlsafe(48)  # 64 characters


def hash_secret(secret: str) -> str:
    return hash_password(secret)


def _matches(stored: str, secret: str) -> bool:
    if stored.startswith(LEGACY_PREFIX):
        digest = hashlib.sha256(secret.encode()).hexdigest()
        return hmac.compare_digest(stored.removeprefix(LEGACY_PREFIX), digest)
    return verify_password(stored, secret)


def _outdated(stored: str) -> bool:
    return stored.startswith(LEGACY_PREFIX) or password_hash_outdated(stored)


async def create_api_client(
    session: AsyncSession, organization: Organization, name: str
) -> tuple[ApiClient, str]:
    """A new client ``api-client-{slug}`` and its secret, which is never shown again."""
    secret = new_secret()
    client = ApiClient(
        organization_id=organization.id,
        client_id=CLIENT_ID_PREFIX + slugify(name, _CLIENT_SLUG_LENGTH),
        name=name,
        secret_hash=hash_secret(secret),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def rotate_secret(
    session: AsyncSession, client: ApiClient, grace: timedelta, now: datetime | None = None
) -> str:
    """A new secret; the current one keeps working for ``grace`` beside it (none: at once
    only the new one works)."""
    now = now or utcnow()
    secret = new_secret()
    if grace > timedelta(0):
        client.previous_secret_hash = client.secret_hash
        client.previous_secret_expires_at = now + grace
    else:
        client.previous_secret_hash = None
        client.previous_secret_expires_at = None
    client.secret_hash = hash_secret(secret)
    client.rotated_at = now
    return secret


def end_grace(client: ApiClient) -> None:
    """The previous secret stops working now."""
    client.previous_secret_hash = None
    client.previous_secret_expires_at = None


def disable(client: ApiClient, now: datetime | None = None) -> None:
    """No more tokens, and the ones issued so far stop working at once."""
    client.is_active = False
    client.tokens_not_before = now or utcnow()


def enable(client: ApiClient) -> None:
    """Tokens again; those issued before it was disabled stay refused."""
    client.is_active = True


def delete(client: ApiClient, now: datetime | None = None) -> None:
    """Gone for good: no token, no secret, and its client id never given again."""
    now = now or utcnow()
    disable(client, now)
    client.deleted_at = now
    client.secret_hash = hash_secret(new_secret())  # no secret anyone knows
    end_grace(client)


def secret_matches(client: ApiClient | None, secret: str, now: datetime | None = None) -> bool:
    """Whether ``secret`` is the client's (or its previous one within the grace period).
    A matched hash of an outdated scheme is replaced on ``client``: the caller commits it.
    Slow on purpose (argon2): call it off the event loop."""
    if client is None:
        verify_password(_DUMMY_HASH, secret)
        return False
    now = now or utcnow()
    if _matches(client.secret_hash, secret):
        if _outdated(client.secret_hash):
            client.secret_hash = hash_secret(secret)
        return True
    previous, until = client.previous_secret_hash, client.previous_secret_expires_at
    if previous and until and until > now and _matches(previous, secret):
        if _outdated(previous):
            client.previous_secret_hash = hash_secret(secret)
        return True
    return False


async def find_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    """The active client with its organization loaded."""
    return await session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.organization))
        .where(
            ApiClient.client_id == client_id, ApiClient.is_active, ApiClient.deleted_at.is_(None)
        )
    )


async def find_any_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    """The client, disabled or not (not a deleted one), with its organization loaded."""
    return await session.scalar(
        select(ApiClient)
        .options(joinedload(ApiClient.organization))
        .where(ApiClient.client_id == client_id, ApiClient.deleted_at.is_(None))
    )
