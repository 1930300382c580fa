"""Guessing credentials is slowed down, never a lockout of the real owner.

Every sign-in endpoint (the OAuth2 token endpoint, NOTYD's ``/v1/api/token/`` and
``/v1/api/refresh/``, the web app's login) counts its failures under up to three keys:

- the pair (account, address): the account is the client id or username, the address the
  caller's (an IPv6 address counts by its /64, what one machine usually holds);
- the address alone, whatever account it tries (password spraying);
- the account alone, from every address together, with a much higher threshold (a botnet
  guessing one account); the web app's login has no such key: it never refuses an account
  as such.

From a key's threshold on every further failure doubles that key's wait, from
``login_throttle_first_delay`` up to ``login_throttle_max_delay``; while a key waits, a request
under it is refused with 429 and ``Retry-After`` before its credentials are looked at, so a
right guess during the wait tells nothing. An attempt counts as a failure from its start (a
success takes it back), so many attempts sent at once cannot all slip through. Failures are
forgotten ``login_throttle_window`` after the first one; a success clears its pair. So the real
owner, from another address, is not slowed by an attacker's failures until the account's own
(higher) threshold.

The counters live where the API rate limits do (``rate_limit_storage``: the process's memory
or a shared Redis), never in the database.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass, field

from starlette.requests import Request

from api.shared.counters import shared_storage
from api.shared.deps import app_settings
from settings import Settings


def address_of(request: Request) -> str:
    """The caller's address as the key counts it (behind a proxy: what uvicorn's
    ``--forwarded-allow-ips`` lets it take from ``X-Forwarded-For``)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Key:
    name: str
    threshold: int


@dataclass
class Attempt:
    """One sign-in attempt: refused for ``wait`` seconds, or counted under ``counted``."""

    keys: list[Key]
    wait: int | None = None
    counted: list[Key] = field(default_factory=list)
    held: list[Key] = field(default_factory=list)  # keys whose wait this attempt started


class LoginThrottle:
    """The failure counters and waits of one API process (shared through Redis if set)."""

    def __init__(self, settings: Settings) -> None:
        self.storage = shared_storage(settings.rate_limit_storage, "nt24-login")
        self.settings = settings

    def keys(self, kind: str, account: str | None, address: str) -> list[Key]:
        s = self.settings
        keys = [Key(f"address:{address}", s.login_throttle_address_failures)]
        if account is not None:
            account = account.strip().lower()[:200]
            keys.append(Key(f"pair:{kind}:{account}:{address}", s.login_throttle_pair_failures))
            if kind != "web":
                keys.append(Key(f"account:{kind}:{account}", s.login_throttle_account_failures))
        return keys

    async def wait(self, keys: list[Key]) -> int | None:
        """Whole seconds until a request under these keys is looked at again; None: now."""
        now, longest = time.time(), 0.0
        for key in keys:
            if await self.storage.get(f"block:{key.name}"):
                longest = max(longest, await self.storage.get_expiry(f"block:{key.name}") - now)
        return max(1, math.ceil(longest)) if longest > 0 else None

    async def begin(self, keys: list[Key]) -> Attempt:
        """Count this attempt as a failure before its credentials are looked at, so that
        attempts sent at the same moment cannot all pass before the first one has failed; an
        attempt that would start a key's wait holds that wait itself, and one finding it held
        already is refused. ``succeeded`` takes the count back."""
        attempt = Attempt(keys)
        attempt.wait = await self.wait(keys)
        if attempt.wait is not None:
            return attempt
        s = self.settings
        first, most = s.login_throttle_first_delay.total_seconds(), s.login_throttle_max_delay
        window = math.ceil(s.login_throttle_window.total_seconds())
        for key in keys:
            count = await self.storage.incr(f"fail:{key.name}", window)
            attempt.counted.append(key)
            if count >= key.threshold:
                exponent = min(count - key.threshold, 32)
                delay = math.ceil(min(first * 2**exponent, most.total_seconds()))
                if await self.storage.incr(f"block:{key.name}", delay) > 1:
                    # another attempt holds this key's wait: this one is not looked at
                    await self._take_back(attempt)
                    attempt.wait = await self.wait(keys) or 1
                    return attempt
                attempt.held.append(key)
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        """The credentials were right: a success clears its pair and is no failure."""
        for key in attempt.counted:
            if key.name.startswith("pair:"):
                await self.storage.clear(f"fail:{key.name}")
                await self.storage.clear(f"block:{key.name}")
        await self._take_back(attempt)

    async def _take_back(self, attempt: Attempt) -> None:
        window = math.ceil(self.settings.login_throttle_window.total_seconds())
        for key in attempt.held:
            await self.storage.clear(f"block:{key.name}")
        for key in attempt.counted:
            if not key.name.startswith("pair:") or attempt.wait is not None:
                await self.storage.incr(f"fail:{key.name}", window, amount=-1)
        attempt.held.clear()
        attempt.counted.clear()

    async def clear(self) -> None:
        await self.storage.reset()


def login_throttle(request: Request) -> LoginThrottle:
    """The API process's throttle (made on first use, on its settings' storage)."""
    state = request.app.state
    throttle = getattr(state, "login_throttle", None)
    if throttle is None:
        throttle = state.login_throttle = LoginThrottle(app_settings(request))
    return throttle
