"""The read path: rate limits counted outside the database (in memory, or in a Redis shared by
API processes), the authenticated principal cached until a change drops it, and a 304 that
reads one version column. Redis is the real one ``scripts/test`` starts (NT24_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import redis.asyncio
from limits.aio.storage import MemoryStorage
from limits.errors import StorageError
from sqlalchemy import event, select

from api.nt24.identity import principal_cache as auth_cache
from api.nt24.identity.auth import Principal
from api.nt24.identity.principal_cache import GENERATION_KEY, PrincipalCache
from api.shared.counters import (
    SWEEP_SECONDS,
    SweptMemoryStorage,
    shared_redis_url,
    shared_storage,
)
from api.shared.rate_limit import MINUTE, Limiter
from settings import RateLimits
from store.db import Database
from store.identity import api_clients
from store.identity.queries import auth_generation
from store.models import ApiClient
from tests.conftest import (
    Stack,
    client_token,
    free_port,
    make_api_tenant,
    serving,
    settings_for_tests,
)
from tests.test_buyers import buyer_body
from tests.test_conventions import (
    MINUTE_END,
    ManualClock,
    client,
    conventions_app,
    key,
    new_organization,
    seller,
)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("NT24_TEST_REDIS_URL")
    if not url:
        pytest.skip("NT24_TEST_REDIS_URL is not set: scripts/test starts a Redis")
    return url


# --- rate limits ------------------------------------------------------------------------


async def test_two_limiters_sharing_one_redis_count_together(redis_url: str):
    first, second = Limiter(redis_url), Limiter(redis_url)
    organization, now = int(uuid4().int % 10**9), MINUTE_END - 20.5
    verdicts = [
        await limiter.hit(organization, "write", 4, now)
        for limiter in (first, second, first, second, first, second)
    ]
    assert [v.allowed for v in verdicts] == [True, True, True, True, False, False]
    assert [v.remaining for v in verdicts] == [3, 2, 1, 0, 0, 0]
    assert {v.reset for v in verdicts} == {MINUTE_END}
    refused = verdicts[-1]
    assert refused.headers()["X-RateLimit-Limit"] == "4"
    assert refused.retry_after == 21
    assert refused.problem().detail == "4 requests per minute for write category exceeded."
    assert await second.used(organization, "write", now) == 4  # the refused ones took none
    # another organization and another category have budgets of their own
    assert (await first.hit(organization + 1, "write", 4, now)).remaining == 3
    assert (await second.hit(organization, "read", 4, now)).remaining == 3
    # the next clock minute starts afresh, in both
    assert (await second.hit(organization, "write", 4, MINUTE_END)).remaining == 3
    assert (await first.hit(organization, "write", 4, MINUTE_END + 59.9)).remaining == 2


async def test_memory_limiters_count_per_process():
    first, second = Limiter("memory://"), Limiter("memory://")
    now = MINUTE_END - 30
    assert [(await first.hit(1, "read", 2, now)).allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert (await second.hit(1, "read", 2, now)).remaining == 1


async def test_a_refused_request_uses_no_budget():
    limiter, now = Limiter("memory://"), MINUTE_END - 30
    verdicts = [await limiter.hit(1, "write", 12, now) for _ in range(14)]
    assert [v.allowed for v in verdicts] == [True] * 12 + [False] * 2
    assert verdicts[-1].problem().detail == "12 requests per minute for write category exceeded."
    assert verdicts[-1].retry_after == 30
    assert await limiter.used(1, "write", now) == 12
    # a tier raised within the minute: the two refused requests did not spend the new budget
    assert (await limiter.hit(1, "write", 20, now)).remaining == 7


async def test_the_minute_is_the_clock_minute_a_burst_is_twice_it_across_the_edge():
    limiter, limit = Limiter("memory://"), 60
    # 60 in the minute's last second, 60 in the next one's first: 120 within a second
    late = [await limiter.hit(1, "write", limit, MINUTE_END - 0.5) for _ in range(limit + 1)]
    early = [await limiter.hit(1, "write", limit, MINUTE_END + 0.5) for _ in range(limit + 1)]
    assert [v.allowed for v in late] == [True] * limit + [False]
    assert [v.allowed for v in early] == [True] * limit + [False]
    assert [v.remaining for v in early[:limit]] == list(range(limit - 1, -1, -1))
    assert (late[-1].reset, early[-1].reset) == (MINUTE_END, MINUTE_END + MINUTE)
    assert (late[-1].retry_after, early[-1].retry_after) == (1, 60)
    # no clock minute ever allows more: the rest of the next minute stays refused
    assert not (await limiter.hit(1, "write", limit, MINUTE_END + MINUTE - 0.1)).allowed
    assert (await limiter.hit(1, "write", limit, MINUTE_END + MINUTE)).allowed


@pytest.mark.fast
async def test_counting_under_many_keys_sweeps_the_memory_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
):
    # the library sweeps every key after each count: one organization's request would have
    # paid for every other organization's counters and every sign-in key
    sweeps = 0
    sweep = MemoryStorage._MemoryStorage__expire_events  # type: ignore[attr-defined]

    async def counted_sweep(storage: MemoryStorage) -> None:
        nonlocal sweeps
        sweeps += 1
        await sweep(storage)

    monkeypatch.setattr(MemoryStorage, "_MemoryStorage__expire_events", counted_sweep)
    limiter = Limiter("memory://")
    started = time.monotonic()
    for organization in range(300):
        await limiter.hit(organization, "read", 100, time.time())
        await asyncio.sleep(0)  # a sweep started by one request ends before the next
    took = time.monotonic() - started  # a few ms, unless the machine stalled
    assert 1 <= sweeps <= 1 + took / SWEEP_SECONDS
    swept = sweeps
    await asyncio.sleep(SWEEP_SECONDS)
    await limiter.hit(0, "read", 100, time.time())
    await asyncio.sleep(0)
    assert sweeps == swept + 1


@pytest.mark.fast
async def test_a_memory_counter_expires_on_time_between_sweeps():
    storage = shared_storage("memory://", "nt24-test")
    await storage.incr("before", 60)  # the first count's sweep: the next is a second away
    assert await storage.incr("short", 1) == 1
    assert await storage.get("short") == 1
    await asyncio.sleep(1.05)
    assert await storage.get("short") == 0  # no sweep ran: the read itself saw it expire
    assert await storage.incr("short", 1) == 1


@pytest.mark.fast
async def test_a_memory_counter_maps_its_errors_as_the_library_does_through_one_wrapper():
    # limits wraps a storage's methods once more for each subclass: the counters' storage
    # keeps MemoryStorage's own, so each counter call of a request pays one wrapper
    for name in ("get", "incr", "get_sliding_window", "acquire_sliding_window_entry"):
        assert getattr(SweptMemoryStorage, name) is getattr(MemoryStorage, name)

    class Unreadable(dict[str, float]):
        def get(self, *_: Any) -> float:
            raise ValueError("the memory is unreadable")

    storage = SweptMemoryStorage("memory://", wrap_exceptions=True)
    storage.expirations = Unreadable()
    with pytest.raises(StorageError):
        await storage.get("short")


async def test_two_api_processes_share_limits_and_headers_through_redis(
    db: Database, pg_url: str, redis_url: str
):
    org, clock = await new_organization(db), ManualClock(MINUTE_END - 42.3)
    settings = settings_for_tests(
        pg_url,
        rate_limits_standard=RateLimits(read=100, write=4, webhook=10),
        rate_limit_storage=redis_url,
    )
    other_db = Database(pg_url)
    try:
        async with (
            serving(conventions_app(db, settings, clock)) as first_base,
            serving(conventions_app(other_db, settings, clock)) as second_base,
            client(first_base, org) as first,
            client(second_base, org) as second,
        ):
            answers = [
                await http.post(f"{seller()}/things", json={"name": f"t-{uuid4()}"}, headers=key())
                for http in (first, second, first, second, first, second)
            ]
            read = await second.get(f"{seller()}/things")
    finally:
        await other_db.dispose()
    assert [a.status_code for a in answers] == [201, 201, 201, 201, 429, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["3", "2", "1", "0", "0", "0"]
    for answer in answers:
        assert answer.headers["x-ratelimit-limit"] == "4"
        assert answer.headers["x-ratelimit-category"] == "write"
        assert answer.headers["x-ratelimit-reset"] == str(MINUTE_END)
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "4 requests per minute for write category exceeded."
    assert refused.headers["retry-after"] == "43"
    assert read.status_code == 200 and read.headers["x-ratelimit-remaining"] == "99"


# --- the principal cache ----------------------------------------------------------------


def _principal() -> Principal:
    return Principal(1, uuid4(), "api-client-x", "STANDARD", None)  # type: ignore[arg-type]


async def test_a_cached_principal_lives_until_its_token_expires_or_a_change():
    cache = PrincipalCache(None, 300)
    entry, generation = await cache.get("t")
    assert entry is None
    cache.put("t", _principal(), time.time() + 60, generation)
    assert (await cache.get("t"))[0] is not None
    cache.put("expired", _principal(), time.time() - 1, generation)
    assert (await cache.get("expired"))[0] is None
    auth_cache.bump()  # an API client, organization or partner changed in this process
    assert (await cache.get("t"))[0] is None


async def test_the_database_generation_is_read_at_most_once_a_poll_and_drops_principals():
    stored = {"value": 7, "reads": 0}

    async def read() -> int:
        stored["reads"] += 1
        await asyncio.sleep(0.01)  # concurrent requests meanwhile wait for this read
        return stored["value"]

    cache = PrincipalCache(None, 300, read, poll_seconds=0.2)
    entry, generation = await cache.get("t")
    cache.put("t", _principal(), time.time() + 60, generation)
    found = await asyncio.gather(*(cache.get("t") for _ in range(50)))
    assert all(e is not None for e, _ in found) and stored["reads"] == 1
    stored["value"] += 1  # another process changed an API client, an organization, a partner
    assert (await cache.get("t"))[0] is not None  # the value read less than 0.2 s ago
    await asyncio.sleep(0.2)
    assert (await cache.get("t"))[0] is None and stored["reads"] == 2


async def another_process_drops_a_cached_principal(cache_url: str, other_url: str) -> None:
    """A principal cached through Redis at ``cache_url`` is gone once another API process bumps
    the generation through ``other_url`` (the same Redis, as redis-py names it)."""
    cache = PrincipalCache(cache_url, 300)
    other = redis.asyncio.Redis.from_url(other_url)
    try:
        entry, generation = await cache.get("t")
        cache.put("t", _principal(), time.time() + 60, generation)
        assert (await cache.get("t"))[0] is not None
        await other.incr(GENERATION_KEY)  # what bump() does in another API process
        assert (await cache.get("t"))[0] is None
    finally:
        await other.aclose()
        await cache.close()


async def test_another_process_drops_the_cached_principals_through_redis(redis_url: str):
    await another_process_drops_a_cached_principal(redis_url, redis_url)


async def test_principals_cached_before_redis_went_away_are_verified_again(redis_url: str):
    # a client disabled while Redis was away could not bump the shared generation
    cache = PrincipalCache(redis_url, 300)
    shared = cache._redis
    try:
        entry, generation = await cache.get("t")
        cache.put("t", _principal(), time.time() + 60, generation)
        cache._redis = redis.asyncio.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
        with pytest.raises(redis.exceptions.ConnectionError):
            await cache.get("t")
        await cache._redis.aclose()
        cache._redis = shared  # back
        assert (await cache.get("t"))[0] is None
    finally:
        await cache.close()


@pytest.fixture
def unix_redis(tmp_path: Path) -> Iterator[Path]:
    """A Redis of this test's own, listening on a unix socket only."""
    socket = tmp_path / "redis.sock"
    command = ["redis-server", "--port", "0", "--unixsocket", str(socket), "--save", ""]
    server = subprocess.Popen([*command, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert time.monotonic() < deadline and server.poll() is None, "no redis-server"
            time.sleep(0.05)
        yield socket
    finally:
        server.terminate()
        server.wait(5)


async def test_a_redis_on_a_unix_socket_shares_the_limits_and_the_cached_principals(
    unix_redis: Path,
):
    storage = f"redis+unix://{unix_redis}"  # limits' scheme, as NT24_RATE_LIMIT_STORAGE takes it
    first, second = Limiter(storage), Limiter(storage)
    now = time.time()
    counted = [await lim.hit(7, "read", 2, now) for lim in (first, second, first)]
    assert [verdict.allowed for verdict in counted] == [True, True, False]
    shared = shared_redis_url(storage)
    assert shared is not None
    await another_process_drops_a_cached_principal(shared, f"unix://{unix_redis}")


async def test_a_disabled_client_loses_access_at_once_though_its_principal_was_cached(
    stack: Stack,
):
    tenant = await make_api_tenant(stack.db)
    token = await client_token(stack, tenant)
    async with stack.http(token) as http:
        assert (await http.get("/v1/me")).status_code == 200  # now cached
        assert (await http.get(f"{tenant.seller}/buyers")).status_code == 200
        async with stack.db.transaction() as session:
            row = await session.scalar(
                select(ApiClient).where(ApiClient.client_id == tenant.client_id)
            )
            row.is_active = False
        assert (await http.get("/v1/me")).status_code == 401
        assert (await http.get(f"{tenant.seller}/buyers")).status_code == 401


async def test_a_rotated_client_is_read_again(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    token = await client_token(stack, tenant)
    async with stack.http(token) as http:
        assert (await http.get("/v1/me")).status_code == 200
        before = auth_cache.local_generation()
        async with stack.db.transaction() as session:
            row = await session.scalar(
                select(ApiClient).where(ApiClient.client_id == tenant.client_id)
            )
            await api_clients.rotate_secret(
                session, row, stack.settings.client_secret_rotation_grace
            )
        assert auth_cache.local_generation() > before  # every cached principal was dropped
        # the contract's rotation window: tokens of the previous secret keep working meanwhile
        assert (await http.get("/v1/me")).status_code == 200
        row.is_active = False
        async with stack.db.transaction() as session:
            await session.merge(row)
        assert (await http.get("/v1/me")).status_code == 401


# --- reads write nothing; a 304 reads one column ---------------------------------------------


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engines = db.sync_engines()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def test_gets_write_nothing_and_a_304_reads_the_version_alone(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    token = await client_token(stack, tenant)
    async with stack.http(token) as http:
        created = await http.post(f"{tenant.seller}/buyers", json=buyer_body(), headers=key())
        assert created.status_code == 201, created.text
        url = f"{tenant.seller}/buyers/{created.json()['uuid']}"
        for _ in range(3):
            # every change to a client, organization or partner drops the cached principals:
            # one made by another test's work on the shared stack is waited out and measured
            # again (the cache sees a change within POLL_SECONDS)
            await asyncio.sleep(auth_cache.POLL_SECONDS)
            generation = await auth_generation(stack.db)
            first = await http.get(url)
            with statements(stack.db) as sent:
                cached = await http.get(url, headers={"If-None-Match": first.headers["etag"]})
                again = await http.get(url)
                for _ in range(3):
                    await http.get("/v1/me")
            if await auth_generation(stack.db) == generation:
                break
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == first.headers["etag"]
    assert cached.headers["x-ratelimit-category"] == "read"
    assert again.status_code == 200 and again.content == first.content
    # (the buyer's VIES check, run by the worker on the same database, may write meanwhile)
    request_tables = ("idempotency_records", "api_clients", "organizations")
    writes = [s for s in sent if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert not [s for s in writes if any(table in s for table in request_tables)]
    # the principal came from the cache: no API client was read
    assert not [s for s in sent if "api_clients" in s]
    # the 304 read the version alone; only the 200 loaded the buyer (the worker's VIES check
    # may read it too, unscoped)
    scoped = [s for s in sent if "FROM buyers WHERE buyers.organization_id" in s]
    versions = [s.startswith("SELECT buyers.version FROM buyers") for s in scoped]
    assert versions == [True, False]


async def test_a_buyers_business_data_is_read_without_its_contacts(stack: Stack):
    """The Buyer object has no contacts (they live on /contacts): GET, PATCH, block and the
    KYC status read none, however many the buyer has; the contacts list does."""
    tenant = await make_api_tenant(stack.db, allow_contact_personal_data=True)
    contacts = [
        {"firstName": f"Ada{n}", "lastName": "Muster", "email": f"ada{n}@example.com"}
        for n in range(20)
    ]
    async with stack.http(await client_token(stack, tenant)) as http:
        created = await http.post(
            f"{tenant.seller}/buyers", json=buyer_body(contacts=contacts), headers=key()
        )
        assert created.status_code == 201, created.text
        url = f"{tenant.seller}/buyers/{created.json()['uuid']}"
        with statements(stack.db) as sent:
            read = await http.get(url)
            patched = await http.patch(
                url, json={"companyName": "Renamed"}, headers=key() | {"If-Match": '"0"'}
            )
            blocked = await http.post(f"{url}/block", json={"reason": "fraud"}, headers=key())
            kyc = await http.get(f"{url}/kyc")
            repeated = await http.post(
                f"{tenant.seller}/buyers",
                json=buyer_body(companyName="Renamed"),
                headers=key(),
            )
        with statements(stack.db) as listing:
            listed = await http.get(f"{url}/contacts")
    assert read.status_code == patched.status_code == blocked.status_code == 200
    assert kyc.status_code == 200 and repeated.status_code in (200, 409)
    assert not [s for s in sent if "buyer_contacts" in s]
    assert len(listed.json()) == 20 and [s for s in listing if "FROM buyer_contacts" in s]
