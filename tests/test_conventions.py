"""The NT24 request conventions: Idempotency-Key, rate limits, ETag/If-Match, list pages.

A small FastAPI app whose routes use the conventions exactly as the NT24 routers do is served
over loopback HTTP against the real PostgreSQL. Only the token check is replaced: the test
app's Bearer token is an organization's uuid, resolved to a real organization row, so that
these tests do not depend on the OAuth2 machinery (tested on its own).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, File, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import column, func, select, table, update

from api.main import create_app
from api.nt24.identity.auth import Principal
from api.nt24.pagination import Page, PageParams, Sort, parse_sort
from api.nt24.schemas import NT24Model
from api.shared import errors
from api.shared.deps import database
from api.shared.errors import Problem
from api.shared.idempotency import (
    LEGACY_SCOPE,
    IdempotencyMiddleware,
    claim_key,
    command_started,
    idempotency_key,
    live_record,
    reclaim_key,
    release_key,
    request_fingerprint,
    request_scope,
    storable,
    store_answer,
)
from api.shared.rate_limit import (
    Clock,
    RateLimitMiddleware,
    category_of,
    is_nt24_path,
    verdict_of,
)
from api.shared.versioning import (
    IF_NONE_MATCH,
    etag,
    if_match,
    none_match,
    require_version,
    versioned,
)
from settings import RateLimits, Settings
from store.db import Database
from store.identity import identity
from store.migrate import upgrade_async
from store.models import Buyer, IdempotencyRecord, Organization, Partner, utcnow
from tests.conftest import serving, settings_for_tests

PROBLEMS = "https://api.novatrade24.com/problems/"
GENEROUS = RateLimits(read=10_000, write=10_000, webhook=10_000)
# The contract's STANDARD tier, as literals
STANDARD = RateLimits(read=300, write=60, webhook=10)
# The contract's example of a reset, the end of a clock minute (2024-10-23T11:51:00Z)
MINUTE_END = 1_729_684_260


# --- the test app -------------------------------------------------------------------------


async def bearer_organization(request: Request) -> Principal:
    """Stands in for api.nt24.identity.auth.authenticate: the Bearer token is an organization's
    uuid."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    try:
        org_uuid = UUID(token)
    except ValueError as exc:
        raise Problem("unauthorized", "A Bearer access token is required.") from exc
    async with database(request).session() as session:
        org = await session.scalar(select(Organization).where(Organization.uuid == org_uuid))
    if org is None:
        raise Problem("unauthorized", "The access token is invalid.")
    principal = Principal(org.id, org.uuid, "test-client", org.rate_limit_tier, org)
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(bearer_organization)]
router = APIRouter(prefix="/v1/partners/{sellerId}")


class ThingIn(BaseModel):
    name: str = Field(min_length=1)
    pause: float = 0


class Thing(NT24Model):
    uuid: UUID
    name: str

    @classmethod
    def of(cls, partner: Partner) -> Thing:
        return cls(uuid=partner.uuid, name=partner.name)


async def _create_thing(request: Request, caller: Principal, name: str) -> Response:
    """The effect every write route of the test app has: one partner row named ``name``."""
    async with database(request).transaction() as session:
        partner = Partner(organization_id=caller.organization_id, name=name, country="DE")
        session.add(partner)
        await session.flush()
    answer = versioned(Thing.of(partner), 0, status_code=201)
    answer.headers["Location"] = f"{request.url.path}/{partner.uuid}"
    return answer


@router.post("/things", status_code=201, dependencies=[Depends(idempotency_key)])
async def create_thing(body: ThingIn, caller: Caller, request: Request) -> Response:
    await asyncio.sleep(body.pause)
    return await _create_thing(request, caller, body.name)


@router.post("/uploads", status_code=201, dependencies=[Depends(idempotency_key)])
async def upload(file: Annotated[UploadFile, File()], caller: Caller, request: Request) -> Response:
    return await _create_thing(request, caller, (await file.read()).decode())


@router.post("/flaky", status_code=201, dependencies=[Depends(idempotency_key)])
async def flaky(body: ThingIn, caller: Caller, request: Request) -> Response:
    """Fails as ``app.state.outcomes`` says (``503``, ``crash``; ``409``: the command ran and
    refused by the state it met), then succeeds."""
    await asyncio.sleep(body.pause)
    outcomes: list[str] = request.app.state.outcomes
    outcome = outcomes.pop(0) if outcomes else "ok"
    if outcome == "503":
        raise Problem("service-unavailable", "Try again later.")
    if outcome == "crash":
        raise RuntimeError("the endpoint crashed")
    if outcome == "409":
        command_started()
        raise Problem("milestone-already-set", "The thing was made already.")
    return await _create_thing(request, caller, body.name)


@router.get("/things")
async def list_things(
    caller: Caller,
    request: Request,
    paging: Annotated[PageParams, Depends(PageParams.sortable("name", "createdAt"))],
) -> Page[Thing]:
    async with database(request).session() as session:
        return await paging.fetch(session, caller.tenant.select(Partner), Thing.of)


class BuyerView(NT24Model):
    uuid: UUID
    companyName: str
    blockedReason: str | None = None
    version: int

    @classmethod
    def of(cls, buyer: Buyer) -> BuyerView:
        return cls(
            uuid=buyer.uuid,
            companyName=buyer.company_name,
            blockedReason=buyer.blocked_reason,
            version=buyer.version,
        )


class BuyerPatch(BaseModel):
    companyName: str


