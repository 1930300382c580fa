"""Availability over HTTP: Temporal or its worker away is a 503 with Retry-After, never a 500 or
a hang; a retry with the same Idempotency-Key gets the real result, applied once; /readyz tells
a dead worker within 15 s; a finished order's command is a 409 with the current resource; a
production configuration without its secrets does not start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    SignalWorkflowInput,
    StartWorkflowInput,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

import sandboxes.app
from api.main import create_app
from settings import MissingSecrets, Settings
from store.db import Database
from store.models import Buyer, ViesCheck
from tests.conftest import (
    Stack,
    client_token,
    free_port,
    make_api_tenant,
    running_mail_catcher,
    serving,
    settings_for_tests,
    start_dev_server,
    wait_until_ready,
)
from tests.order_flow import TOTAL, OrderClient, key, money, pdf, seller_session, seller_today
from tests.payment_invoices import staff_member
from tests.test_buyers import buyer_body
from tests.test_web_admin import TOKEN, signed_in
from worker import build_worker
from workflows.ids import buyer_vies_workflow_id

ROOT = Path(__file__).parent.parent
DEADLINE = 2  # seconds: NT24_COMMAND_DEADLINE of these tests' APIs


@asynccontextmanager
async def api(
    pg_url: str, db: Database, client: Client | None, **overrides: Any
) -> AsyncIterator[Stack]:
    """An API (no worker) on ``client`` (None: it connects to ``temporal_address`` itself)."""
    async with serving(sandboxes.app.create_app(running_mail_catcher())) as sandboxes_url:
        settings = settings_for_tests(
            pg_url,
            command_deadline=timedelta(seconds=DEADLINE),
            vies_base_url=f"{sandboxes_url}/vies",
            **overrides,
        )
        async with serving(create_app(settings, db=db, temporal_client=client)) as base_url:
            yield Stack(base_url, settings, db, client)  # type: ignore[arg-type]


def unavailable(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 503
        and answer.headers.get("retry-after", "").isdigit()
        and answer.headers["content-type"] == "application/problem+json"
        and answer.json()["code"] == "service-unavailable"
    )


def invoice_body() -> dict[str, Any]:
    return {
        "type": "PRELIMINARY",
        "invoiceDate": seller_today().isoformat(),
        "invoiceNumber": f"INV-{uuid4().hex[:6]}",
        "vatIncluded": False,
        "amount": money(TOTAL),
    }


def payment_body() -> dict[str, Any]:
    return {
        "paymentDate": seller_today().isoformat(),
        "bankAmount": money(TOTAL),
        "cashAmount": money(0),
        "sourceIban": "DE89 3704 0044 0532 0130 00",
    }


async def test_temporal_unreachable_is_503_with_retry_after(
    pg_url: str, db: Database, stack: Stack
):
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        order = (await orders.order(await orders.buyer(documents=False)))["uuid"]
        dead = f"127.0.0.1:{free_port()}"
        async with (
            api(pg_url, db, None, temporal_address=dead) as away,
            away.http(await client_token(away, tenant)) as other,
        ):
            key = {"Idempotency-Key": str(uuid4())}
            body = invoice_body()
            path = f"{tenant.seller}/orders/{order}/invoice"
            started = time.monotonic()
            refused = await other.post(path, json=body, headers=key)
            assert unavailable(refused), refused.text
            # ... as /openapi.json says it may: a generated client parses the problem
            document = (await other.get("/openapi.json")).json()
            assert declares_unavailable(
                document, "post", "/v1/partners/{sellerId}/orders/{uuid}/invoice"
            )
            assert time.monotonic() - started < 10
            ready = await other.get("/readyz")
            assert unavailable_probe(ready)
            assert ready.json()["checks"]["temporal"].startswith("failing")
            # the web app's order page says so too, and when to try again
            staff = await staff_member(db)
            async with signed_in(away, staff.username, "x" * 12) as (web, token):
                cancel = await web.post(
                    f"/app/orders/{order}/cancel",
                    data={"csrf_token": token, "reason": "buyer withdrew"},
                )
            assert unavailable_probe(cancel), cancel.text
            assert cancel.headers["content-type"].startswith("text/html")
            assert "The workflow service cannot be reached." in cancel.text
        # the 503 was not kept as the key's answer: the same request, Temporal back, applies
        answer = await http.post(path, json=body, headers=key)
        assert answer.status_code == 201, answer.text
        assert answer.json()["invoiceNumber"] == body["invoiceNumber"]


def declares_unavailable(document: dict[str, Any], method: str, path: str) -> bool:
    """Whether the operation declares the 503 problem with its Retry-After."""
    declared = document["paths"][path][method]["responses"].get("503", {})
    return "application/problem+json" in declared.get("content", {}) and declared.get(
        "headers", {}
    ).get("Retry-After", {}).get("required", False)


async def test_every_order_command_declares_its_503(stack: Stack):
    """Every command may meet Temporal or its worker away (and any operation the database): a
    503 with Retry-After, to be sent again with the same Idempotency-Key. Only /readyz and
    kyc/verify declared it: for any other the generated client's ``parsed`` was None."""
    async with stack.http() as http:
        document = (await http.get("/openapi.json")).json()
    undeclared = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        if not path.startswith(("/healthz", "/readyz", "/realms/", "/pay/"))
        for method, operation in operations.items()
        if not declares_unavailable(document, method, path)
    ]
    assert not undeclared, undeclared
    orders = [
        path for path in document["paths"] if path.startswith("/v1/partners/{sellerId}/orders")
    ]
    assert len(orders) > 10


