"""The authenticated NT24 principals, cached for their token's lifetime.

Verifying an access token and loading its client, organization and partners costs a JWT check
and database reads on every request; their answer only changes when an administrator changes an
API client (disabled, secret rotated), an organization (capabilities, DPA, tier) or a partner.
So a verified token's principal is kept until the token expires (at most ``auth_cache_ttl``),
and every such change drops all of them:

- in the database: a change committed through the ORM to an ``ApiClient``, ``Organization`` or
  ``Partner``, by any process (this one, another API process, the worker, ``nt24-admin``),
  raises the one row of ``auth_generation`` in its own transaction (store/models.py). Each
  API process reads that row at most once every ``POLL_SECONDS`` (a request that finds the
  last read older reads it again; one SELECT a second, not one a request), so a change
  committed anywhere drops this process's principals within ``POLL_SECONDS`` of its commit;
- in this process, the same change bumps a generation counter at its commit (SQLAlchemy
  session events: the web app's admin pages and the tests write that way): at once;
- with Redis as the rate-limit storage (several API processes), that bump is also an ``INCR``
  of a shared key that every process reads with each request, so a change made through one API
  process stops its tokens in all of them at once.

A cached entry also remembers the partners (``{sellerId}``) the principal was checked against.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from api.shared.counters import REDIS_TIMEOUT_SECONDS, redis_options
from store.models import AUTH_CHANGED

if TYPE_CHECKING:
    from api.nt24.identity.principal import Principal

MAX_ENTRIES = 10_000
GENERATION_KEY = "nt24:auth-generation"
POLL_SECONDS = 1.0  # how old the database's auth generation a request goes by may be

_local_generation = 0
_shared_urls: set[str] = set()  # Redis URLs whose shared generation a change bumps


Generation = tuple[int, int, int]  # this process's, Redis's, the database's


@dataclass
class Entry:
    principal: Principal
    expires_at: float  # the token's exp, or sooner
    generation: Generation
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

    def __init__(
        self,
        redis_url: str | None,
        ttl_seconds: float,
        stored: Callable[[], Awaitable[int]] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        """``stored`` reads the database's auth generation (None: not watched, in unit
        tests)."""
        self.ttl = ttl_seconds
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self._redis: redis.asyncio.Redis | None = None
        if redis_url:
            share_through(redis_url)
            self._redis = redis.asyncio.Redis.from_url(redis_url, **redis_options())
        self._stored = stored
        self._poll = poll_seconds
        self._stored_value = 0
        self._stored_until = 0.0  # monotonic: when the value read last must be read again
        self._stored_lock = asyncio.Lock()

    async def generation(self) -> Generation:
        shared = 0
        if self._redis is not None:
            try:
                shared = int(await self._redis.get(GENERATION_KEY) or 0)
            except RedisError:
                # a change made while Redis is away cannot bump the shared generation: every
                # token is verified again once it is back (meanwhile its requests answer 503)
                self.entries.clear()
                raise
        stored = self._stored_value
        if self._stored is not None and time.monotonic() >= self._stored_until:
            stored = await self._read_stored()
        return _local_generation, shared, stored

    async def _read_stored(self) -> int:
        """The database's auth generation, read again: by one request at a time, the others
        waiting for its answer. It is good for ``poll_seconds`` from when its read began, so a
        change committed before that is seen by every request after that much time."""
        assert self._stored is not None
        async with self._stored_lock:
            if time.monotonic() < self._stored_until:
                return self._stored_value  # read by the request this one waited for
            began = time.monotonic()
            try:
                value = await self._stored()
            except Exception:
                # not known whether anything changed: nothing cached is used until it is read
                self.entries.clear()
                raise
            self._stored_value, self._stored_until = value, began + self._poll
            return value

    async def get(self, token: str) -> tuple[Entry | None, Generation]:
        """The token's live entry, if any, and the current generation (to store a new one)."""
        if self.ttl <= 0:
            return None, (0, 0, 0)
        generation = await self.generation()
        entry = self.entries.get(token)
        if entry is None:
            return None, generation
        if entry.generation != generation or time.time() >= entry.expires_at:
            self.entries.pop(token, None)
            return None, generation
        return entry, generation

    def put(
        self, token: str, principal: Principal, expires: float, generation: Generation
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


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # set by the change's flush (store/models.py), which also raised the database's generation
    if session.info.pop(AUTH_CHANGED, False):
        bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _transaction: Any) -> None:
    session.info.pop(AUTH_CHANGED, None)
