"""Where the rate limits and the login throttle keep their counters (``limits`` storages)."""

from __future__ import annotations

import time
from typing import Any

from limits.aio.storage import MemoryStorage, Storage
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

# How often the process's counters are swept for expired keys at most
SWEEP_SECONDS = 1.0
# How long Redis may take to accept a connection, and then each answer: a request whose Redis
# went silent answers 503 within two of these (one retry), where redis-py's defaults (5 s,
# retried three times with backoff) would hold it for over 20 s
REDIS_TIMEOUT_SECONDS = 2.0
# What the counters raise when their Redis could not be reached, did not answer in time or
# refused to count (restarting, read-only after a failover, out of memory): a request that
# meets one answers 503 and may be retried (api/shared/errors.py). Memory counters never fail.
COUNTERS_UNAVAILABLE = (RedisError, StorageError)


class SweptMemoryStorage(MemoryStorage):
    """``limits``' memory storage, its expired keys swept at most once every
    ``SWEEP_SECONDS``. The library sweeps every key of the storage after each count: with the
    rate limits of every organization and the login throttle's keys of every address in one
    process, each request paid for all of them (the rate limiter's share of a request was
    32 µs with one organization, 172 µs with 1,000 and 811 µs with 5,000), and a stream of
    sign-in attempts under new names and addresses would have made every request slower. A
    counter still expires on time: the storage checks a key's expiry whenever it reads it; the
    sweep only frees the memory of keys nobody asks for any more."""

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self._next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # the library's (private) hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


# ``limits`` wraps a storage's methods in its error mapping again for every subclass: this
# class would wrap MemoryStorage's wrapped methods once more, and every counter read and
# count of a request would pay the wrappers twice. It inherits them as MemoryStorage has them.
for _name, _method in list(vars(SweptMemoryStorage).items()):
    if hasattr(_method, "__wrapped__"):  # a wrapper the library added; this class's have none
        delattr(SweptMemoryStorage, _name)


def shared_storage(url: str, key_prefix: str) -> Storage:
    """The counters' store ``NT24_RATE_LIMIT_STORAGE`` names: the process's memory, or Redis
    (shared by every process) with each user's keys under ``key_prefix``."""
    if url.startswith("memory://"):
        return SweptMemoryStorage(url)
    if shared_redis_url(url) is None:
        raise ValueError(f"NT24_RATE_LIMIT_STORAGE must be memory:// or redis://...: {url}")
    options = {"implementation": "redispy", "key_prefix": key_prefix, **redis_options()}
    storage = storage_from_string("async+" + url, **options)
    assert isinstance(storage, Storage)  # an async+ scheme makes an asyncio storage
    return storage


def shared_redis_url(url: str) -> str | None:
    """redis-py's URL of the Redis that ``NT24_RATE_LIMIT_STORAGE`` names, for what is shared
    beside the counters (api/nt24/identity/principal_cache.py): ``redis+unix://`` is limits'
    name of redis-py's ``unix://``. None for the process's memory."""
    if url.startswith("redis+unix://"):
        return "unix://" + url.removeprefix("redis+unix://")
    return url if url.startswith(("redis://", "rediss://")) else None


def redis_options() -> dict[str, Any]:
    """The options of an asyncio Redis client on a request's path: the timeouts above, and a
    single retry at once, on a fresh connection (a pooled one Redis dropped on a restart)."""
    return {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "retry": Retry(NoBackoff(), 1),
    }
