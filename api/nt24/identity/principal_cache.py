"""The authenticated NT24 principals, cached for their token's lifetime.

Verifying an access token and loading its client, organization and partners costs a JWT check
and database reads on every request; their answer only changes when an administrator changes an
API client (disabled, secret rotated), an organization (capabilities, DPA, tier) or a partner.
So a verified token's principal is kept until the token expires (at most ``auth_cache_ttl``),
and every such change drops all of them at once:

- in this process, a change committed through the ORM to an ``ApiClient``, ``Organization`` or
  ``Partner`` bumps a generation counter (SQLAlchemy session events: the web app's admin pages,
  ``nt24-admin`` and the tests all write that way);
- with Redis as the rate-limit storage (several API processes), the bump is also an ``INCR``
  of a shared key that every process reads with each request, so a client disabled through
  one process (or ``nt24-admin``) stops working in all of them at once.

A cached entry also remembers the partners (``{sellerId}``) the principal was checked against.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any
from uuid import UUID

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.shared.counters import REDIS_TIMEOUT_SECONDS, redis_options
from store.models import ApiClient, Organization, Partner

if TYPE_CHECKING:
    from api.nt24.identity.principal import Principal

MAX_ENTRIES = 10_000
GENERATION_KEY = "nt24:auth-generation"
_WATCHED = (ApiClient, Organization, Partner)

_local_generation = 0
_shared_urls: set[str] = set()  # Redis URLs whose shared generation a change bumps


@dataclass
class Entry:
    principal: Principal
    expires_at: float  # the token's exp, or sooner
    generation: tuple[int, int]
    partners: dict[UUID, Any] = field(default_factory=dict)  # Partner, or None (not the org's)


def local_generation() -> int:
    return _local_generation


def bump() -> None:
    """Drop every cached principal: in this process, and in all of them through Redis."""
    global _local_generation
    _local_generation += 1
    for url in list(_shared_urls):
        try:
            with redis.Redis.from_url(
                url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                # it runs where the change committed (an API's event loop): one try only
                retry=Retry(NoBackoff(), 0),
            ) as shared:
                shared.incr(GENERATION_KEY)
        except Exception:  # noqa: BLE001 - Redis unreachable: the other processes' TTL applies
            pass


def share_through(url: str) -> None:
    """Bump the shared generation in this Redis too (a process using Redis for rate limits)."""
    _shared_urls.add(url)


class PrincipalCache:
    """Tokens to their principal, for one API process (``app.state.principals``)."""

    def __init__(self, redis_url: str | None, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self._redis: redis.asyncio.Redis | None = None
        if redis_url:
            share_through(redis_url)
            self._redis = redis.asyncio.Redis.from_url(redis_url, **redis_options())

    async def generation(self) -> tuple[int, int]:
        shared = 0
        if self._redis is not None:
            try:
                shared = int(await self._redis.get(GENERATION_KEY) or 0)
            except RedisError:
                # a change made while Redis is away cannot bump the shared generation: every
                # token is verified again once it is back (meanwhile its requests answer 503)
                self.entries.clear()
                raise
        return _local_generation, shared

    async def get(self, token: str) -> tuple[Entry | None, tuple[int, int]]:
        """The token's live entry, if any, and the current generation (to store a new one)."""
        if self.ttl <= 0:
            return None, (0, 0)
        generation = await self.generation()
        entry = self.entries.get(token)
        if entry is None:
            return None, generation
        if entry.generation != generation or time.time() >= entry.expires_at:
            self.entries.pop(token, None)
            return None, generation
        return entry, generation

    def put(
        self, token: str, principal: Principal, expires: float, generation: tuple[int, int]
    ) -> Entry:
        entry = Entry(principal, min(expires, time.time() + self.ttl), generation)
        if self.ttl > 0:
            self.entries[token] = entry
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return entry

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    objects = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(obj, _WATCHED) for obj in objects):
        session.info["nt24_principals_changed"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("nt24_principals_changed", False):
        bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _transaction: Any) -> None:
    session.info.pop("nt24_principals_changed", None)
