"""Attacks on the web app's headers and sessions, on outbound calls (SSRF) and on uploads and
downloads, over HTTP against the running stack (docs/security.md). The CSP is also attacked in
a browser here; every browser test of tests/test_web_app.py fails on a CSP violation.

A second API process in production mode (same database and Temporal) shows what production
refuses that dev and test allow: loopback receivers, and HSTS on every answer.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from activities.kept_alive import KeptAliveClients
from activities.webhooks.delivery import NOTYD_EVENT, Target, WebhookActivities, vet_target
from api.main import create_app
from settings import Settings, new_key_setting
from store.db import Database
from store.identity import identity
from store.models import User, WebhookDelivery, WebhookEndpoint, utcnow
from store.web import WebSession, _digest
from tests.conftest import Stack, client_token, make_api_tenant, serving
from tests.order_flow import OrderClient, key, pdf, seller_session, seller_today
from tests.test_documents import make_object_stream_pdf, make_pdf
from tests.test_payment_orders import make_seller, order_request
from tests.test_webhooks import deliveries, fire_test, register, until
from workflows.buyers.rules.kyc import REQUIRED_DOCUMENTS

TEMPLATES = Path(__file__).parent.parent / "api" / "web" / "templates"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


# ----- a production API beside the test stack -----


def production_settings(settings: Settings) -> Settings:
    """The stack's settings in production mode, each secret production requires filled in."""
    production = settings.model_copy(update={"environment": "production"})
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    fill: dict[str, Any] = {}
    for name in production.missing_production_secrets():
        field = name.removeprefix("NT24_").lower()
        if "PEM" in name:
            fill[field] = pem
        elif name in ("NT24_SECRETS_KEY", "NT24_PAYLOAD_KEYS"):
            fill[field] = new_key_setting("test")  # kid:base64key
        else:
            fill[field] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return production.model_copy(update=fill)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def production(stack: Stack) -> AsyncIterator[Stack]:
    settings = production_settings(stack.settings)
    app = create_app(settings, db=stack.db, temporal_client=stack.client)
    async with serving(app) as base:
        yield Stack(base, settings, stack.db, stack.client)


# ----- headers -----


def directives(policy: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


async def test_every_page_and_api_answer_carries_the_security_headers(
    stack: Stack, production: Stack
) -> None:
    async with stack.http() as http:
        login = await http.get("/app/login")
        api = await http.get("/v1/me")  # 401, a problem
        notyd = await http.get("/v1/api/users/")
        static = await http.get("/app/static/app.js")
    assert login.status_code == 200 and api.status_code == 401
    policy = directives(login.headers["content-security-policy"])
    assert policy["script-src"] == "'self'" and "unsafe" not in policy["style-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'"
    for answer in (login, api, notyd):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in answer.headers  # plain http in test
    assert directives(api.headers["content-security-policy"])["default-src"] == "'none'"
    assert static.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in static.headers.get("cache-control", "")
    # the buyer's payment page keeps its own, stricter policy (seller origins in form-action)
    async with production.http() as http:
        for path in ("/app/login", "/v1/me", "/healthz"):
            answer = await http.get(path)
            assert answer.headers["strict-transport-security"].startswith("max-age="), path


def test_no_template_runs_inline_script_or_style() -> None:
    """The CSP forbids inline script: no template may need it (it would break silently)."""
    for template in sorted(TEMPLATES.glob("*.html")):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), template.name
        assert not re.search(r"\son[a-z]+\s*=", html), template.name  # onclick=...
        assert "javascript:" not in html.lower(), template.name
        assert "<style" not in html and " style=" not in html, template.name


# ----- the CSP in a browser -----

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.mark.e2e
async def test_the_browser_refuses_injected_script_and_framing(stack: Stack) -> None:
    from playwright.async_api import async_playwright

    path = os.environ.get("NT24_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is missing: run the tests through scripts/test, which installs it")
    username, password = f"staff-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        await identity.create_user(session, username, password, is_staff=True)
    framer = FastAPI()  # another site that frames the web app

    @framer.get("/")
    async def frame() -> Response:
        page = f'<iframe id="app" src="{stack.base_url}/app/login"></iframe>'
        return Response(page, media_type="text/html")

    async with async_playwright() as playwright, serving(framer) as evil:
        browser = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=stack.base_url)
        page = await context.new_page()
        messages: list[str] = []
        page.on("console", lambda m: messages.append(m.text))
        await page.goto("/app/login")
        # a stored XSS that got into a page: an inline script never runs
        await page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.pwned = true'; document.body.append(s); }"""
        )
        assert await page.evaluate("() => window.pwned === undefined")
        # nor an event handler attribute
        await page.evaluate(
            """() => { const d = document.createElement('div');
                       d.innerHTML = '<img src=x onerror="window.pwned2 = true">';
                       document.body.append(d); }"""
        )
        await asyncio.sleep(0.3)
        assert await page.evaluate("() => window.pwned2 === undefined")
        assert any("Content Security Policy" in m for m in messages), messages
        # the app's own script runs: its confirmations are wired up
        assert await page.evaluate("() => document.scripts[0].src.endsWith('/app/static/app.js')")
        # framed by another site: the browser shows nothing of it (clickjacking)
        framed = await context.new_page()
        await framed.goto(evil)
        await asyncio.sleep(0.5)
        inner = framed.frames[1] if len(framed.frames) > 1 else None
        assert inner is None or "Sign in" not in await inner.content()
        await browser.close()


