"""Attacks on credentials and tokens, over HTTP (docs/security.md).

Guessing client secrets and passwords, tokens that are not ours, API clients taken away, and
secrets read from the database. The throttle's own API process runs with low thresholds;
requests come from several loopback addresses (127.0.0.2, 127.0.0.3) as from other machines.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
import pytest_asyncio
from sqlalchemy import select, text
from temporalio.testing import WorkflowEnvironment

import admin
from api.main import create_app
from api.nt24.identity.oauth import signing_key
from api.nt24.identity.principal_cache import POLL_SECONDS
from settings import Settings, get_settings, new_key_setting
from store import secrets_box
from store.db import Database
from store.identity import identity
from store.models import ApiClient, WebhookEndpoint
from store.web import AuditEntry
from tests.conftest import Stack, make_api_tenant, serving, settings_for_tests

TOKEN_PATH = "/realms/nt24-idp/protocol/openid-connect/token"
ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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
        wait = int(refused.headers["retry-after"])
        assert wait >= 1
        # the moment NOTYD's clients read: an HTTP date, as far ahead as Retry-After
        reset = parsedate_to_datetime(refused.headers["x-rate-limit-reset"])
        assert reset.tzinfo is not None
        ahead = (reset - datetime.now(UTC)).total_seconds()
        assert wait - 2 <= ahead <= wait + 1
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


# --- API clients taken away -------------------------------------------------------------------


async def _token(stack: Stack, client_id: str, secret: str) -> httpx.Response:
    async with stack.http() as http:
        return await http.post(TOKEN_PATH, data=_client_form(client_id, secret))


async def _me(stack: Stack, token: str) -> int:
    async with stack.http(token) as http:
        return (await http.get("/v1/me")).status_code


def _cli(monkeypatch: pytest.MonkeyPatch, pg_url: str, *argv: str) -> int:
    monkeypatch.setenv("NT24_DATABASE_URL", pg_url)
    get_settings.cache_clear()
    try:
        return admin.main(["--no-migrate", *argv])
    finally:
        get_settings.cache_clear()


async def _audit(stack: Stack, client_id: str) -> list[tuple[str, str]]:
    async with stack.db.session() as session:
        rows = await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.startswith("api_client."))
            .order_by(AuditEntry.id)
        )
        return [
            (row.action, row.username)
            for row in rows
            if client_id in str(row.after) or row.object_id == client_id
        ]


async def test_nt24_admin_disables_enables_and_deletes_a_client_and_its_tokens_stop_at_once(
    stack: Stack, pg_url: str, monkeypatch: pytest.MonkeyPatch
):
    tenant = await make_api_tenant(stack.db)
    old = (await _token(stack, tenant.client_id, tenant.client_secret)).json()["access_token"]
    assert await _me(stack, old) == 200  # verified and cached by the API process

    run = asyncio.to_thread
    assert await run(_cli, monkeypatch, pg_url, "disable-api-client", tenant.client_id) == 0
    assert await _me(stack, old) == 401  # at once, not when it expires
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 401

    await asyncio.sleep(1)  # tokens carry whole seconds: one of the disable's second is refused
    assert await run(_cli, monkeypatch, pg_url, "enable-api-client", tenant.client_id) == 0
    assert await _me(stack, old) == 401  # a token of before the disable stays refused
    new = (await _token(stack, tenant.client_id, tenant.client_secret)).json()["access_token"]
    assert await _me(stack, new) == 200

    assert await run(_cli, monkeypatch, pg_url, "delete-api-client", tenant.client_id) == 0
    assert await _me(stack, new) == 401
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 401
    # deleted for good: not enabled again, its id not given to another client
    assert await run(_cli, monkeypatch, pg_url, "enable-api-client", tenant.client_id) == 2
    assert [a for a, _ in await _audit(stack, tenant.client_id)] == [
        "api_client.disable",
        "api_client.enable",
        "api_client.delete",
    ]


async def test_a_client_disabled_by_nt24_admin_in_its_own_process_stops_within_a_second(
    stack: Stack, pg_url: str
):
    """``nt24-admin`` as the operator runs it: a process of its own on the same database, with
    no Redis between it and the API (the stack counts in memory). The API process finds the
    change through the database's auth generation, which it reads at most every
    ``POLL_SECONDS``: the token it had cached is refused within that much of the commit."""
    assert stack.settings.rate_limit_storage == "memory://"
    tenant = await make_api_tenant(stack.db)
    old = (await _token(stack, tenant.client_id, tenant.client_secret)).json()["access_token"]
    assert await _me(stack, old) == 200  # verified and cached by the API process
    assert await _me(stack, old) == 200

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "admin.py",
        "--no-migrate",
        "disable-api-client",
        tenant.client_id,
        cwd=Path(admin.__file__).resolve().parent,
        env=os.environ | {"NT24_DATABASE_URL": pg_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    committed = time.monotonic()  # the process has ended: its transaction has committed
    assert process.returncode == 0, err.decode()
    assert b"its tokens stopped working" in out

    answers = []
    while (answer := await _me(stack, old)) != 401:
        answers.append(answer)
        assert time.monotonic() - committed < POLL_SECONDS + 0.5, answers  # + the calls' time
        await asyncio.sleep(0.05)
    assert set(answers) <= {200}
    assert await _me(stack, old) == 401
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 401


async def test_rotate_secret_keeps_the_old_one_for_the_grace_the_operator_chooses(
    stack: Stack, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    tenant = await make_api_tenant(stack.db)
    run = asyncio.to_thread

    async def rotate(grace: str) -> str:
        argv = ("rotate-secret", tenant.client_id, "--grace", grace)
        assert await run(_cli, monkeypatch, pg_url, *argv) == 0
        return capsys.readouterr().out.split("client_secret ")[-1].split()[0]

    first = await rotate("1h")
    # the secret before works beside the new one for the hour
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 200
    assert (await _token(stack, tenant.client_id, first)).status_code == 200
    second = await rotate("0")
    assert (await _token(stack, tenant.client_id, first)).status_code == 401  # at once
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 401
    assert (await _token(stack, tenant.client_id, second)).status_code == 200
    assert [a for a, _ in await _audit(stack, tenant.client_id)] == ["api_client.rotate"] * 2


async def test_the_web_app_disables_rotates_and_deletes_clients_and_audits_each(stack: Stack):
    tenant = await make_api_tenant(stack.db)
    username, password = f"staff-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        await identity.create_user(session, username, password, is_staff=True)
    token = (await _token(stack, tenant.client_id, tenant.client_secret)).json()["access_token"]
    assert await _me(stack, token) == 200
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as web:
        login = await web.get("/app/login")
        csrf = CSRF.search(login.text)[1]  # type: ignore[index]
        signed = await web.post(
            "/app/login", data={"csrf_token": csrf, "username": username, "password": password}
        )
        assert signed.status_code == 303
        page = await web.get(f"/app/admin/organizations/{tenant.org.uuid}")
        csrf = CSRF.search(page.text)[1]  # type: ignore[index]
        assert "/client-disable" in page.text

        async def act(action: str, **form: str) -> httpx.Response:
            return await web.post(
                f"/app/admin/organizations/{tenant.org.uuid}/{action}",
                data={"csrf_token": csrf, "clientId": tenant.client_id} | form,
            )

        assert (await act("client-disable")).status_code == 303
        assert await _me(stack, token) == 401
        await asyncio.sleep(1)  # tokens carry whole seconds
        assert (await act("client-enable")).status_code == 303
        rotated = await act("rotate", graceHours="0")
        assert rotated.status_code == 200
        assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 401
        assert (await act("client-delete")).status_code == 303
        assert f'value="{tenant.client_id}"' not in (await web.get(page.url)).text
    assert await _audit(stack, tenant.client_id) == [
        ("api_client.disable", username),
        ("api_client.enable", username),
        ("api_client.rotate", username),
        ("api_client.delete", username),
    ]


# --- secrets read from the database -----------------------------------------------------------


async def test_client_secrets_are_argon2_and_an_old_digest_is_rehashed_at_its_next_use(
    stack: Stack,
):
    tenant = await make_api_tenant(stack.db)
    async with stack.db.transaction() as session:
        row = await session.scalar(select(ApiClient).where(ApiClient.client_id == tenant.client_id))
        assert row is not None and row.secret_hash.startswith("$argon2id$")
        assert tenant.client_secret not in row.secret_hash
        # as migration 0016 leaves a client of before: its SHA-256 digest
        digest = hashlib.sha256(tenant.client_secret.encode()).hexdigest()
        row.secret_hash = f"sha256${digest}"
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 200
    async with stack.db.session() as session:
        row = await session.scalar(select(ApiClient).where(ApiClient.client_id == tenant.client_id))
        assert row is not None and row.secret_hash.startswith("$argon2id$")
    assert (await _token(stack, tenant.client_id, tenant.client_secret)).status_code == 200
    assert (await _token(stack, tenant.client_id, digest)).status_code == 401


async def test_user_passwords_are_argon2(stack: Stack):
    username, password = f"user-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        org = await identity.create_organization(session, f"Org {uuid4().hex[:8]}")
        user = await identity.create_user(session, username, password, organization=org)
        assert user.password_hash.startswith("$argon2id$")
        assert password not in user.password_hash


async def _raw_secret(stack: Stack, public_id: str) -> str:
    async with stack.db.session() as session:
        return (
            await session.execute(
                text("SELECT secret FROM webhook_endpoints WHERE public_id = :id"),
                {"id": public_id},
            )
        ).scalar_one()


async def test_webhook_secrets_are_encrypted_at_rest_and_rotate_with_the_key(
    stack: Stack, pg_url: str, monkeypatch: pytest.MonkeyPatch
):
    tenant = await make_api_tenant(stack.db)
    token = (await _token(stack, tenant.client_id, tenant.client_secret)).json()["access_token"]
    async with stack.http(token) as http:
        created = await http.post(
            "/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hooks", "events": ["compliance.*"]},
            headers={"Idempotency-Key": uuid4().hex},
        )
    assert created.status_code == 201, created.text
    public_id, secret = created.json()["id"], created.json()["secret"]
    stored = await _raw_secret(stack, public_id)
    # a database dump shows neither the secret nor its base64 key
    assert stored.startswith("enc1:") and secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    async with stack.db.session() as session:  # the platform reads it back to sign
        row = await session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id)
        )
        assert row is not None and row.secret == secret
    # bound to its column: the same ciphertext does not open as another purpose
    with pytest.raises(secrets_box.SecretsKeyError):
        secrets_box.decrypt(stored, "another.column")

    # a row of before the encryption (in clear) is read, and encrypted by reencrypt-secrets
    async with stack.db.transaction() as session:
        await session.execute(
            text("UPDATE webhook_endpoints SET secret = :s WHERE public_id = :id"),
            {"s": secret, "id": public_id},
        )
    async with stack.db.session() as session:
        row = await session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id)
        )
        assert row is not None and row.secret == secret
    assert await asyncio.to_thread(_cli, monkeypatch, pg_url, "reencrypt-secrets") == 0
    assert secrets_box.key_id_of(await _raw_secret(stack, public_id)) == secrets_box.current_kid()

    # a new key put first: reencrypt-secrets moves every secret to it; the old key can go
    old = stack.settings.effective_secrets_key
    new = new_key_setting(f"k{uuid4().hex[:8]}")
    try:
        secrets_box.configure(f"{new},{old}")
        assert await asyncio.to_thread(_cli, monkeypatch, pg_url, "reencrypt-secrets") == 0
        stored = await _raw_secret(stack, public_id)
        assert secrets_box.key_id_of(stored) == new.partition(":")[0]
        assert secrets_box.decrypt(stored, "webhook_endpoints.secret") == secret
    finally:
        secrets_box.configure(old)
        assert await asyncio.to_thread(_cli, monkeypatch, pg_url, "reencrypt-secrets") == 0


def test_production_refuses_to_start_without_the_secrets_key(tmp_path: Path):
    settings = Settings(environment="production", data_dir=tmp_path, _env_file=None)
    assert "NT24_SECRETS_KEY" in settings.missing_production_secrets()
    with pytest.raises(RuntimeError, match="NT24_SECRETS_KEY"):
        _ = settings.effective_secrets_key
    with pytest.raises(ValueError):
        secrets_box.parse_keys("k1:" + "A" * 10)  # not 32 bytes
    keyed = settings.model_copy(update={"secrets_key": new_key_setting("k1")})
    assert "NT24_SECRETS_KEY" not in keyed.missing_production_secrets()