def unavailable_probe(answer: httpx.Response) -> bool:
    return answer.status_code == 503 and answer.headers.get("retry-after", "").isdigit()


class StartsRefused(Interceptor):
    """Temporal gone after the client connected: a workflow start fails as the client fails it
    once its own retries are spent."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RefusedStart(next)


class _RefusedStart(OutboundInterceptor):
    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_a_buyer_whose_vies_check_could_not_start_gets_it_from_the_repeat_upsert(
    pg_url: str, db: Database, stack: Stack
):
    """The upsert commits the buyer, then starts its VIES check. Temporal away at that moment:
    503 with Retry-After, the buyer stays (others may have read it), and the repeat upsert
    starts the check it lacks; a buyer with a check answered is not checked again."""
    tenant = await make_api_tenant(db)
    config = stack.client.config()
    away_client = Client(**config | {"interceptors": [*config["interceptors"], StartsRefused()]})
    body, upsert_key = buyer_body(), {"Idempotency-Key": str(uuid4())}
    path = f"{tenant.seller}/buyers"
    async with (
        api(pg_url, db, away_client) as away,
        away.http(await client_token(away, tenant)) as other,
    ):
        refused = await other.post(path, json=body, headers=upsert_key)
    assert unavailable(refused), refused.text
    assert "Repeat the upsert" in refused.json()["detail"]
    async with db.session() as session:
        buyer = await session.scalar(select(Buyer).where(Buyer.partner_id == tenant.partner.id))
    assert buyer is not None and buyer.vies_last_checked_at is None
    check = stack.client.get_workflow_handle(buyer_vies_workflow_id(buyer.uuid))
    with pytest.raises(RPCError):
        await check.describe()  # never started

    async with stack.http(await client_token(stack, tenant)) as http:
        repeated = await http.post(path, json=body, headers=upsert_key)
        assert repeated.status_code == 200, repeated.text
        assert repeated.json()["uuid"] == str(buyer.uuid)
        async with asyncio.timeout(30):
            await check.result()
        kyc = (await http.get(f"{path}/{buyer.uuid}/kyc")).json()
        assert kyc["viesResult"] == "VALID"
        again = await http.post(path, json=body, headers={"Idempotency-Key": str(uuid4())})
        assert again.status_code == 200
    async with db.session() as session:
        checks = await session.scalar(
            select(func.count()).select_from(ViesCheck).where(ViesCheck.buyer_id == buyer.id)
        )
    assert checks == 1  # the repeat after the check answered started none


class SignalsRefused(Interceptor):
    """Temporal gone after the client connected: a signal fails as the client fails it once
    its own retries are spent."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RefusedSignal(next)


