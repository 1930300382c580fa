"""Rate limits of the NT24 API (contract section 4), counted in the database.

Every organization has one budget per category (all its API clients share it): ``read`` (any
GET), ``write`` (POST, PATCH, PUT, DELETE) and ``webhook`` (anything under ``/v1/webhooks``),
sized by its tier (settings ``rate_limits_*``).

Two fixed windows aligned to the Unix clock count each request:

- the minute: at most the tier's limit, a hard ceiling;
- the burst span (10 s): at most ``burst_factor`` (2) times its share of the minute, rounded up:
  60 writes a minute allow 20 in any 10 s span, so a client may run at twice its steady rate
  for 10 s but can neither exceed the minute's limit nor spend the whole minute in one second.

A refused request uses no budget (its increments are rolled back). Every answer to an
authenticated NT24 request carries ``X-RateLimit-Limit`` (the minute's limit),
``X-RateLimit-Remaining`` (what may still be sent before a 429, the lower of both windows),
``X-RateLimit-Reset`` (Unix seconds when that binding window ends) and
``X-RateLimit-Category``; a 429 ``rate-limited`` adds ``Retry-After``. Unauthenticated requests
pass untouched: their endpoint answers 401 and there is no organization to count against.

Counters are rows upserted atomically (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on
PostgreSQL and SQLite), so every API process shares them.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import database
from api.errors import Problem, problem_response
from api.nt24_auth import Principal, authenticate
from settings import RateLimits, Settings
from store.db import Database
from store.models import RateLimitCounter

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
    """A fixed window of ``seconds`` aligned to the Unix clock, allowing ``limit`` requests."""

    seconds: int
    limit: int

    def start(self, now: int) -> int:
        return now - now % self.seconds

    def reset(self, now: int) -> int:
        return self.start(now) + self.seconds

    def describe(self, category: str) -> str:
        span = "minute" if self.seconds == MINUTE else f"{self.seconds} seconds (burst)"
        return f"{self.limit} requests per {span} for {category} category exceeded."


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


def judge(
    category: str, windows: tuple[Window, Window], counts: tuple[int, int], now: int
) -> Verdict:
    """The verdict for a request that made the windows' counts ``counts`` (itself included)."""
    minute = windows[0]
    over = [w for w, count in zip(windows, counts, strict=True) if count > w.limit]
    if over:
        # the window that ends last is the one that keeps refusing
        exceeded = max(over, key=lambda w: w.reset(now))
        return Verdict(category, minute.limit, 0, exceeded.reset(now), now, exceeded)
    left = [(w.limit - count, w) for w, count in zip(windows, counts, strict=True)]
    remaining, binding = min(left, key=lambda pair: pair[0])  # a tie names the minute
    return Verdict(category, minute.limit, remaining, binding.reset(now), now, None)


def _counter_name(category: str, window: Window) -> str:
    # the minute's row is named by the category, the burst span's by category and length
    return category if window.seconds == MINUTE else f"{category}/{window.seconds}s"


async def hit(
    db: Database,
    organization_id: int,
    category: str,
    windows: tuple[Window, Window],
    now: int,
) -> Verdict:
    """Count one request in both windows, atomically across processes, and judge it."""
    names = [_counter_name(category, w) for w in windows]
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    upsert = insert(RateLimitCounter).values(
        [
            {
                "organization_id": organization_id,
                "category": name,
                "window_start": w.start(now),
                "count": 1,
            }
            for name, w in zip(names, windows, strict=True)
        ]
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["organization_id", "category", "window_start"],
        set_={"count": RateLimitCounter.count + 1},
    ).returning(RateLimitCounter.category, RateLimitCounter.count)
    async with db.session() as session:
        counted = dict((await session.execute(upsert)).all())
        verdict = judge(category, windows, (counted[names[0]], counted[names[1]]), now)
        if not verdict.allowed:
            await session.rollback()  # a refused request uses no budget
            return verdict
        if counted[names[0]] == 1:
            # The first request of a new minute (only one request sees 1) clears this
            # category's older windows: no other request touches those rows, so no lock waits.
            await session.execute(
                delete(RateLimitCounter).where(
                    RateLimitCounter.organization_id == organization_id,
                    RateLimitCounter.category.in_(names),
                    RateLimitCounter.window_start < windows[0].start(now),
                )
            )
        await session.commit()
    return verdict


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
        caller = await nt24_caller(request, self.authenticate)
        if caller is None:
            await self.app(scope, receive, send)
            return
        settings: Settings = request.app.state.settings
        category = category_of(scope["method"], scope["path"])
        windows = windows_for(
            getattr(limits_of(settings, caller.rate_limit_tier), category),
            settings.rate_limit_burst_factor,
            settings.rate_limit_burst_seconds,
        )
        verdict = await hit(
            database(request), caller.organization_id, category, windows, int(time.time())
        )
        if not verdict.allowed:
            await problem_response(request, verdict.problem())(scope, receive, send)
            return
        await _with_headers(self.app, request, verdict.headers(), send)


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
        answer = await _unexpected_error(request, exc)
        await answer(request.scope, request.receive, stamped)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    handler = request.app.exception_handlers[Exception]
    answer = handler(request, exc)
    return await answer if inspect.isawaitable(answer) else answer