async def _buyer(request: Request, caller: Principal, buyer_id: UUID) -> Buyer:
    async with database(request).session() as session:
        buyer = await session.scalar(caller.tenant.select(Buyer).where(Buyer.uuid == buyer_id))
    if buyer is None:
        raise Problem("not-found", f"Buyer {buyer_id} was not found.")
    return buyer


@router.get("/buyers/{buyerId}", openapi_extra=IF_NONE_MATCH)
async def get_buyer(buyerId: UUID, caller: Caller, request: Request) -> Response:
    buyer = await _buyer(request, caller, buyerId)
    return versioned(BuyerView.of(buyer), buyer.version, request=request)


@router.patch("/buyers/{buyerId}", dependencies=[Depends(idempotency_key), Depends(if_match)])
async def patch_buyer(
    buyerId: UUID, body: BuyerPatch, caller: Caller, request: Request
) -> Response:
    async with database(request).transaction() as session:
        buyer = await session.scalar(
            caller.tenant.select(Buyer).where(Buyer.uuid == buyerId).with_for_update()
        )
        assert buyer is not None
        require_version(request, buyer.version, BuyerView.of(buyer))
        buyer.company_name = body.companyName
        buyer.version += 1
    return versioned(BuyerView.of(buyer), buyer.version)


webhooks = APIRouter(prefix="/v1/webhooks")


@webhooks.get("")
async def list_webhooks(caller: Caller) -> list[Any]:
    return []


notyd = APIRouter(prefix="/v1/api")


@notyd.post("/ping/")
async def ping(caller: Caller) -> dict[str, str]:
    return {"pong": "yes"}