class _RefusedSignal(OutboundInterceptor):
    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_a_block_its_open_orders_did_not_hear_still_keeps_them_from_valid(
    pg_url: str, db: Database, stack: Stack
):
    """The block is committed, then told to the buyer's open orders. Temporal away at that
    moment: the block stands (its answer is the block), and the order that never heard of it
    reads its buyer before it decides: its transport proved and delivered, it is not VALID for
    a blocked buyer."""
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer()
        order = await orders.picked_up(buyer)
        config = stack.client.config()
        away_client = Client(
            **config | {"interceptors": [*config["interceptors"], SignalsRefused()]}
        )
        path = f"{tenant.seller}/buyers/{buyer}/block"
        async with (
            api(pg_url, db, away_client) as away,
            away.http(await client_token(away, tenant)) as other,
        ):
            blocked = await other.post(path, json={"reason": "fraud"}, headers=key())
        assert blocked.status_code == 200 and blocked.json()["status"] == "BLOCKED", blocked.text
        untold = (await http.get(f"{tenant.seller}/orders/{order}/compliance")).json()
        assert "BUYER_BLOCKED" not in {b["code"] for b in untold["blockers"]}
        await orders.transport_evidence(order)
        assert (await orders.deliver(order)).status_code == 200
        rollup = (await http.get(f"{tenant.seller}/orders/{order}/compliance")).json()
        assert rollup["complianceStatus"] == "INCOMPLETE", rollup
        assert "BUYER_BLOCKED" in {b["code"] for b in rollup["blockers"]}


