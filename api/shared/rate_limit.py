"""Rate limits of the NT24 API (contract section 4), counted outside the database.

Every organization has one budget per category (all its API clients share it): ``read`` (any
GET), ``write`` (POST, PATCH, PUT, DELETE) and ``webhook`` (anything under ``/v1/webhooks``),
sized by its tier (settings ``rate_limits_*``).

Two sliding windows count each request (the ``limits`` library's sliding-window counter:
the count of the current clock-aligned window plus the previous window's, weighted by the share
of it the last span still covers):

- the last minute: at most the tier's limit, a hard ceiling (no clock minute ever holds more,
  and the previous minute's count weighs in, so a client cannot send twice the limit across the
  minute's edge);
- the last burst span (10 s): at most ``burst_factor`` (2) times its share of the minute,
  rounded up: 60 writes a minute allow 20 in any 10 s span, so a client may run at twice its
  steady rate for 10 s but can neither exceed the minute's limit nor spend the whole minute in
  one second.

Each window is two counters whatever the traffic, so a request costs the same at 3 requests a
minute as at 90,000 (a moving window keeps every request of the last minute in a list, and its
cost grew with it: the README's performance figures).

A refused request uses no budget: both windows are checked before either is counted (two
requests racing for the last slot may still cost the loser one). Every answer to an
authenticated NT24 request carries ``X-RateLimit-Limit`` (the minute's limit),
``X-RateLimit-Remaining`` (what may still be sent before a 429, the lower of both windows),
``X-RateLimit-Reset`` (Unix seconds when that binding window next frees a request) and
``X-RateLimit-Category``; a 429 ``rate-limited`` adds ``Retry-After``. Unauthenticated requests
pass untouched: their endpoint answers 401 and there is no organization to count against.

The windows live where ``rate_limit_storage`` says: in the API process's memory (one API
process, the embedded default) or in Redis, which every API process then shares. A request
never writes to the database for them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond, WindowStats
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.nt24.identity.auth import Principal, authenticate
from api.shared.counters import COUNTERS_UNAVAILABLE, shared_storage
from api.shared.deps import app_settings
from api.shared.errors import Problem, problem_response, unhandled_error_answer
from api.shared.metrics import RATE_LIMIT_REFUSALS
from settings import RateLimits, Settings

Authenticator = Callable[[Request], Awaitable[Principal]]

NT24_PREFIXES = ("/v1/me", "/v1/partners", "/v1/webhooks", "/v1/events")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MINUTE = 60


def is_nt24_path(path: str) -> bool:
    """The NT24 Integration API; the NOTYD ``/v1/api/...`` paths keep their own conventions."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in NT24_PREFIXES)


async def nt24_caller(request: Request, authenticate: Authenticator) -> Principal | None:
    """The authenticated caller, or None: the request then goes on untouched to its endpoint,
    which answers the 401 (or 403) itself."""
    try:
        return await authenticate(request)
    except Problem:
        return None


def category_of(method: str, path: str) -> str:
    if path == "/v1/webhooks" or path.startswith("/v1/webhooks/"):
        return "webhook"
    return "read" if method in READ_METHODS else "write"


def limits_of(settings: Settings, tier: str) -> RateLimits:
    """The tier's limits; an unknown tier gets STANDARD's."""
    return {
        "HIGH_VOLUME": settings.rate_limits_high_volume,
        "ENTERPRISE": settings.rate_limits_enterprise,
    }.get(tier, settings.rate_limits_standard)


@dataclass(frozen=True)
class Window:
    """A window of ``seconds`` allowing ``limit`` requests."""

    seconds: int
    limit: int

    def describe(self, category: str) -> str:
        span = "minute" if self.seconds == MINUTE else f"{self.seconds} seconds (burst)"
        return f"{self.limit} requests per {span} for {category} category exceeded."


@lru_cache(maxsize=64)  # a few tiers and categories, asked on every request
def windows_for(per_minute: int, burst_factor: float, burst_seconds: int) -> tuple[Window, Window]:
    """The minute window and the burst window; the burst never allows more than the minute."""
    # rounded before ceil so that float noise (20.000000001) does not grant one more request
    share = math.ceil(round(per_minute * burst_factor * burst_seconds / MINUTE, 6))
    return Window(MINUTE, per_minute), Window(burst_seconds, max(1, min(share, per_minute)))


@dataclass(frozen=True)
class Verdict:
    """What one request was told: its headers, and whether it may proceed."""

    category: str
    limit: int
    remaining: int
    reset: int
    now: int
    exceeded: Window | None

    @property
    def allowed(self) -> bool:
        return self.exceeded is None

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - self.now)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Category": self.category,
        }

    def problem(self) -> Problem:
        assert self.exceeded is not None
        headers = self.headers() | {"Retry-After": str(self.retry_after)}
        return Problem("rate-limited", self.exceeded.describe(self.category), headers=headers)