class ManualClock:
    """The rate limiter's clock, set by the test: a minute passes without waiting for it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def conventions_app(db: Database, settings: Settings, clock: Clock = time.time) -> FastAPI:
    """The NT24 conventions installed as api.main installs them, on the test routes (the rate
    limiter on ``clock``)."""
    app = FastAPI()
    errors.install(app)
    app.state.db, app.state.settings, app.state.outcomes = db, settings, []
    for module_router in (router, webhooks, notyd):
        app.include_router(module_router)
    app.add_middleware(IdempotencyMiddleware, authenticate=bearer_organization)
    app.add_middleware(RateLimitMiddleware, authenticate=bearer_organization, clock=clock)
    return app


@asynccontextmanager
async def served(
    db: Database, pg_url: str, clock: Clock = time.time, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, str]]:
    overrides.setdefault("rate_limits_standard", GENEROUS)
    app = conventions_app(db, settings_for_tests(pg_url, **overrides), clock)
    async with serving(app) as base_url:
        yield app, base_url


async def new_organization(db: Database) -> Organization:
    async with db.transaction() as session:
        return await identity.create_organization(session, f"Conventions {uuid4().hex[:8]}")


def client(base_url: str, org: Organization) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {org.uuid}"}, timeout=30
    )


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


async def effects(db: Database, name: str) -> int:
    async with db.session() as session:
        count = await session.scalar(select(func.count()).where(Partner.name == name))
    return count or 0


def seller() -> str:
    return f"/v1/partners/{uuid4()}"


def same_answer(answer: httpx.Response) -> tuple[Any, ...]:
    return (
        answer.status_code,
        answer.content,
        answer.headers.get("location"),
        answer.headers.get("etag"),
        answer.headers.get("content-type"),
    )


# --- Idempotency-Key ----------------------------------------------------------------------


async def test_writes_need_an_idempotency_key_of_1_to_255_characters(db: Database, pg_url: str):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url = f"{seller()}/things"
        missing = await http.post(url, json={"name": name})
        empty = await http.post(url, json={"name": name}, headers={"Idempotency-Key": ""})
        too_long = await http.post(url, json={"name": name}, headers={"Idempotency-Key": "k" * 256})
        longest = await http.post(url, json={"name": name}, headers={"Idempotency-Key": "k" * 255})
    for answer in (missing, empty, too_long):
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == PROBLEMS + "malformed-request"
        assert "Idempotency-Key" in answer.json()["detail"]
        assert answer.headers["x-ratelimit-category"] == "write"
    assert longest.status_code == 201, longest.text
    assert await effects(db, name) == 1


async def test_a_replay_repeats_status_body_and_headers_and_the_effect_happens_once(
    db: Database, pg_url: str
):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url, headers = f"{seller()}/things", key()
        first = await http.post(url, json={"name": name}, headers=headers)
        again = await http.post(url, json={"name": name}, headers=headers)
        invalid_headers = key()
        invalid = await http.post(url, json={"name": ""}, headers=invalid_headers)
        invalid_again = await http.post(url, json={"name": ""}, headers=invalid_headers)
    assert first.status_code == 201, first.text
    assert first.headers["etag"] == '"0"' and first.headers["location"].endswith(
        first.json()["uuid"]
    )
    assert same_answer(again) == same_answer(first)
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["x-ratelimit-category"] == "write"
    assert await effects(db, name) == 1
    # kept encrypted (an answer may carry a secret shown once): the row holds no clear text
    async with db.session() as session:
        stored = await session.scalar(
            select(column("response_body"))
            .select_from(table("idempotency_records"))
            .where(column("key") == headers["Idempotency-Key"])
        )
    assert stored.startswith(b"enc1:") and name.encode() not in stored
    # a refusal of the request itself is not stored: the retry is judged afresh
    assert invalid.status_code == invalid_again.status_code == 422
    assert "idempotent-replayed" not in invalid_again.headers
    assert invalid_again.json()["traceId"] != invalid.json()["traceId"]


async def test_the_same_key_with_another_request_is_422(db: Database, pg_url: str):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url, headers = f"{seller()}/things", key()
        first = await http.post(url, json={"name": name}, headers=headers)
        other_body = await http.post(url, json={"name": name + "-2"}, headers=headers)
        other_query = await http.post(f"{url}?x=1", json={"name": name}, headers=headers)
    assert first.status_code == 201
    for answer in (other_body, other_query):
        assert answer.status_code == 422
        assert answer.json()["type"] == PROBLEMS + "idempotency-key-reused"
    assert await effects(db, name) == 1 and await effects(db, name + "-2") == 0


async def test_a_key_is_scoped_per_method_and_path(db: Database, pg_url: str):
    """Contract §2.2 (inferred): per organization, method and path; the same key on another
    endpoint is a first use there, with replays of its own."""
    org, names = await new_organization(db), [f"thing-{uuid4()}" for _ in range(2)]
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        headers = key()
        here, there = f"{seller()}/things", f"{seller()}/things"
        first = await http.post(here, json={"name": names[0]}, headers=headers)
        elsewhere = await http.post(there, json={"name": names[1]}, headers=headers)
        again_here = await http.post(here, json={"name": names[0]}, headers=headers)
        again_there = await http.post(there, json={"name": names[1]}, headers=headers)
    assert first.status_code == elsewhere.status_code == 201, elsewhere.text
    assert same_answer(again_here) == same_answer(first)
    assert same_answer(again_there) == same_answer(elsewhere)
    assert again_there.headers["idempotent-replayed"] == "true"
    assert [await effects(db, n) for n in names] == [1, 1]


async def test_a_record_kept_from_before_keys_were_scoped_still_replays(db: Database, pg_url: str):
    """Records from before migration 0019 have no scope: until they expire they hold their key
    as they did (a retry across the upgrade is a replay, another request a 422)."""
    org, name = await new_organization(db), f"thing-{uuid4()}"
    url, body = f"{seller()}/things", f'{{"name": "{name}"}}'.encode()
    the_key, now = str(uuid4()), utcnow()
    async with db.transaction() as session:
        session.add(
            IdempotencyRecord(
                organization_id=org.id,
                key=the_key,
                scope_sha256=LEGACY_SCOPE,
                request_sha256=request_fingerprint("POST", url, "application/json", body),
                response_status=201,
                response_headers={"content-type": "application/json"},
                response_body=b'{"stored": true}',
                created_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )
    headers = {"Idempotency-Key": the_key, "Content-Type": "application/json"}
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        retry = await http.post(url, content=body, headers=headers)
        elsewhere = await http.post(f"{seller()}/things", content=body, headers=headers)
    assert retry.status_code == 201 and retry.json() == {"stored": True}
    assert retry.headers["idempotent-replayed"] == "true"
    assert elsewhere.status_code == 422
    assert await effects(db, name) == 0


async def test_a_multipart_retry_with_a_new_boundary_is_the_same_request(db: Database, pg_url: str):
    org, name = await new_organization(db), f"upload-{uuid4()}"
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url, headers = f"{seller()}/uploads", key()
        files = {"file": ("cmr.txt", name.encode(), "text/plain")}
        first = await http.post(url, files=files, headers=headers)
        retry = await http.post(url, files=files, headers=headers)
        other = await http.post(
            url, files={"file": ("cmr.txt", b"other bytes", "text/plain")}, headers=headers
        )
    assert first.status_code == 201, first.text
    assert first.request.headers["content-type"] != retry.request.headers["content-type"]
    assert same_answer(retry) == same_answer(first)
    assert retry.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    assert await effects(db, name) == 1


async def test_24_concurrent_requests_under_one_key_have_one_effect_and_one_answer(
    db: Database, pg_url: str
):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url, headers = f"{seller()}/things", key()
        answers = await asyncio.gather(
            *(http.post(url, json={"name": name, "pause": 0.3}, headers=headers) for _ in range(24))
        )
    assert answers[0].status_code == 201, answers[0].text
    assert {same_answer(a) for a in answers} == {same_answer(answers[0])}
    assert sum("idempotent-replayed" in a.headers for a in answers) == 23
    assert await effects(db, name) == 1


async def test_keys_of_two_organizations_do_not_collide(db: Database, pg_url: str):
    first_org, second_org = await new_organization(db), await new_organization(db)
    name = f"thing-{uuid4()}"
    headers = key()
    async with served(db, pg_url) as (_, base):
        async with client(base, first_org) as http:
            first = await http.post(f"{seller()}/things", json={"name": name}, headers=headers)
        async with client(base, second_org) as http:
            second = await http.post(f"{seller()}/things", json={"name": name}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["uuid"] != second.json()["uuid"]
    assert "idempotent-replayed" not in second.headers
    assert await effects(db, name) == 2


async def test_5xx_answers_and_crashes_are_not_stored(db: Database, pg_url: str):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (app, base), client(base, org) as http:
        app.state.outcomes.extend(["503", "crash"])
        url, headers = f"{seller()}/flaky", key()
        unavailable = await http.post(url, json={"name": name}, headers=headers)
        crashed = await http.post(url, json={"name": name}, headers=headers)
        succeeded = await http.post(url, json={"name": name}, headers=headers)
        replayed = await http.post(url, json={"name": name}, headers=headers)
    assert unavailable.status_code == 503
    assert crashed.status_code == 500 and crashed.json()["code"] == "internal-error"
    assert "crashed" not in crashed.text
    # the rate-limit headers are on every answer, the unexpected 500 included
    assert crashed.headers["x-ratelimit-category"] == "write"
    assert succeeded.status_code == 201 and "idempotent-replayed" not in succeeded.headers
    assert same_answer(replayed) == same_answer(succeeded)
    assert await effects(db, name) == 1


async def test_a_refusal_before_the_command_ran_frees_the_key(db: Database, pg_url: str):
    """A 400 (If-Match missing) or a 409 version-mismatch changed nothing: the same key and body
    with the request put right (the header, the current version) run the request."""
    org = await new_organization(db)
    buyer = await new_buyer(db, org, version=7)
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url, body = f"{seller()}/buyers/{buyer.uuid}", {"companyName": "Autohaus Neu"}
        stale_key, missing_key = key(), key()
        stale = await http.patch(url, json=body, headers=stale_key | {"If-Match": '"5"'})
        current = await http.patch(url, json=body, headers=stale_key | {"If-Match": '"7"'})
        replayed = await http.patch(url, json=body, headers=stale_key | {"If-Match": '"7"'})
        missing = await http.patch(url, json=body, headers=missing_key)
        given = await http.patch(url, json=body, headers=missing_key | {"If-Match": '"8"'})
    assert stale.status_code == 409 and stale.json()["code"] == "version-mismatch"
    assert current.status_code == 200, current.text
    assert "idempotent-replayed" not in current.headers and current.json()["version"] == 8
    assert replayed.headers["idempotent-replayed"] == "true"
    assert same_answer(replayed) == same_answer(current)
    assert missing.status_code == 400
    assert given.status_code == 200 and "idempotent-replayed" not in given.headers
    assert given.json()["version"] == 9


async def test_a_refusal_of_a_command_that_ran_is_stored(db: Database, pg_url: str):
    """A refusal by the state the command met (409 milestone-already-set) is the key's answer
    for 24 h, as a success is."""
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (app, base), client(base, org) as http:
        app.state.outcomes.append("409")
        url, headers = f"{seller()}/flaky", key()
        refused = await http.post(url, json={"name": name}, headers=headers)
        again = await http.post(url, json={"name": name}, headers=headers)
    assert refused.status_code == 409 and refused.json()["code"] == "milestone-already-set"
    assert again.headers["idempotent-replayed"] == "true"
    assert same_answer(again) == same_answer(refused)
    assert again.json()["traceId"] == refused.json()["traceId"]
    assert await effects(db, name) == 0


async def test_a_waiter_runs_the_request_itself_when_the_first_fails(db: Database, pg_url: str):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    async with served(db, pg_url) as (app, base), client(base, org) as http:
        app.state.outcomes.append("503")
        url, headers = f"{seller()}/flaky", key()
        answers = await asyncio.gather(
            *(http.post(url, json={"name": name, "pause": 0.3}, headers=headers) for _ in range(2))
        )
    assert sorted(a.status_code for a in answers) == [201, 503]
    assert await effects(db, name) == 1


async def test_a_waiter_gives_up_with_409_and_replays_an_answer_another_process_stored(
    db: Database, pg_url: str
):
    org, name = await new_organization(db), f"thing-{uuid4()}"
    url, body = f"{seller()}/things", f'{{"name": "{name}"}}'.encode()
    the_key = str(uuid4())
    now = utcnow()
    async with db.transaction() as session:
        record = IdempotencyRecord(
            organization_id=org.id,
            key=the_key,
            scope_sha256=request_scope("POST", url),
            request_sha256=request_fingerprint("POST", url, "application/json", body),
            created_at=now,
            expires_at=now + timedelta(hours=24),
        )
        session.add(record)
    headers = {"Idempotency-Key": the_key, "Content-Type": "application/json"}
    async with (
        served(db, pg_url, idempotency_wait=timedelta(seconds=0.5)) as (_, base),
        client(base, org) as http,
    ):
        waiting = await http.post(url, content=body, headers=headers)
        async with db.transaction() as session:
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == record.id)
                .values(
                    response_status=201,
                    response_headers={"content-type": "application/json", "etag": '"0"'},
                    response_body=b'{"stored": true}',
                )
            )
        stored = await http.post(url, content=body, headers=headers)
    assert waiting.status_code == 409 and waiting.headers["retry-after"] == "1"
    assert waiting.json()["type"] == PROBLEMS + "conflict"
    assert stored.status_code == 201 and stored.json() == {"stored": True}
    assert stored.headers["etag"] == '"0"' and stored.headers["idempotent-replayed"] == "true"
    assert await effects(db, name) == 0


async def test_expired_and_abandoned_records_give_way_and_expired_ones_are_purged(
    db: Database, pg_url: str
):
    org, other_org = await new_organization(db), await new_organization(db)
    now, url = utcnow(), f"{seller()}/things"
    async with db.transaction() as session:
        for owner, record_key, status, created in (
            (org.id, "expired", 201, now - timedelta(hours=25)),
            (other_org.id, "expired-elsewhere", 201, now - timedelta(hours=25)),
            (org.id, "abandoned", None, now - timedelta(minutes=3)),
        ):
            session.add(
                IdempotencyRecord(
                    organization_id=owner,
                    key=record_key,
                    scope_sha256=request_scope("POST", url),
                    request_sha256="0" * 64,
                    response_status=status,
                    response_body=b"old" if status else None,
                    created_at=created,
                    expires_at=created + timedelta(hours=24),
                )
            )
    names = [f"thing-{uuid4()}" for _ in range(2)]
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        expired = await http.post(
            url, json={"name": names[0]}, headers={"Idempotency-Key": "expired"}
        )
        abandoned = await http.post(
            url, json={"name": names[1]}, headers={"Idempotency-Key": "abandoned"}
        )
    assert expired.status_code == abandoned.status_code == 201
    assert [await effects(db, n) for n in names] == [1, 1]
    async with db.session() as session:
        left = await session.scalar(
            select(func.count()).where(IdempotencyRecord.key == "expired-elsewhere")
        )
    assert left == 0


async def test_unauthenticated_and_notyd_requests_pass_untouched(db: Database, pg_url: str):
    org = await new_organization(db)
    async with served(db, pg_url) as (_, base):
        async with httpx.AsyncClient(base_url=base) as anonymous:
            no_token = await anonymous.post(f"{seller()}/things", json={"name": "x"})
        async with client(base, org) as http:
            notyd_answer = await http.post("/v1/api/ping/")
    assert no_token.status_code == 401 and no_token.json()["code"] == "unauthorized"
    assert "x-ratelimit-limit" not in no_token.headers
    assert notyd_answer.status_code == 200 and "x-ratelimit-limit" not in notyd_answer.headers


# --- ETag, If-Match, If-None-Match -----------------------------------------------------------


async def new_buyer(db: Database, org: Organization, version: int) -> Buyer:
    async with db.transaction() as session:
        partner = Partner(organization_id=org.id, name="Seller", country="DE")
        session.add(partner)
        await session.flush()
        buyer = Buyer(
            organization_id=org.id,
            partner_id=partner.id,
            vat_number=f"DE{uuid4().int % 10**9:09d}",
            company_name="Autohaus",
            street="Hauptstr. 1",
            post_code="10115",
            city="Berlin",
            country="DE",
            kyc_mode="NT24_LED",
            version=version,
        )
        session.add(buyer)
    return buyer


async def test_patch_needs_a_current_if_match(db: Database, pg_url: str):
    org = await new_organization(db)
    buyer = await new_buyer(db, org, version=7)
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url = f"{seller()}/buyers/{buyer.uuid}"
        body = {"companyName": "Autohaus Neu"}
        missing = await http.patch(url, json=body, headers=key())
        garbage = await http.patch(url, json=body, headers=key() | {"If-Match": "seven"})
        stale = await http.patch(url, json=body, headers=key() | {"If-Match": '"5"'})
        good = await http.patch(url, json=body, headers=key() | {"If-Match": '"7"'})
        # If-Match compares strongly (RFC 9110): a weak ETag or another spelling matches nothing
        weak = await http.patch(url, json=body, headers=key() | {"If-Match": 'W/"8"'})
        spelled = [
            await http.patch(url, json=body, headers=key() | {"If-Match": tag})
            for tag in ('"08"', "08", '"' + "8" * 5000 + '"')
        ]
        bare = await http.patch(url, json=body, headers=key() | {"If-Match": "8"})
    for answer in (missing, garbage):
        assert answer.status_code == 400
        assert answer.json()["type"] == PROBLEMS + "malformed-request"
        assert "If-Match" in answer.json()["detail"]
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["type"] == PROBLEMS + "version-mismatch"
    assert problem["title"] == "Version Mismatch"
    assert problem["detail"] == "If-Match version 5 does not match current version 7."
    assert problem["currentResource"] == {
        "uuid": str(buyer.uuid),
        "companyName": "Autohaus",
        "version": 7,
    }
    assert good.status_code == 200 and good.json()["version"] == 8
    assert good.headers["etag"] == '"8"'
    for answer in (weak, *spelled):
        assert answer.status_code == 409, answer.text
        assert answer.json()["type"] == PROBLEMS + "version-mismatch"
        assert answer.json()["currentResource"]["version"] == 8
    assert "never matches" in weak.json()["detail"]
    assert bare.status_code == 200 and bare.headers["etag"] == '"9"'


async def test_if_none_match_answers_304_with_the_etag(db: Database, pg_url: str):
    org = await new_organization(db)
    buyer = await new_buyer(db, org, version=3)
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url = f"{seller()}/buyers/{buyer.uuid}"
        first = await http.get(url)
        cached = await http.get(url, headers={"If-None-Match": first.headers["etag"]})
        listed = await http.get(url, headers={"If-None-Match": '"1", W/"3"'})
        anything = await http.get(url, headers={"If-None-Match": "*"})
        changed = await http.get(url, headers={"If-None-Match": '"2"'})
    assert first.status_code == 200 and first.headers["etag"] == '"3"'
    assert first.json()["version"] == 3
    for answer in (cached, listed, anything):
        assert answer.status_code == 304 and answer.content == b""
        assert answer.headers["etag"] == '"3"'
        assert answer.headers["x-ratelimit-category"] == "read"
    assert changed.status_code == 200 and changed.json() == first.json()


# --- rate limits ----------------------------------------------------------------------------


def rate_limited(answer: httpx.Response, detail: str, retry_after: int, reset: int) -> None:
    assert answer.status_code == 429
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "rate-limited"
    assert problem["title"] == "Rate Limit Exceeded"
    assert problem["detail"] == detail
    assert answer.headers["retry-after"] == str(retry_after)
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert answer.headers["x-ratelimit-reset"] == str(reset)


async def used(app: FastAPI, org: Organization, category: str, now: float) -> int:
    """How many requests of ``org``'s ``category`` the clock minute holding ``now`` allowed."""
    return int(await app.state.rate_limiter.used(org.id, category, now))