# ----- sessions -----


async def web_login(http: httpx.AsyncClient, username: str, password: str) -> str:
    """Sign in through the form; the session cookie's token."""
    form = await http.get("/app/login")
    token = TOKEN.search(form.text)
    assert token, form.text
    answer = await http.post(
        "/app/login", data={"csrf_token": token[1], "username": username, "password": password}
    )
    assert answer.status_code == 303, answer.text
    return answer.cookies["nt24_session"]


async def opens(stack: Stack, session_token: str) -> bool:
    """Whether the session token opens a page (not the login)."""
    async with httpx.AsyncClient(
        base_url=stack.base_url, cookies={"nt24_session": session_token}
    ) as http:
        answer = await http.get("/app/dashboard")
    return answer.status_code == 200


async def staff(stack: Stack) -> tuple[str, str]:
    username, password = f"staff-{uuid4().hex[:8]}", f"pw-{uuid4().hex}"
    async with stack.db.transaction() as session:
        await identity.create_user(session, username, password, is_staff=True)
    return username, password


async def test_login_issues_a_new_session_id_and_logout_ends_it_on_the_server(
    stack: Stack,
) -> None:
    username, password = await staff(stack)
    async with stack.http() as http:
        # session fixation: an attacker plants a token of their own choosing before the login
        http.cookies.set("nt24_session", "planted-by-the-attacker", path="/")
        first = await web_login(http, username, password)
        assert first != "planted-by-the-attacker" and await opens(stack, first)
        second = await web_login(http, username, password)  # signing in again: a new id
        assert second != first
        assert not await opens(stack, first)  # the session it replaced is gone
        page = await http.get("/app/dashboard")
        await http.post("/app/logout", data={"csrf_token": TOKEN.search(page.text)[1]})
    # a stolen copy of the cookie is worthless after logout: the server forgot the session
    assert not await opens(stack, second)
    async with stack.db.session() as session:
        assert (
            await session.scalar(
                select(WebSession).where(WebSession.token_sha256 == _digest(second))
            )
            is None
        )


async def test_a_username_longer_lowered_is_a_wrong_login_not_a_500(stack: Stack) -> None:
    """A failed login is recorded under the lowered username: "İ" lowers to two characters,
    and 100 of them were 200, past the column's 150, and the record failed as a 500."""
    async with stack.http() as http:
        form = await http.get("/app/login")
        token = TOKEN.search(form.text)
        assert token, form.text
        answer = await http.post(
            "/app/login",
            data={"csrf_token": token[1], "username": "\u0130" * 100, "password": "x" * 12},
        )
    assert answer.status_code == 401, answer.text
    assert "Wrong username or password." in answer.text