async def test_worker_down_is_503_within_the_deadline_and_the_retry_applies_once(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    async with api(pg_url, db, dev_server.client) as stack:
        tenant, http = await seller_session(stack)
        async with http:
            async with build_worker(dev_server.client, db, stack.settings):
                await wait_until_ready(stack.base_url)
                orders = OrderClient(stack, tenant, http)
                order = (await orders.order(await orders.buyer(documents=False)))["uuid"]
            # the worker has stopped: /readyz says so, a command answers 503 in the deadline
            ready = await http.get("/readyz")
            assert unavailable_probe(ready), ready.text
            assert ready.json()["checks"]["worker"].startswith("failing")
            key = {"Idempotency-Key": str(uuid4())}
            content = pdf("CMR while the worker was away")
            path = f"{tenant.seller}/orders/{order}/transport/documents"
            fields = {"type": "TRANSPORT_CMR", "documentDate": seller_today().isoformat()}

            async def upload() -> httpx.Response:
                files = {"file": ("cmr.pdf", content, "application/pdf")}
                return await http.post(path, data=fields, files=files, headers=key)

            started = time.monotonic()
            refused = await upload()
            assert unavailable(refused), refused.text
            assert time.monotonic() - started < DEADLINE + 3
            async with build_worker(dev_server.client, db, stack.settings):
                await wait_until_ready(stack.base_url)
                # same key, same request: the real result. As a client does, it retries a 503
                # after its Retry-After: on a loaded machine the new worker may take longer
                # than the deadline to replay the order and run the Update admitted meanwhile.
                answer = await upload()
                for _ in range(3):
                    if not unavailable(answer):
                        break
                    await asyncio.sleep(int(answer.headers["retry-after"]))
                    answer = await upload()
                assert answer.status_code == 201, answer.text
                again = await upload()
                assert again.headers.get("idempotent-replayed") == "true"
                assert again.json() == answer.json()
            listed = await http.get(
                f"{tenant.seller}/orders/{order}/documents", params={"type": "TRANSPORT_CMR"}
            )
            # the Update admitted while the worker was away and the retry are one document
            assert [d["uuid"] for d in listed.json()] == [answer.json()["uuid"]]


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never answers: a Redis that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_rate_limit_store_that_is_away_is_503_with_retry_after(
    pg_url: str, db: Database, stack: Stack
):
    """API processes that share their rate limits, sign-in throttle and cached principals
    through Redis answer 503 with Retry-After while it is down or silent: never a 500, never a
    hang, and nothing is written; /readyz names it."""
    tenant, http = await seller_session(stack)
    token = await client_token(stack, tenant)
    credentials = {
        "grant_type": "client_credentials",
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
    }
    down = f"redis://127.0.0.1:{free_port()}/0"
    async with (
        http,
        api(pg_url, db, stack.client, rate_limit_storage=down) as away,
        away.http(token) as other,
    ):
        me = await other.get("/v1/me", headers={"X-Request-Id": "away-1"})
        created = await other.post(
            f"{tenant.seller}/buyers", json=buyer_body(), headers={"Idempotency-Key": "k1"}
        )
        token_answer = await other.post(
            "/realms/nt24-idp/protocol/openid-connect/token", data=credentials
        )
        seller_login = await other.post(
            "/v1/api/token/", json={"username": "a@b.c", "password": "x"}
        )
        ready = await other.get("/readyz")
        form = await other.get("/app/login")
        csrf = TOKEN.search(form.text)
        assert csrf, form.text
        web_login = await other.post(
            "/app/login", data={"csrf_token": csrf[1], "username": "a", "password": "x" * 12}
        )
        buyers = await http.get(f"{tenant.seller}/buyers")
    for answer in (me, created, token_answer, seller_login):
        assert unavailable(answer), (answer.status_code, answer.text)
        assert "127.0.0.1" not in answer.text and "redis" not in answer.text.lower()
    assert me.headers["x-request-id"] == "away-1"
    assert me.headers["x-content-type-options"] == "nosniff"
    assert unavailable_probe(ready)
    assert ready.json()["checks"]["counters"].startswith("failing"), ready.text
    # the web app's sign-in: a page in words, not the API's problem JSON
    assert unavailable_probe(web_login)
    assert web_login.headers["content-type"].startswith("text/html"), web_login.text
    assert "The rate-limit store did not answer." in web_login.text
    # a Redis that accepts the connection and never answers: redis-py's own timeouts and
    # retries would hold the request for over 20 s
    async with (
        silent_server() as port,
        api(pg_url, db, stack.client, rate_limit_storage=f"redis://127.0.0.1:{port}/0") as hung,
        hung.http(token) as other,
    ):
        started = time.monotonic()
        me = await other.get("/v1/me")
        took = time.monotonic() - started
    assert unavailable(me), me.text
    assert took < 6, took  # two 2-second waits
    assert buyers.status_code == 200 and buyers.json()["data"] == [], buyers.text


async def test_a_finished_order_answers_409_with_the_current_resource(stack: Stack):
    tenant, http = await seller_session(stack)
    async with http:
        orders = OrderClient(stack, tenant, http)
        buyer = await orders.buyer(documents=False)
        cancelled = (await orders.order(buyer))["uuid"]
        answer = await orders.post(f"/orders/{cancelled}/cancel", {"reason": "buyer withdrew"})
        assert answer.status_code == 200, answer.text
        closed = (await orders.order(buyer))["uuid"]
        # its workflow has ended (terminated by an operator, or retention over)
        await stack.client.get_workflow_handle(f"order-{closed}").terminate("test")
        for order in (cancelled, closed):
            current = (await orders.get(f"/orders/{order}")).json()
            refused = await orders.post(f"/orders/{order}/invoice", invoice_body())
            assert refused.status_code == 409, refused.text
            problem = refused.json()
            assert problem["code"] == "conflict"
            assert problem["currentResource"]["uuid"] == order
            assert problem["currentResource"]["version"] == current["version"]
            assert problem["currentResource"]["status"] == current["status"]
        # a document sent to the cancelled order is refused the same way, as declared
        async with stack.http() as anonymous:
            document = (await anonymous.get("/openapi.json")).json()
        for module, kind in UPLOADS.items():
            uploaded = await orders.upload(f"/orders/{cancelled}{module}/documents", kind)
            assert uploaded.status_code == 409, uploaded.text
            assert uploaded.json()["code"] == "conflict"
            path = f"/v1/partners/{{sellerId}}/orders/{{uuid}}{module}/documents"
            assert "409" in document["paths"][path]["post"]["responses"], path


# Each document upload of an order, and a type it takes
UPLOADS = {
    "/invoice": "SHIPMENT_INVOICE",
    "/payment": "PAYMENT_CONFIRMATION",
    "/transport": "TRANSPORT_CMR",
    "": "ORDER_OTHER",
}


def test_production_without_secrets_refuses_to_start(tmp_path: Path):
    settings = Settings(environment="production", data_dir=tmp_path, _env_file=None)
    with pytest.raises(MissingSecrets) as refused:
        settings.require_production_secrets()
    assert refused.value.names == [
        "NT24_JWT_SECRET",
        "NT24_INVITATION_LINK_SECRET",
        "NT24_KYC_SIGNING_CERTIFICATE",
        "NT24_KYC_SIGNING_KEY",
        "NT24_SECRETS_KEY",
        "NT24_PAYLOAD_KEYS",
        "NT24_OAUTH_PRIVATE_KEY_PEM",
        "NT24_IDENFY_CALLBACK_SIGNING_KEY",  # the sandbox's default is public
    ]
    complete = settings.model_copy(
        update={
            "jwt_secret": "j" * 40,
            "invitation_link_secret": "i" * 40,
            "kyc_signing_certificate": "cert.pem",
            "kyc_signing_key": "key.pem",
            "secrets_key": "k1:" + "A" * 43 + "=",
            "payload_keys": "p1:" + "A" * 43 + "=",
            "oauth_jwks_url": "https://idp.example/jwks",  # an external issuer: no key here
            "idenfy_callback_signing_key": "c" * 40,
        }
    )
    complete.require_production_secrets()
    # the real processes: the worker and the API exit at startup naming the setting
    env = {k: v for k, v in os.environ.items() if not k.startswith("NT24_")} | {
        "NT24_ENVIRONMENT": "production",
        "NT24_DATA_DIR": str(tmp_path),
        "NT24_JWT_SECRET": "j" * 40,
        "NT24_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    worker = subprocess.run(
        [sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert worker.returncode != 0
    assert "NT24_INVITATION_LINK_SECRET" in worker.stderr
    assert "NT24_JWT_SECRET" not in worker.stderr
    served = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert "NT24_OAUTH_PRIVATE_KEY_PEM" in served.stderr
    assert "NT24_SECRETS_KEY" in served.stderr and "NT24_SECRETS_KEY" in worker.stderr
    assert "NT24_PAYLOAD_KEYS" in served.stderr and "NT24_PAYLOAD_KEYS" in worker.stderr
    assert "Application startup failed" in served.stderr


# ----- chaos: the worker killed and Temporal restarted during a sequence of commands -----


async def start_temporal(port: int, database: Path) -> WorkflowEnvironment:
    """A dev server keeping its data in ``database``, so it can be stopped and started again."""
    return await start_dev_server(port=port, dev_server_database_filename=str(database))


async def ready_within(http: httpx.AsyncClient, ready: bool, seconds: float) -> float:
    """Seconds until /readyz answers 200 (``ready``) or 503; fails after ``seconds``."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while ((await http.get("/readyz")).status_code == 200) != ready:
            await asyncio.sleep(0.2)
    return time.monotonic() - started


async def test_chaos_worker_killed_and_temporal_restarted(
    pg_url: str, db: Database, tmp_path: Path
):
    port = free_port()
    temporal = await start_temporal(port, tmp_path / "temporal.db")
    workers: list[asyncio.subprocess.Process] = []
    try:
        async with api(pg_url, db, temporal.client) as stack:
            env = os.environ | {
                "NT24_ENVIRONMENT": "test",
                "NT24_DATABASE_URL": pg_url,
                "NT24_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
                "NT24_TASK_QUEUE": stack.settings.task_queue,
                "NT24_DATA_DIR": str(tmp_path),
                "NT24_SECRETS_KEY": stack.settings.effective_secrets_key,
                "NT24_PAYLOAD_KEYS": stack.settings.effective_payload_keys,  # the API's
                "NT24_VIES_BASE_URL": stack.settings.vies_base_url,
                "NT24_WORKER_HEARTBEAT_INTERVAL": "PT1S",
            }

            async def start_worker() -> None:
                workers.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable, "worker.py", cwd=ROOT, env=env
                    )
                )

            await start_worker()
            tenant, http = await seller_session(stack)
            async with http:
                await ready_within(http, True, 60)
                orders = OrderClient(stack, tenant, http)
                buyer = await orders.buyer(documents=False)
                uuids = [(await orders.order(buyer))["uuid"] for _ in range(3)]
                pending: dict[str, tuple[str, Any]] = {}  # key -> (path, body) answered 503

                async def command(path: str, body: Any, *expect: int) -> None:
                    """Send it; a 503 is remembered to retry, anything else must be ``expect``."""
                    key = str(uuid4())
                    answer = await http.post(
                        f"{tenant.seller}{path}", json=body, headers={"Idempotency-Key": key}
                    )
                    if answer.status_code == 503:
                        assert unavailable(answer), answer.text
                        pending[key] = (path, body)
                    else:
                        assert answer.status_code in expect, answer.text

                async def retry_pending(expect: set[int]) -> None:
                    for key, (path, body) in list(pending.items()):
                        answer = await http.post(
                            f"{tenant.seller}{path}", json=body, headers={"Idempotency-Key": key}
                        )
                        assert answer.status_code in expect, answer.text
                        del pending[key]

                invoices = {order: invoice_body() for order in uuids}
                for order in uuids:
                    await command(f"/orders/{order}/invoice", invoices[order], 201)
                assert not pending

                # the worker dies (SIGKILL: no goodbye); its pollers stay listed in Temporal
                workers[-1].kill()
                await workers[-1].wait()
                started = time.monotonic()
                await asyncio.gather(
                    *(command(f"/orders/{o}/payment", payment_body(), 201) for o in uuids)
                )
                assert len(pending) == len(uuids)  # every one a 503, in the deadline
                assert time.monotonic() - started < DEADLINE + 3
                await ready_within(http, False, 16 - (time.monotonic() - started))
                await start_worker()
                await ready_within(http, True, 60)
                await retry_pending({201})  # the real result, each applied once

                # Temporal stops; the API keeps answering, with 503s
                await temporal.shutdown()
                for order in uuids:
                    await command(f"/orders/{order}/payment/ready-for-pickup", None, 200)
                assert len(pending) == len(uuids)
                assert (await http.get("/readyz")).status_code == 503
                temporal = await start_temporal(port, tmp_path / "temporal.db")
                await ready_within(http, True, 60)
                await retry_pending({200})
                for order in uuids:
                    await command(f"/orders/{order}/transport/pickup", pickup_body(), 200, 201)
                await retry_pending({200, 201})

                for order in uuids:
                    got = (await orders.get(f"/orders/{order}")).json()
                    assert got["status"] == "TRANSPORT_IN_PROGRESS", got
                    listed = (await orders.get(f"/orders/{order}/invoice")).json()
                    assert [i["invoiceNumber"] for i in listed] == [
                        invoices[order]["invoiceNumber"]
                    ]
                    paid = (await orders.get(f"/orders/{order}/payment")).json()
                    assert paid["readyForPickup"] is True, paid
                    transport = (await orders.get(f"/orders/{order}/transport")).json()
                    assert transport["pickup"]["pickupDate"] == seller_today().isoformat()
    finally:
        for process in workers:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await temporal.shutdown()


def pickup_body() -> dict[str, Any]:
    return {
        "type": "COMPANY_TRANSPORT",
        "pickupDate": seller_today().isoformat(),
        "driverIdentification": "DE-FR-2026-1234",
        "collectionAddress": {
            "street": "Hauptstr. 1",
            "postCode": "10115",
            "city": "Berlin",
            "country": "DE",
        },
    }