async def test_429_with_retry_after_and_the_headers_on_every_answer(db: Database, pg_url: str):
    org, clock = await new_organization(db), ManualClock(MINUTE_END - 50.5)
    limits = RateLimits(read=5, write=3, webhook=2)
    async with (
        served(db, pg_url, clock, rate_limits_standard=limits) as (app, base),
        client(base, org) as http,
    ):
        url = f"{seller()}/things"
        writes = [await http.post(url, json={"name": "x"})]  # 400: counted all the same
        writes += [
            await http.post(url, json={"name": f"t-{uuid4()}"}, headers=key()) for _ in range(2)
        ]
        refused = [await http.post(url, json={"name": "x"}, headers=key()) for _ in range(2)]
        read = await http.get(url)
        hooks = [await http.get("/v1/webhooks") for _ in range(3)]
    assert [w.status_code for w in writes] == [400, 201, 201]
    assert [w.headers["x-ratelimit-remaining"] for w in writes] == ["2", "1", "0"]
    for answer in writes:
        assert answer.headers["x-ratelimit-limit"] == "3"
        assert answer.headers["x-ratelimit-category"] == "write"
        assert answer.headers["x-ratelimit-reset"] == str(MINUTE_END)
    for answer in refused:  # 50.5 s left in the minute: retried after 51 s, it is the next one
        rate_limited(answer, "3 requests per minute for write category exceeded.", 51, MINUTE_END)
    assert read.status_code == 200 and read.headers["x-ratelimit-category"] == "read"
    assert read.headers["x-ratelimit-limit"] == "5" and read.headers["x-ratelimit-remaining"] == "4"
    assert [h.status_code for h in hooks] == [200, 200, 429]
    assert hooks[0].headers["x-ratelimit-category"] == "webhook"
    rate_limited(hooks[2], "2 requests per minute for webhook category exceeded.", 51, MINUTE_END)
    # refused requests used no budget: the minute holds the three counted writes
    assert await used(app, org, "write", clock.now) == 3


