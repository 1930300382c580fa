"""Rate limits of the NT24 API (contract section 4), counted outside the database.

Every organization has one budget per category (all its API clients share it): ``read`` (any
GET), ``write`` (POST, PATCH, PUT, DELETE) and ``webhook`` (anything under ``/v1/webhooks``),
sized by its tier (settings ``rate_limits_*``).

Each category is counted in a fixed, clock-aligned minute, as the contract has it ("window is
a fixed 1-minute window; burst = up to 2x the per-minute limit over a 10-second span"): a clock
minute (12:34:00 to 12:35:00) allows the tier's whole limit, however fast it is sent, and the
next minute starts afresh. So a client never gets more than the limit in one clock minute, and
at most twice the limit across a minute's edge in a short span: that is the burst, there is no
cap of its own.

It is the fixed-window counter of the ``limits`` library (``FixedWindowRateLimiter``: one
``incr`` of a counter that expires, allowed while the count is within the limit), with the
clock minute's number in the counter's key: the library's own strategy starts a window at its
key's first hit, not on the minute, and answers only yes or no, where the headers need the
count. So an allowed request costs one counter increment whatever the traffic, in memory or one
Redis round trip.

A refused request uses no budget: its count is taken back (a second increment, on a refusal
only), so a minute's counter holds what it allowed (``Limiter.used``), also for a tier raised
within the minute. Every answer to an authenticated NT24 request carries ``X-RateLimit-Limit``
(the minute's limit), ``X-RateLimit-Remaining`` (what may still be sent in this clock minute),
``X-RateLimit-Reset`` (the Unix second this minute ends) and ``X-RateLimit-Category``; a 429
``rate-limited`` adds ``Retry-After``, the whole seconds until that end (at least 1).
Unauthenticated requests pass untouched: their endpoint answers 401 and there is no
organization to count against.

The counters live where ``rate_limit_storage`` says: in the API process's memory (one API
process, the embedded default) or in Redis, which every API process then shares (each process
names the minute by its own clock: keep the API hosts' clocks synchronised). A request never
writes to the database for them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
Clock = Callable[[], float]

NT24_PREFIXES = ("/v1/me", "/v1/partners", "/v1/webhooks", "/v1/events")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MINUTE = 60
# How long a minute's counter is kept after its first count: past its minute's end, so that a
# process whose clock lags a little behind the one that started it still finds it in Redis
COUNTER_SECONDS = 2 * MINUTE


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
class Verdict:
    """What one request was told: its headers, and whether it may proceed."""

    category: str
    limit: int
    remaining: int
    reset: int
    now: float
    allowed: bool

    @property
    def retry_after(self) -> int:
        """Whole seconds until the minute ends, rounded up: a request sent after them is in
        the next minute."""
        return max(1, math.ceil(self.reset - self.now))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Category": self.category,
        }

    def problem(self) -> Problem:
        assert not self.allowed
        headers = self.headers() | {"Retry-After": str(self.retry_after)}
        detail = f"{self.limit} requests per minute for {self.category} category exceeded."
        return Problem("rate-limited", detail, headers=headers)


def verdict_of(category: str, limit: int, count: int, now: float) -> Verdict:
    """The verdict for the ``count``-th request of the clock minute holding ``now``."""
    reset = (int(now // MINUTE) + 1) * MINUTE
    return Verdict(category, limit, max(0, limit - count), reset, now, count <= limit)


class Limiter:
    """A fixed, clock-aligned minute per organization and category, in memory or in Redis."""

    def __init__(self, storage_url: str) -> None:
        self.storage = shared_storage(storage_url, "nt24-rate")

    async def hit(self, organization_id: int, category: str, limit: int, now: float) -> Verdict:
        """Count one request in the clock minute holding ``now``, shared by every process using
        this storage, and judge it."""
        key = _key(organization_id, category, now)
        count = await self.storage.incr(key, COUNTER_SECONDS)
        if count > limit:  # refused: the count is taken back, the refusal uses no budget
            await self.storage.incr(key, COUNTER_SECONDS, amount=-1)
        return verdict_of(category, limit, count, now)

    async def used(self, organization_id: int, category: str, now: float) -> int:
        """How many requests the clock minute holding ``now`` has allowed."""
        return await self.storage.get(_key(organization_id, category, now))

    async def clear(self) -> None:
        await self.storage.reset()


def _key(organization_id: int, category: str, now: float) -> str:
    # the clock minute's number: its counter is a key of its own, started on the minute
    return f"{organization_id}/{category}/{int(now // MINUTE)}"


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

    def __init__(
        self, app: ASGIApp, authenticate: Authenticator = authenticate, clock: Clock = time.time
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.clock = clock

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
        limit: int = getattr(limits_of(settings, caller.rate_limit_tier), category)
        return await limiter_of(request).hit(caller.organization_id, category, limit, self.clock())


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
