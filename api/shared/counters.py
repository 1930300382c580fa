"""Where the rate limits and the login throttle keep their counters (``limits`` storages)."""

from __future__ import annotations

from typing import Any

from limits.aio.storage import Storage
from limits.storage import storage_from_string


def shared_storage(url: str, key_prefix: str) -> Storage:
    """The counters' store ``NT24_RATE_LIMIT_STORAGE`` names: the process's memory, or Redis
    (shared by every process) with each user's keys under ``key_prefix``."""
    options: dict[str, Any] = {}
    if url.startswith(("redis://", "rediss://", "redis+unix://")):
        options = {"implementation": "redispy", "key_prefix": key_prefix}
    elif not url.startswith("memory://"):
        raise ValueError(f"NT24_RATE_LIMIT_STORAGE must be memory:// or redis://...: {url}")
    storage = storage_from_string("async+" + url, **options)
    assert isinstance(storage, Storage)  # an async+ scheme makes an asyncio storage
    return storage