async def test_sessions_end_after_the_idle_and_the_absolute_timeout(stack: Stack) -> None:
    username, password = await staff(stack)
    async with stack.http() as one, stack.http() as two:
        idle, busy = (
            await web_login(one, username, password),
            await web_login(two, username, password),
        )
    settings = stack.settings
    assert await opens(stack, idle) and await opens(stack, busy)
    async with stack.db.transaction() as session:
        row = await session.scalar(
            select(WebSession).where(WebSession.token_sha256 == _digest(idle))
        )
        assert row is not None and row.expires_at <= utcnow() + settings.web_session_ttl
        row.expires_at = utcnow() - timedelta(seconds=1)  # idle too long
        row = await session.scalar(
            select(WebSession).where(WebSession.token_sha256 == _digest(busy))
        )
        assert row is not None
        # in use all along (idle expiry in the future), but logged in long ago
        row.created_at = utcnow() - settings.web_session_absolute_ttl - timedelta(seconds=1)
    assert not await opens(stack, idle)
    assert not await opens(stack, busy)


async def test_a_password_reset_ends_every_session_of_the_user(stack: Stack) -> None:
    username, password = await staff(stack)
    async with stack.http() as one, stack.http() as two:
        sessions = [
            await web_login(one, username, password),
            await web_login(two, username, password),
        ]
    assert all([await opens(stack, s) for s in sessions])
    async with stack.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == username))
        assert user is not None
        await identity.reset_password(session, user, "a-new-password-1")
        left = await session.scalars(select(WebSession).where(WebSession.user_id == user.id))
        assert list(left) == []
    assert not any([await opens(stack, s) for s in sessions])


def set_cookie(answer: httpx.Response, name: str) -> str:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, answer.headers
    return found[0]


async def test_the_flash_cookie_is_secure_where_the_session_cookie_is(
    stack: Stack, production: Stack
) -> None:
    """The one-time message after a form (``nt24_flash``) is set and cleared Secure in
    production, like the session cookie; plain http in test keeps both usable there."""
    username, password = await staff(stack)
    for served, secure in ((stack, False), (production, True)):
        # cookies sent by hand: a client keeps a Secure one to itself over plain http
        async with httpx.AsyncClient(base_url=served.base_url) as http:
            form = await http.get("/app/login")
            token = TOKEN.search(form.text)
            assert token, form.text
            login = await http.post(
                "/app/login",
                data={"csrf_token": token[1], "username": username, "password": password},
                headers={"cookie": set_cookie(form, "nt24_login_csrf").split(";")[0]},
            )
        session = set_cookie(login, "nt24_session")
        assert ("; secure" in session.lower()) is secure, session
        cookie = {"cookie": session.split(";")[0]}
        async with httpx.AsyncClient(base_url=served.base_url, headers=cookie) as web:
            page = await web.get("/app/admin/staff")
            created = await web.post(
                "/app/admin/staff",
                data={
                    "csrf_token": TOKEN.search(page.text)[1],  # type: ignore[index]
                    "username": f"staff-{uuid4().hex[:8]}",
                    "password": "p" * 12,
                },
            )
            assert created.status_code == 303, created.text
            flash = set_cookie(created, "nt24_flash")
            assert ("; secure" in flash.lower()) is secure and "; httponly" in flash.lower()
            shown = await web.get(
                "/app/admin/staff", headers={"cookie": f"{cookie['cookie']}; {flash.split(';')[0]}"}
            )
            assert "Staff user staff-" in shown.text
            cleared = set_cookie(shown, "nt24_flash")  # shown once, then deleted
            assert ("; secure" in cleared.lower()) is secure, cleared


# ----- outbound calls (SSRF) -----

INTERNAL = [
    "https://127.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "https://10.1.2.3/hook",
    "https://100.64.0.1/hook",  # shared address space (CGNAT)
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "https://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "https://[64:ff9b:1::a00:1]/hook",  # a network's local NAT64 prefix
    "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    "https://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
    "https://[::a00:1]/hook",  # IPv4-compatible 10.0.0.1
    "https://[::7f00:1]/hook",  # IPv4-compatible 127.0.0.1
    "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo
    "https://[fec0::1]/hook",  # site-local
    "https://[fd00::1]/hook",  # unique local
    "https://[fe80::1%25eth0]/hook",  # link-local with a zone
    "https://[ff02::1]/hook",  # multicast
]
PUBLIC = [
    "https://93.184.215.14/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://[64:ff9b::5db8:d70e]/hook",  # NAT64 of a public address
    "https://[2002:5db8:d70e::1]/hook",  # 6to4 of a public address
]


