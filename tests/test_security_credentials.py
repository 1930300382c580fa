"""Attacks on credentials and tokens, over HTTP (docs/security.md).

Guessing client secrets and passwords, tokens that are not ours, API clients taken away, and
secrets read from the database. The throttle's own API process runs with low thresholds;
requests come from several loopback addresses (127.0.0.2, 127.0.0.3) as from other machines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.oauth import signing_key
from store import identity
from store.db import Database
from tests.conftest import Stack, make_api_tenant, serving, settings_for_tests

TOKEN_PATH = "/realms/nt24-idp/protocol/openid-connect/token"
ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"


class Throttled:
    """An API process of its own, its thresholds lowered for a quick test, its first wait
    long enough (30 s) that a slow test machine does not see it end."""

    def __init__(self, base_url: str, db: Database, settings: Any) -> None:
        self.base_url = base_url
        self.db = db
        self.settings = settings

    def http(self, address: str = ATTACKER, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.AsyncHTTPTransport(local_address=address)
        return httpx.AsyncClient(
            base_url=self.base_url, transport=transport, headers=headers, timeout=30
        )


@asynccontextmanager
async def throttled_api(
    pg_url: str, db: Database, env: WorkflowEnvironment, **overrides: Any
) -> AsyncIterator[Throttled]:
    settings = settings_for_tests(
        pg_url,
        login_throttle_pair_failures=5,
        login_throttle_address_failures=12,
        login_throttle_account_failures=9,
        **({"login_throttle_first_delay": timedelta(seconds=30)} | overrides),
    )
    app = create_app(settings, db=db, temporal_client=env.client)
    async with serving(app) as base_url:
        yield Throttled(base_url, db, settings)


@pytest_asyncio.fixture(loop_scope="session")
async def api(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
) -> AsyncIterator[Throttled]:
    async with throttled_api(pg_url, db, dev_server) as running:
        yield running


def _client_form(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


# --- guessing client secrets and passwords -----------------------------------------------------


async def test_guessing_a_client_secret_is_slowed_down_but_the_owner_elsewhere_gets_in(
    api: Throttled,
):
    tenant = await make_api_tenant(api.db)
    async with api.http(ATTACKER) as attacker:
        answers = await asyncio.gather(
            *(
                attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "guess"))
                for _ in range(60)
            )
        )
        statuses = [a.status_code for a in answers]
        # what used to be 60 times 401: a handful of tries, then 429 with Retry-After
        assert statuses.count(401) <= 5 + 1, statuses
        assert statuses.count(429) >= 50
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["error"] == "temporarily_unavailable"
        assert int(refused.headers["retry-after"]) >= 1
        # even the right secret waits while the attacker's address does
        right = await attacker.post(
            TOKEN_PATH, data=_client_form(tenant.client_id, tenant.client_secret)
        )
        assert right.status_code == 429
    # the real owner, from its own address, is not slowed down by them
    async with api.http(OWNER) as owner:
        answer = await owner.post(
            TOKEN_PATH, data=_client_form(tenant.client_id, tenant.client_secret)
        )
    assert answer.status_code == 200, answer.text


async def test_each_failure_past_the_threshold_doubles_the_wait(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    tenant = await make_api_tenant(db)
    waits = []
    async with (
        throttled_api(
            pg_url, db, dev_server, login_throttle_first_delay=timedelta(seconds=1)
        ) as api,
        api.http(ATTACKER) as attacker,
    ):
        for _ in range(5):
            answer = await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
            assert answer.status_code == 401
        for _ in range(3):
            refused = await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
            assert refused.status_code == 429
            wait = int(refused.headers["retry-after"])
            waits.append(wait)
            await asyncio.sleep(wait + 0.05)
            # the wait is over: one more try is looked at (and fails again)
            answer = await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
            assert answer.status_code == 401
    assert waits == [1, 2, 4]


async def test_many_addresses_guessing_one_client_meet_its_higher_threshold(api: Throttled):
    tenant = await make_api_tenant(api.db)
    for address in ("127.0.0.4", "127.0.0.5"):
        async with api.http(address) as attacker:
            for _ in range(4):  # below each pair's threshold
                answer = await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
                assert answer.status_code == 401
    async with api.http("127.0.0.6") as attacker:
        assert (
            await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
        ).status_code == 401  # the ninth failure for this client, from any address
        refused = await attacker.post(TOKEN_PATH, data=_client_form(tenant.client_id, "x"))
    assert refused.status_code == 429


async def test_spraying_many_clients_from_one_address_is_slowed_down(api: Throttled):
    async with api.http("127.0.0.7") as attacker:
        statuses = [
            (
                await attacker.post(TOKEN_PATH, data=_client_form(f"api-client-{uuid4().hex}", "x"))
            ).status_code
            for _ in range(14)
        ]
    assert statuses[:12] == [401] * 12 and statuses[12:] == [429, 429], statuses


async def test_notyd_token_and_refresh_are_throttled(api: Throttled):
    username, password = f"user-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with api.db.transaction() as session:
        org = await identity.create_organization(session, f"Org {uuid4().hex[:8]}")
        await identity.create_user(session, username, password, organization=org)
    async with api.http("127.0.0.8") as attacker:
        statuses = [
            (
                await attacker.post("/v1/api/token/", json={"username": username, "password": "x"})
            ).status_code
            for _ in range(7)
        ]
        assert statuses == [401] * 5 + [429] * 2
        refused = await attacker.post(
            "/v1/api/token/", json={"username": username, "password": password}
        )
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
    async with api.http(OWNER) as owner:
        pair = await owner.post("/v1/api/token/", json={"username": username, "password": password})
        assert pair.status_code == 200, pair.text
        refresh = pair.json()["refresh"]
    async with api.http("127.0.0.9") as forger:
        forged = [
            (await forger.post("/v1/api/refresh/", json={"refresh": f"{refresh[:-3]}abc"}))
            for _ in range(14)
        ]
        assert [f.status_code for f in forged[:12]] == [401] * 12
        assert {f.status_code for f in forged[12:]} == {429}
        assert "retry-after" in forged[-1].headers
    async with api.http(OWNER) as owner:
        fresh = await owner.post("/v1/api/refresh/", json={"refresh": refresh})
    assert fresh.status_code == 200


async def _web_login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await http.get("/app/login")  # its double-submit cookie stays in the client
    csrf = form.cookies["nt24_login_csrf"]
    return await http.post(
        "/app/login", data={"username": username, "password": password, "csrf_token": csrf}
    )


async def test_web_login_slows_down_one_address_and_never_locks_the_account(api: Throttled):
    username, password = f"staff-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with api.db.transaction() as session:
        await identity.create_user(session, username, password, is_staff=True)
    async with api.http("127.0.0.10") as attacker:
        statuses = [(await _web_login(attacker, username, "wrong")).status_code for _ in range(30)]
        # the pair waits after 5 failures; its tries do not count on while it waits
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
        refused = await _web_login(attacker, username, password)
        assert refused.status_code == 429 and "retry-after" in refused.headers
        assert "nt24_session" not in refused.cookies
    # what used to lock the user out for everyone: the owner signs in from elsewhere at once
    async with api.http(OWNER) as owner:
        signed_in = await _web_login(owner, username, password)
    assert signed_in.status_code == 303, signed_in.text
    assert "nt24_session" in signed_in.cookies


async def test_web_login_slows_down_an_address_trying_many_accounts(api: Throttled):
    async with api.http("127.0.0.11") as attacker:
        statuses = [
            (await _web_login(attacker, f"nobody-{n}", "wrong")).status_code for n in range(14)
        ]
    assert statuses[:12] == [401] * 12 and statuses[12:] == [429, 429], statuses


# --- tokens that are not ours ---------------------------------------------------------------


async def test_tokens_with_a_foreign_audience_issuer_or_algorithm_or_times_are_refused(
    stack: Stack,
):
    tenant = await make_api_tenant(stack.db)
    settings = stack.settings
    key = signing_key(settings)
    now = int(datetime.now(UTC).timestamp())
    good = {
        "iss": settings.effective_oauth_issuer,
        "aud": settings.oauth_audience,
        "sub": tenant.client_id,
        "azp": tenant.client_id,
        "iat": now,
        "exp": now + 300,
    }

    def signed(claims: dict[str, Any], **drop: bool) -> str:
        claims = {k: v for k, v in claims.items() if k not in drop}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    public_pem = key.private_key.public_key().public_bytes(*_pem_public())
    attacks = {
        "foreign audience": signed(good | {"aud": "some-other-api"}),
        "no audience": signed(good, aud=True),
        "foreign issuer": signed(good | {"iss": "https://idp.example/realms/other"}),
        "no expiry": signed(good, exp=True),
        "expired": signed(good | {"iat": now - 900, "exp": now - 600}),
        "not yet valid": signed(good | {"nbf": now + 600}),
        "issued in the future": signed(good | {"iat": now + 600, "exp": now + 900}),
        "alg none": jwt.encode(good, None, algorithm="none"),
        "HS256 with the public key": _hs256_with(good, public_pem),
    }
    async with stack.http(signed(good)) as http:
        assert (await http.get("/v1/me")).status_code == 200
    for attack, token in attacks.items():
        async with stack.http(token) as http:
            answer = await http.get("/v1/me")
        assert answer.status_code == 401, attack
        assert answer.json()["type"].endswith("/unauthorized"), attack


def _pem_public() -> tuple[Any, Any]:
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo


def _hs256_with(claims: dict[str, Any], secret: bytes) -> str:
    # pyjwt refuses a PEM key as an HMAC secret: sign by hand, as an attacker would
    import base64
    import hashlib
    import hmac
    import json

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(mac)}"