async def test_a_minute_allows_its_whole_limit_at_any_pace_and_the_next_minute_allows_again(
    db: Database, pg_url: str
):
    """STANDARD's 60 writes a minute, all sent within 6 seconds: none refused (no 10-second cap
    of 20), Remaining counting down to 0; the 61st is refused until the clock minute ends."""
    org, clock = await new_organization(db), ManualClock(MINUTE_END - 59.5)
    async with (
        served(db, pg_url, clock, rate_limits_standard=STANDARD) as (app, base),
        client(base, org) as http,
    ):
        url, answers = f"{seller()}/things", []
        for _ in range(60):
            answers.append(await http.post(url, json={"name": f"t-{uuid4()}"}, headers=key()))
            clock.now += 0.1
        clock.now = MINUTE_END - 37  # the contract's example: Retry-After 37
        refused = await http.post(url, json={"name": f"t-{uuid4()}"}, headers=key())
        clock.now = MINUTE_END - 0.4
        last_moment = await http.post(url, json={"name": f"t-{uuid4()}"}, headers=key())
        clock.now = MINUTE_END  # the next clock minute
        next_minute = await http.post(url, json={"name": f"t-{uuid4()}"}, headers=key())
    assert [a.status_code for a in answers] == [201] * 60, answers[-1].text
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == [
        str(n) for n in range(59, -1, -1)
    ]
    for answer in answers:
        assert answer.headers["x-ratelimit-limit"] == "60"
        assert answer.headers["x-ratelimit-category"] == "write"
        assert answer.headers["x-ratelimit-reset"] == str(MINUTE_END)
    detail = "60 requests per minute for write category exceeded."
    rate_limited(refused, detail, 37, MINUTE_END)
    rate_limited(last_moment, detail, 1, MINUTE_END)
    assert refused.headers["x-ratelimit-limit"] == "60"
    assert next_minute.status_code == 201, next_minute.text
    assert next_minute.headers["x-ratelimit-remaining"] == "59"
    assert next_minute.headers["x-ratelimit-reset"] == str(MINUTE_END + 60)
    assert await used(app, org, "write", MINUTE_END - 1) == 60  # the refused ones took none
    assert await used(app, org, "write", MINUTE_END) == 1