@pytest.mark.parametrize("url", INTERNAL)
async def test_production_refuses_internal_addresses_in_every_form(url: str) -> None:
    production = Settings(environment="production")
    assert (await vet_target(url, production)).problem, url


async def test_production_accepts_public_addresses() -> None:
    production = Settings(environment="production")
    for url in PUBLIC:
        assert (await vet_target(url, production)).problem is None, url
    # dev and test deliver to loopback receivers over plain http
    assert (
        await vet_target("http://127.0.0.1:9/hook", Settings(environment="test"))
    ).problem is None


async def test_webhook_registration_refuses_internal_addresses_over_http(production: Stack) -> None:
    tenant = await make_api_tenant(production.db)
    token = await client_token(production, tenant)
    async with production.http(token) as http:
        for url in ("https://[64:ff9b::a9fe:a9fe]/hook", "https://[2002:a00:1::1]/hook"):
            answer = await http.post(
                "/v1/webhooks", json={"url": url, "events": ["kyc.*"]}, headers=key()
            )
            assert answer.status_code == 422, (url, answer.text)
            assert [e["field"] for e in answer.json()["errors"]] == ["url"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"webhook_urls": {"webhook_url": "https://[::ffff:127.0.0.1]/x"}},
            "webhook_urls.webhook_url",
        ),
        (
            {"webhook_urls": {"webhook_url": "https://[64:ff9b::a00:1]/x"}},
            "webhook_urls.webhook_url",
        ),
        ({"webhook_urls": {"webhook_url": "http://127.0.0.1:8000/x"}}, "webhook_urls.webhook_url"),
        # plain http is allowed for the status webhook, an internal host over it is not
        ({"webhook_urls": {"webhook_url": "http://10.0.0.7/x"}}, "webhook_urls.webhook_url"),
        (
            {"webhook_urls": {"webhook_url": "http://[::ffff:169.254.169.254]/x"}},
            "webhook_urls.webhook_url",
        ),
        (
            {"webhook_urls": {"webhook_url": "https://u:p@93.184.215.14/"}},
            "webhook_urls.webhook_url",
        ),
        # seller_urls are not here: the platform never calls them (only the buyer's browser
        # goes there), so they are checked as http(s) URLs alone (tests/test_payment_orders.py)
    ],
)
async def test_a_notyd_order_request_with_an_internal_url_is_refused_when_created(
    stack: Stack, production: Stack, change: dict[str, Any], field: str
) -> None:
    seller = await make_seller(stack, stack.db)  # its HS256 token is good on both processes
    async with production.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=order_request(**change))
        assert answer.status_code == 422, answer.text
        assert field in [e["field"] for e in answer.json()["errors"]]
        assert (await http.get("/v1/api/orders/")).json()["count"] == 0  # nothing written