class Limiter:
    """Sliding windows per organization and category, in memory or in Redis."""

    def __init__(self, storage_url: str) -> None:
        self.storage = shared_storage(storage_url, "nt24-rate")
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def hit(
        self, organization_id: int, category: str, windows: tuple[Window, Window], now: float
    ) -> Verdict:
        """Count one request in both windows, shared by every process using this storage, and
        judge it."""
        ids = (str(organization_id), category)
        minute, burst = _items(windows)
        stats, count = self.strategy.get_window_stats, self.strategy.hit
        before = [await stats(minute, *ids), await stats(burst, *ids)]
        if before[0].remaining >= 1 and before[1].remaining >= 1:
            if await count(minute, *ids) and await count(burst, *ids):
                return allowed_verdict(category, windows, before, now)
            before = [await stats(minute, *ids), await stats(burst, *ids)]
        return refused_verdict(category, windows, before, now)

    async def clear(self) -> None:
        await self.storage.reset()


@lru_cache(maxsize=64)
def _items(windows: tuple[Window, Window]) -> tuple[RateLimitItem, RateLimitItem]:
    # one per pair of window sizes, not one per request: the tiers' windows are few
    minute, burst = windows
    return (
        RateLimitItemPerSecond(minute.limit, minute.seconds),
        RateLimitItemPerSecond(burst.limit, burst.seconds),
    )


def allowed_verdict(
    category: str, windows: tuple[Window, Window], before: list[WindowStats], now: float
) -> Verdict:
    """The verdict for a request both windows counted, from what they held just before."""
    left = []
    for window, stats in zip(windows, before, strict=True):
        # an empty window's reset is now + its length; else when it next frees a request
        reset = now + window.seconds if stats.remaining == window.limit else stats.reset_time
        left.append((stats.remaining - 1, math.ceil(reset)))
    remaining, reset = min(left, key=lambda pair: pair[0])  # a tie names the minute
    return Verdict(category, windows[0].limit, remaining, reset, int(now), None)


def refused_verdict(
    category: str, windows: tuple[Window, Window], stats: list[WindowStats], now: float
) -> Verdict:
    """The verdict for a request refused by a full window, from what the windows hold."""
    full = [(w, math.ceil(s.reset_time)) for w, s in zip(windows, stats, strict=True)]
    over = [(w, reset) for (w, reset), s in zip(full, stats, strict=True) if s.remaining < 1]
    # the window that frees last is the one that keeps refusing
    exceeded, reset = max(over or full, key=lambda pair: pair[1])
    # whole seconds on both sides: Retry-After never exceeds the window's length
    return Verdict(category, windows[0].limit, 0, reset, math.ceil(now), exceeded)


def limiter_of(request: Request) -> Limiter:
    """The API process's limiter (made on first use, on its settings' storage)."""
    state = request.app.state
    limiter = getattr(state, "rate_limiter", None)
    if limiter is None:
        limiter = state.rate_limiter = Limiter(app_settings(request).rate_limit_storage)
    return limiter


class RateLimitMiddleware:
    """Counts every authenticated NT24 request and stamps the rate-limit headers on its answer.

    Installed outside the idempotency middleware, so replays and idempotency errors are counted
    and carry the headers too.
    """

    def __init__(self, app: ASGIApp, authenticate: Authenticator = authenticate) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_nt24_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            verdict = await self.verdict(request)
        except COUNTERS_UNAVAILABLE as exc:  # raised outside the app's handlers: answered here
            await (await unhandled_error_answer(request, exc))(scope, receive, send)
            return
        if verdict is None:
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            RATE_LIMIT_REFUSALS.labels(verdict.category).inc()
            await problem_response(request, verdict.problem())(scope, receive, send)
            return
        await _with_headers(self.app, request, verdict.headers(), send)

    async def verdict(self, request: Request) -> Verdict | None:
        """The request counted against its organization's budget for its category; None when
        it is not authenticated (its endpoint answers the 401 or 403 itself)."""
        caller = await nt24_caller(request, self.authenticate)
        if caller is None:
            return None
        settings = app_settings(request)
        category = category_of(request.scope["method"], request.scope["path"])
        windows = windows_for(
            getattr(limits_of(settings, caller.rate_limit_tier), category),
            settings.rate_limit_burst_factor,
            settings.rate_limit_burst_seconds,
        )
        return await limiter_of(request).hit(caller.organization_id, category, windows, time.time())


async def _with_headers(
    app: ASGIApp, request: Request, headers: dict[str, str], send: Send
) -> None:
    started = False

    async def stamped(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
            MutableHeaders(scope=message).update(headers)
        await send(message)

    try:
        await app(request.scope, request.receive, stamped)
    except Exception as exc:
        if started:
            raise
        # An unexpected error would be answered by Starlette's outermost handler, past these
        # headers; answering it here with the same handler keeps them on the 500 too.
        answer = await unhandled_error_answer(request, exc)
        await answer(request.scope, request.receive, stamped)