async def test_a_burst_is_twice_the_limit_across_a_minute_edge_never_more_in_a_minute(
    db: Database, pg_url: str
):
    """A webhook setup script (list, register, get, test, deliveries) run twice in a row: its 10
    webhook calls a minute go through at once; across the minute's edge 20 go through within a
    second, the contract's burst of twice the limit; the 11th of a clock minute is refused."""
    org, clock = await new_organization(db), ManualClock(MINUTE_END - 0.6)
    async with (
        served(db, pg_url, clock, rate_limits_standard=STANDARD) as (_, base),
        client(base, org) as http,
    ):
        before = [await http.get("/v1/webhooks") for _ in range(10)]
        refused = await http.get("/v1/webhooks")
        clock.now = MINUTE_END + 0.2
        after = [await http.get("/v1/webhooks") for _ in range(10)]
        refused_after = await http.get("/v1/webhooks")
    assert [a.status_code for a in before + after] == [200] * 20
    assert [a.headers["x-ratelimit-remaining"] for a in after] == [str(n) for n in range(9, -1, -1)]
    detail = "10 requests per minute for webhook category exceeded."
    rate_limited(refused, detail, 1, MINUTE_END)
    rate_limited(refused_after, detail, 60, MINUTE_END + 60)


async def test_two_api_processes_share_the_counters(db: Database, pg_url: str):
    redis_url = os.environ.get("NT24_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("several API processes share their counters in Redis: NT24_TEST_REDIS_URL")
    org, clock = await new_organization(db), ManualClock(MINUTE_END - 30)
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
            answers = []
            for http in (first, second, first, second, first, second):
                answers.append(
                    await http.post(
                        f"{seller()}/things", json={"name": f"t-{uuid4()}"}, headers=key()
                    )
                )
            clock.now = MINUTE_END
            next_minute = await second.post(
                f"{seller()}/things", json={"name": f"t-{uuid4()}"}, headers=key()
            )
    finally:
        await other_db.dispose()
    assert [a.status_code for a in answers] == [201, 201, 201, 201, 429, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["3", "2", "1", "0", "0", "0"]
    assert {a.headers["x-ratelimit-reset"] for a in answers} == {str(MINUTE_END)}
    assert next_minute.status_code == 201 and next_minute.headers["x-ratelimit-remaining"] == "3"


# --- list pages ---------------------------------------------------------------------------


async def test_list_pages_and_sorting(db: Database, pg_url: str):
    org = await new_organization(db)
    names = ["delta", "alpha", "echo", "charlie", "bravo"]
    async with db.transaction() as session:
        session.add_all(Partner(organization_id=org.id, name=n, country="DE") for n in names)
    async with served(db, pg_url) as (_, base), client(base, org) as http:
        url = f"{seller()}/things"
        first = (await http.get(url, params={"size": 2})).json()
        last = (await http.get(url, params={"size": 2, "page": 2})).json()
        beyond = (await http.get(url, params={"size": 2, "page": 9})).json()
        by_name = (await http.get(url, params={"sort": "name,desc"})).json()
        by_name_asc = (await http.get(url, params={"sort": "name"})).json()
        by_creation = (await http.get(url, params={"sort": "createdAt,asc"})).json()
        unknown = await http.get(url, params={"sort": "colour,asc"})
        sideways = await http.get(url, params={"sort": "name,sideways"})
        bad_size = await http.get(url, params={"size": 101})
        bad_page = await http.get(url, params={"page": -1})
    assert first["pagination"] == {
        "page": 0,
        "size": 2,
        "totalElements": 5,
        "totalPages": 3,
        "hasNext": True,
        "hasPrevious": False,
    }
    assert [t["name"] for t in first["data"]] == names[:2]  # primary-key order by default
    assert [t["name"] for t in last["data"]] == names[4:]
    assert last["pagination"]["hasNext"] is False and last["pagination"]["hasPrevious"] is True
    assert beyond["data"] == [] and beyond["pagination"]["totalPages"] == 3
    assert [t["name"] for t in by_name["data"]] == sorted(names, reverse=True)
    assert [t["name"] for t in by_name_asc["data"]] == sorted(names)
    assert [t["name"] for t in by_creation["data"]] == names
    for answer in (unknown, sideways):
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "sort"
        assert "name, createdAt" in answer.json()["errors"][0]["message"]
    assert bad_size.status_code == 422 and bad_size.json()["errors"][0]["field"] == "size"
    assert bad_page.status_code == 422 and bad_page.json()["errors"][0]["field"] == "page"


# --- the real app ---------------------------------------------------------------------------


def test_the_api_counts_a_request_before_its_idempotency_key_is_looked_at():
    app = create_app(settings_for_tests("sqlite+aiosqlite:///:memory:"))
    layers = [m.cls for m in app.user_middleware]  # outermost first
    assert layers.index(RateLimitMiddleware) < layers.index(IdempotencyMiddleware)


def test_the_dependencies_declare_their_headers_in_openapi():
    app = FastAPI()
    app.include_router(router)
    operations = app.openapi()["paths"]["/v1/partners/{sellerId}/buyers/{buyerId}"]

    def headers(method: str) -> dict[str, bool]:
        params = operations[method]["parameters"]
        return {p["name"]: p["required"] for p in params if p["in"] == "header"}

    assert headers("patch") == {"Idempotency-Key": True, "If-Match": False}
    assert headers("get") == {"If-None-Match": False}


# --- the pure parts, without a server -------------------------------------------------------


def test_etags_are_matched_in_every_accepted_spelling():
    assert all(none_match(v, etag(5)) for v in ('"5"', "5", 'W/"5"', ' "5" ', "W/5"))
    assert not any(none_match(v, etag(5)) for v in ("", '"5', "five", '"-5"', 'W/"a"'))
    # another spelling of a version names none
    assert not any(none_match(v, etag(5)) for v in ('"05"', '"5.0"', '"' + "5" * 5000 + '"'))
    assert none_match('"1", W/"3"', etag(3)) and none_match("*", etag(0))
    assert not none_match(None, etag(3)) and not none_match('"2"', etag(3))
    assert not none_match('"00"', etag(0)) and not none_match('"03"', etag(3))
    # an ETag that is no version (a document's sha256) is matched the same way
    digest = "ab" * 32
    assert none_match(f'W/"{digest}", "x"', f'"{digest}"') and none_match("*", f'"{digest}"')
    assert not none_match(f'"{digest[:-1]}"', f'"{digest}"')


def test_verdicts_count_the_clock_minute():
    now = MINUTE_END - 37.0
    first = verdict_of("write", 60, 1, now)
    assert first.allowed and first.remaining == 59 and first.reset == MINUTE_END
    assert first.headers() == {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "59",
        "X-RateLimit-Reset": "1729684260",
        "X-RateLimit-Category": "write",
    }
    last = verdict_of("write", 60, 60, now)
    assert last.allowed and last.remaining == 0
    over = verdict_of("write", 60, 61, now)
    assert not over.allowed and over.remaining == 0 and over.retry_after == 37
    problem = over.problem()
    assert problem.status == 429 and problem.headers["Retry-After"] == "37"
    assert problem.detail == "60 requests per minute for write category exceeded."
    assert problem.headers["X-RateLimit-Reset"] == "1729684260"
    # whole seconds, rounded up: a retry after them lands in the next minute; never 0
    assert verdict_of("read", 300, 301, MINUTE_END - 36.2).retry_after == 37
    assert verdict_of("read", 300, 301, MINUTE_END - 0.01).retry_after == 1
    # the minute's first instant belongs to it: its reset is the minute after
    on_the_minute = verdict_of("webhook", 10, 11, MINUTE_END)
    assert on_the_minute.reset == MINUTE_END + 60 and on_the_minute.retry_after == 60
    assert on_the_minute.problem().detail == (
        "10 requests per minute for webhook category exceeded."
    )


def test_categories_and_paths():
    assert category_of("GET", "/v1/partners/x/orders") == "read"
    assert category_of("PATCH", "/v1/partners/x/orders/y") == "write"
    assert category_of("GET", "/v1/webhooks") == category_of("POST", "/v1/webhooks/1/test")
    assert category_of("DELETE", "/v1/webhooks/1") == "webhook"
    assert all(is_nt24_path(p) for p in ("/v1/me", "/v1/partners/x", "/v1/webhooks"))
    assert not any(is_nt24_path(p) for p in ("/v1/api/users/", "/v1/meals", "/v1/webhooksx"))


def test_request_fingerprints():
    def multipart(boundary: str, content: bytes) -> tuple[str, bytes]:
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
                f"Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return f'multipart/form-data; boundary="{boundary}"', body

    base = request_fingerprint("POST", "/v1/partners/x/things", "application/json", b'{"a":1}')
    assert base == request_fingerprint(
        "post", "/v1/partners/x/things", "application/json; charset=utf-8", b'{"a":1}'
    )
    assert base != request_fingerprint(
        "POST", "/v1/partners/x/things", "application/json", b'{"a": 1}'
    )
    assert base != request_fingerprint(
        "PATCH", "/v1/partners/x/things", "application/json", b'{"a":1}'
    )
    assert base != request_fingerprint(
        "POST", "/v1/partners/y/things", "application/json", b'{"a":1}'
    )
    one = request_fingerprint("POST", "/u", *multipart("b1", b"%PDF-1"))
    assert one == request_fingerprint("POST", "/u", *multipart("another-boundary", b"%PDF-1"))
    assert one != request_fingerprint("POST", "/u", *multipart("b1", b"%PDF-2"))


def test_what_is_stored():
    for started in (False, True):
        assert all(storable(s, started) for s in (200, 201, 204, 304))
        assert not any(storable(s, started) for s in (429, 500, 503))
    # a 4xx only once the command ran: before, it changed nothing and the key is free again
    assert all(storable(s, True) for s in (400, 404, 409, 422))
    assert not any(storable(s, False) for s in (400, 403, 404, 409, 422))


def test_sort_parsing():
    fields = ("createdAt", "name")
    assert parse_sort("name", fields) == Sort("name")
    assert parse_sort("createdAt,DESC", fields) == Sort("createdAt", descending=True)
    for bad in ("colour", "name,up", ",asc"):
        with pytest.raises(Problem) as refused:
            parse_sort(bad, fields)
        assert refused.value.status == 422 and refused.value.errors[0]["field"] == "sort"


async def test_keys_work_on_sqlite(tmp_path: Path):
    # (rate-limit windows are not in the database any more: tests/test_read_path.py)
    url = f"sqlite+aiosqlite:///{tmp_path / 'nt24.db'}"
    await upgrade_async(url)
    sqlite_db = Database(url)
    try:
        org = await new_organization(sqlite_db)
        moment, hour = utcnow(), timedelta(hours=1)
        first = await claim_key(sqlite_db, org.id, "k", "s" * 64, "f" * 64, moment, hour)
        assert first is not None
        assert await claim_key(sqlite_db, org.id, "k", "s" * 64, "f" * 64, moment, hour) is None
        await release_key(sqlite_db, first)
        second = await claim_key(sqlite_db, org.id, "k", "s" * 64, "f" * 64, moment, hour)
        assert second is not None
        await store_answer(sqlite_db, second, 201, {"etag": '"0"'}, b"{}")
        record = await live_record(sqlite_db, org.id, "k", "s" * 64, moment, hour)
        assert record is not None and record.response_status == 201
        later = moment + timedelta(hours=25)
        assert await live_record(sqlite_db, org.id, "k", "s" * 64, later, hour) is None
        assert await claim_key(sqlite_db, org.id, "k", "s" * 64, "e" * 64, later, hour) is None
        assert (
            await reclaim_key(sqlite_db, org.id, "k", "s" * 64, "e" * 64, later, hour) is not None
        )
        assert await reclaim_key(sqlite_db, org.id, "k", "s" * 64, "e" * 64, later, hour) is None
    finally:
        await sqlite_db.dispose()