async def test_a_notyd_status_webhook_may_be_plain_http(stack: Stack) -> None:
    """NOTYD's status body carries no personal data and is signed: a shop on plain http (as
    Magento shops are) gets it, outside loopback too; a webhook endpoint of NT24 events, which
    carry personal data, stays https only. Production's public-host rule holds over http too
    (test_a_notyd_order_request_with_an_internal_url_is_refused_when_created)."""
    seller = await make_seller(stack, stack.db)
    url = "http://hooks.invalid/notyd"  # never resolves (RFC 6761)
    body = order_request(webhook_urls={"webhook_url": url})
    async with stack.http(seller.token) as http:
        answer = await http.post("/v1/api/order-request/", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["webhook_urls"] == {"webhook_url": url}
    tenant = await make_api_tenant(stack.db)
    async with stack.http(await client_token(stack, tenant)) as http:
        registered = await http.post(
            "/v1/webhooks", json={"url": url, "events": ["kyc.*"]}, headers=key()
        )
    assert registered.status_code == 422, registered.text
    assert [e["field"] for e in registered.json()["errors"]] == ["url"]
    production = Settings(environment="production")
    public = "http://93.184.215.14/hook"
    assert await vet_target(public, production, any_http=True) == Target()
    assert (await vet_target(public, production)).problem == "must use https"
    for internal in ("http://127.0.0.1/hook", "http://10.0.0.7/hook", "http://[::1]/hook"):
        assert (await vet_target(internal, production, any_http=True)).problem, internal


async def test_only_a_notyd_status_body_is_delivered_over_plain_http(
    outgoing: KeptAliveClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At delivery the URL is vetted again: over plain http to a host that is not loopback,
    a NOTYD status delivery (or its replay) goes, an NT24 event or a test fire does not."""
    bodies: list[bytes] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> Response:
        bodies.append(await request.body())
        return Response(status_code=204)

    async def loopback(host: str, port: int) -> set[str]:
        return {"127.0.0.1"}  # shop.example, as DNS would answer, here a loopback receiver

    monkeypatch.setattr("activities.webhooks.delivery._addresses", loopback)
    webhooks = WebhookActivities(
        Database("sqlite+aiosqlite://"), Settings(environment="dev"), outgoing
    )
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    try:
        async with serving(receiver) as base:
            port = httpx.URL(base).port
            endpoint = WebhookEndpoint(url=f"http://shop.example:{port}/hook", secret=secret)

            async def send(event_type: str, kind: str) -> str | None:
                delivery = WebhookDelivery(
                    payload={"event_type": event_type}, event_type=event_type, kind=kind,
                    event_id=f"evt_{uuid4().hex}", public_id=f"whd_{uuid4().hex}",
                )  # fmt: skip
                answer = await webhooks._send(endpoint, delivery)
                return None if answer.ok else answer.error

            assert await send(NOTYD_EVENT, "EVENT") is None
            assert await send(NOTYD_EVENT, "REPLAY") is None
            assert await send("kyc.verified", "EVENT") == "not sent: the URL must use https"
            assert await send(NOTYD_EVENT, "TEST") == "not sent: the URL must use https"
    finally:
        await webhooks.db.dispose()
    assert len(bodies) == 2


class Redirector:
    """A receiver that answers with a redirect into the network, and one that never stops
    sending its body."""

    def __init__(self) -> None:
        self.inside: list[bytes] = []
        self.app = FastAPI()

        @self.app.post("/redirect")
        async def redirect() -> Response:
            return Response(status_code=307, headers={"Location": "/inside"})

        @self.app.post("/inside")
        async def inside(request: Request) -> Response:
            self.inside.append(await request.body())
            return Response(status_code=200)

        @self.app.post("/endless")
        async def endless() -> StreamingResponse:
            async def chunks() -> AsyncIterator[bytes]:
                while True:
                    yield b"x" * 65536
                    await asyncio.sleep(0)

            return StreamingResponse(chunks(), status_code=500)


async def test_deliveries_never_follow_redirects_nor_read_an_endless_body(stack: Stack) -> None:
    receiver = Redirector()
    async with serving(receiver.app) as base:
        _, http = await seller_session(stack)
        async with http:
            redirected = await register(http, f"{base}/redirect", ["kyc.*"])
            endless = await register(http, f"{base}/endless", ["kyc.*"])
            await fire_test(http, redirected, 1)
            await fire_test(http, endless, 1)

            async def answered() -> bool:
                # An attempt is counted before its request goes out; its answer lands after.
                found = await deliveries(http, redirected) + await deliveries(http, endless)
                return len(found) == 2 and all(d.get("httpStatus") for d in found)

            await until(answered, 20)
            first = (await deliveries(http, redirected))[0]
            assert first["httpStatus"] == 307 and first["status"] == "PENDING"
            assert receiver.inside == []  # the redirect's target was never called
            streamed = (await deliveries(http, endless))[0]
            assert streamed["httpStatus"] == 500 and streamed["error"] == "HTTP 500"


# ----- uploads and downloads -----


def active_pdf(kind: str) -> bytes:
    """A one-page PDF with one kind of active content."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf(kind)))
    root = writer._root_object

    def action(kind: str, **more: Any) -> DictionaryObject:
        entries = {NameObject("/S"): NameObject(kind)}
        return DictionaryObject(entries | {NameObject(k): v for k, v in more.items()})

    script = TextStringObject("app.alert('pwned')")
    if kind == "openaction-javascript":
        root[NameObject("/OpenAction")] = action("/JavaScript", **{"/JS": script})
    elif kind == "named-javascript":
        tree = DictionaryObject(
            {
                NameObject("/Names"): ArrayObject(
                    [
                        TextStringObject("x"),
                        writer._add_object(action("/JavaScript", **{"/JS": script})),
                    ]
                )
            }
        )
        root[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
    elif kind == "launch":
        root[NameObject("/OpenAction")] = action("/Launch", **{"/F": TextStringObject("calc.exe")})
    elif kind == "embedded-file":
        writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    elif kind == "xfa":
        root[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): ArrayObject()}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ACTIVE = {
    "openaction-javascript": "/OpenAction that runs JavaScript",
    "named-javascript": "JavaScript",
    "launch": "/Launch",
    "embedded-file": "/EmbeddedFiles",
    "xfa": "XFA",
}


KYC_TYPE = sorted(REQUIRED_DOCUMENTS["MARKETPLACE_LED"])[0]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def buyer(stack: Stack) -> AsyncIterator[tuple[OrderClient, str]]:
    """A seller's API session and a buyer to upload KYC documents of (the check every upload
    passes is one: order, KYC, self-service and web app uploads alike)."""
    tenant, http = await seller_session(stack)
    async with http:
        client = OrderClient(stack, tenant, http)
        yield client, f"/buyers/{await client.buyer(documents=False)}/kyc/documents"


@pytest.mark.parametrize("kind", list(ACTIVE))
async def test_a_pdf_with_active_content_is_refused_naming_why(
    buyer: tuple[OrderClient, str], kind: str
) -> None:
    client, documents = buyer
    answer = await client.upload(documents, KYC_TYPE, content=active_pdf(kind), file_name="a.pdf")
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["field"] == "file" and ACTIVE[kind] in error["message"], error
    assert all(d["fileName"] != "a.pdf" for d in (await client.get(documents)).json())


async def test_a_pdf_that_unpacks_past_the_budget_is_refused_quickly(
    buyer: tuple[OrderClient, str],
) -> None:
    """A decompression bomb (37 KB on disk, 36 MiB of object streams) is refused before the
    API unpacks more than one inspection may; a long ordinary PDF still goes through."""
    client, documents = buyer
    bomb = make_object_stream_pdf(streams=3, unpacked=12 * 1024 * 1024)
    started = time.monotonic()
    answer = await client.upload(documents, KYC_TYPE, content=bomb, file_name="bomb.pdf")
    assert time.monotonic() - started < 5
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["field"] == "file", error
    assert error["message"].startswith('"bomb.pdf" expands to more than 32 MiB'), error
    assert all(d["fileName"] != "bomb.pdf" for d in (await client.get(documents)).json())

    scan = make_pdf(pages=120)
    answer = await client.upload(documents, KYC_TYPE, content=scan, file_name="scan.pdf")
    assert answer.status_code == 201, answer.text


async def test_file_names_are_sanitised_and_downloads_are_never_sniffed(
    buyer: tuple[OrderClient, str],
) -> None:
    client, documents = buyer
    # written by hand: httpx would percent-encode the control characters of a file name
    hostile = "../../etc/\u202efdp.exe\x01X-Injected\t1.pdf".encode()
    boundary = uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n'.encode(),
            f"{KYC_TYPE}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="documentDate"\r\n\r\n'.encode(),
            f"{seller_today().isoformat()}\r\n".encode(),
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="' + hostile + b'"\r\n',
            b"Content-Type: text/html\r\n\r\n",  # PDF bytes sent as a web page
            pdf("kyc"),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    answer = await client.http.post(
        f"{client.seller}{documents}",
        content=body,
        headers=key() | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["fileName"] == "fdp.exeX-Injected 1.pdf"
    assert stored["contentType"] == "application/pdf"
    download = await client.get(f"{documents}/{stored['uuid']}/content")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''fdp.exeX-Injected%201.pdf" in disposition
    assert "/" not in disposition.split("filename*=")[0] and "\r" not in disposition
