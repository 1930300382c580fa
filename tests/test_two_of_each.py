"""The stack as production scales it: two API processes and two workers on one task queue, on
PostgreSQL and Redis, every one a real process (uvicorn serving ``api.main:app``, ``python
worker.py``) configured through the environment alone, as docker-compose configures them.

Every request goes to the next API process in turn, as a round-robin load balancer would send
it; the token one process issues is good at the other. Through both:

- idempotent retries: the same Idempotency-Key sent to one process and then (or at the same
  time) to the other gets the same answer, and the write is applied once;
- rate limits: a tenant of a small tier has one budget, counted in Redis; requests split across
  both processes count against it together and the one past the limit gets the 429, whichever
  process it reaches;
- order lifecycles to VALID while one worker is killed (SIGKILL, no goodbye) in the middle of
  them: a command the dead worker held answers 503 within the deadline, its retry (same key,
  through the other process) gets the real result, and every order reaches VALID on the other
  worker with nothing lost and nothing applied twice.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

import sandboxes.app
from activities.buyers.kyc_profile_pdf import self_signed
from settings import Settings
from store.db import Database
from store.models import Order, WorkerHeartbeat
from tests.conftest import (
    ApiTenant,
    free_port,
    make_api_tenant,
    running_mail_catcher,
    serving,
    start_dev_server,
)
from tests.order_flow import TOTAL, OrderClient, money, pdf, seller_today

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 4  # lifecycles at once, across both workers
DEADLINE = 4  # seconds: NT24_COMMAND_DEADLINE, so a command held by the dead worker answers 503
SMALL_TIER = {"read": 6, "write": 4, "webhook": 2}  # STANDARD in this deployment
LARGE_TIER = {"read": 100_000, "write": 100_000, "webhook": 100_000}  # ENTERPRISE


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("NT24_TEST_REDIS_URL")
    if not url:
        pytest.skip(
            "NT24_TEST_REDIS_URL is not set: two API processes share their rate limits in "
            "Redis, which scripts/test starts"
        )
    return url


def _json(value: dict[str, int]) -> str:
    return "{" + ",".join(f'"{k}":{v}' for k, v in value.items()) + "}"


class Deployment:
    """Two API processes and two worker processes, on one task queue of one Temporal server,
    one PostgreSQL database and one Redis, with the provider sandboxes on loopback."""

    def __init__(
        self, env: dict[str, str], api_ports: list[int], logs: Path, db: Database, temporal: Client
    ) -> None:
        self.env = env
        self.temporal = temporal
        self.api_urls = [f"http://127.0.0.1:{port}" for port in api_ports]
        self.api_ports = api_ports
        self.logs = logs
        self.db = db
        self.task_queue = env["NT24_TASK_QUEUE"]
        self.apis: list[asyncio.subprocess.Process] = []
        self.workers: list[asyncio.subprocess.Process] = []
        self._started = itertools.count(1)

    async def _spawn(self, name: str, *args: str) -> asyncio.subprocess.Process:
        out = (self.logs / f"{name}.log").open("ab")
        try:
            return await asyncio.create_subprocess_exec(
                *args, cwd=ROOT, env=self.env, stdout=out, stderr=out
            )
        finally:
            out.close()

    async def start_api(self, port: int) -> None:
        self.apis.append(
            await self._spawn(
                f"api-{port}",
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            )
        )

    async def start_worker(self) -> None:
        name = f"worker-{next(self._started)}"
        self.workers.append(await self._spawn(name, sys.executable, "worker.py"))

    @property
    def live_workers(self) -> list[asyncio.subprocess.Process]:
        return [w for w in self.workers if w.returncode is None]

    async def heartbeating_pids(self) -> set[int]:
        """The worker processes that recorded in the database that they are alive."""
        async with self.db.session() as session:
            identities = await session.scalars(
                select(WorkerHeartbeat.identity).where(
                    WorkerHeartbeat.task_queue == self.task_queue
                )
            )
            return {int(identity.split(":")[1]) for identity in identities}

    async def two_workers(self, seconds: float = 60) -> None:
        """Two live worker processes, each recorded alive, and both APIs ready."""
        while len(self.live_workers) < 2:
            await self.start_worker()
        wanted = {w.pid for w in self.live_workers}
        try:
            async with asyncio.timeout(seconds):
                while not wanted <= await self.heartbeating_pids():
                    self._check_alive()
                    await asyncio.sleep(0.1)
                async with httpx.AsyncClient() as http:
                    for url in self.api_urls:
                        while (await _get(http, f"{url}/readyz")) != 200:
                            self._check_alive()
                            await asyncio.sleep(0.1)
        except TimeoutError:
            raise AssertionError(f"the deployment did not get ready:\n{self.tail()}") from None

    def _check_alive(self) -> None:
        for process in self.apis + self.live_workers:
            if process.returncode is not None:
                raise AssertionError(f"a process exited at startup:\n{self.tail()}")

    async def kill(self, process: asyncio.subprocess.Process) -> None:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop(self) -> None:
        for process in self.apis + self.workers:
            if process.returncode is None:
                await self.kill(process)

    def tail(self, lines: int = 40) -> str:
        parts = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)


async def _get(http: httpx.AsyncClient, url: str) -> int | None:
    try:
        return (await http.get(url, timeout=5)).status_code
    except httpx.TransportError:
        return None  # not listening yet


def _shared_secrets() -> dict[str, str]:
    """The secrets every process of one deployment shares (the OAuth key: a token one API
    process issues is verified by the other), given as production gives them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    kyc = self_signed("NT24 KYC profiles (two of each)")
    return {
        "NT24_JWT_SECRET": "two-of-each-" + uuid4().hex * 2,
        "NT24_INVITATION_LINK_SECRET": "two-of-each-link-" + uuid4().hex * 2,
        "NT24_OAUTH_PRIVATE_KEY_PEM": pem,
        "NT24_KYC_SIGNING_CERTIFICATE": kyc.certificate_pem.decode(),
        "NT24_KYC_SIGNING_KEY": kyc.key_pem.decode(),
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def deployment(
    redis_url: str, pg_url: str, db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    data_dir = tmp_path_factory.mktemp("two-of-each")
    # a Temporal server of its own: the workers create their schedules on it
    temporal = await start_dev_server()
    deployment: Deployment | None = None
    try:
        async with serving(sandboxes.app.create_app(running_mail_catcher())) as sandboxes_url:
            catcher = running_mail_catcher()
            api_ports = [free_port(), free_port()]
            env = (
                {k: v for k, v in os.environ.items() if not k.startswith("NT24_")}
                | {
                    "NT24_ENVIRONMENT": "test",
                    "NT24_DATA_DIR": str(data_dir),
                    "NT24_DATABASE_URL": pg_url,
                    "NT24_TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
                    "NT24_TASK_QUEUE": f"nt24-two-{uuid4().hex[:8]}",
                    "NT24_RATE_LIMIT_STORAGE": redis_url,
                    "NT24_RATE_LIMITS_STANDARD": _json(SMALL_TIER),
                    "NT24_RATE_LIMITS_ENTERPRISE": _json(LARGE_TIER),
                    "NT24_COMMAND_DEADLINE": f"PT{DEADLINE}S",
                    "NT24_WORKER_HEARTBEAT_INTERVAL": "PT1S",
                    # one public address, as behind a load balancer: the tokens' issuer
                    "NT24_PUBLIC_BASE_URL": f"http://127.0.0.1:{api_ports[0]}",
                    "NT24_VIES_BASE_URL": f"{sandboxes_url}/vies",
                    "NT24_VIES_HTTP_TIMEOUT": "PT3S",
                    "NT24_CREDIT_BUREAU_BASE_URL": f"{sandboxes_url}/credit-bureau",
                    "NT24_IDENFY_BASE_URL": f"{sandboxes_url}/idenfy",
                    "NT24_IDENFY_AML_BASE_URL": f"{sandboxes_url}/idenfy-aml",
                    "NT24_SMTP_HOST": "127.0.0.1",
                    "NT24_SMTP_PORT": str(catcher.port),
                    "NT24_SMTP_STARTTLS": "false",
                }
                | _shared_secrets()
            )
            # files the processes would otherwise each generate at once into the shared folder
            prepared = Settings(environment="test", data_dir=data_dir, _env_file=None)
            getattr(prepared, "effective_secrets_key", None)
            getattr(prepared, "effective_payload_keys", None)
            deployment = Deployment(env, api_ports, data_dir, db, temporal.client)
            for port in api_ports:
                await deployment.start_api(port)
            await deployment.two_workers()
            yield deployment
    finally:
        if deployment is not None:
            await deployment.stop()
        await temporal.shutdown()


class BothApis:
    """An NT24 client whose requests go to the two API processes in turn, like a round-robin
    load balancer's. A 503 (a command the workers did not answer within the deadline) is sent
    again, same Idempotency-Key, to the next process, as an integrator retries."""

    def __init__(self, deployment: Deployment, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        self.clients = [
            httpx.AsyncClient(base_url=url, headers=headers, timeout=30)
            for url in deployment.api_urls
        ]
        self._turn = itertools.count()
        self.served: Counter[int] = Counter()  # answers per API process
        self.retried = 0  # 503s sent again
        self.answered_writes = 0

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        give_up = time.monotonic() + 45
        while True:
            index = next(self._turn) % 2
            answer = await self.clients[index].request(method, url, **kwargs)
            self.served[index] += 1
            if answer.status_code != 503 or time.monotonic() > give_up:
                if method != "GET":
                    self.answered_writes += 1
                return answer
            assert answer.headers.get("retry-after", "").isdigit(), answer.text
            assert answer.json()["code"] == "service-unavailable", answer.text
            self.retried += 1
            await asyncio.sleep(0.2)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


async def api_token(deployment: Deployment, tenant: ApiTenant, api: int) -> str:
    async with httpx.AsyncClient(base_url=deployment.api_urls[api]) as http:
        answer = await http.post(
            "/realms/nt24-idp/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.client_id,
                "client_secret": tenant.client_secret,
            },
        )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


async def tenant_of(db: Database, tier: str) -> ApiTenant:
    return await make_api_tenant(
        db,
        allow_marketplace_led_kyc=True,
        allow_kyc_document_download=True,
        rate_limit_tier=tier,
    )


def buyer_body() -> dict[str, Any]:
    return {
        "kycMode": "MARKETPLACE_LED",
        "vatNumber": "FR40303265045",
        "companyName": "Garage Dupont SARL",
        "address": {
            "street": "1 rue de la Paix",
            "postCode": "75002",
            "city": "Paris",
            "country": "FR",
        },
    }


def invoice_body() -> dict[str, Any]:
    return {
        "type": "PRELIMINARY",
        "invoiceDate": seller_today().isoformat(),
        "invoiceNumber": f"INV-{uuid4().hex[:6]}",
        "vatIncluded": False,
        "amount": money(TOTAL),
    }


def client_of(tenant: ApiTenant, both: BothApis) -> OrderClient:
    """OrderClient's steps, each request through the next API process (it only calls the
    ``post`` and ``get`` of its HTTP client)."""
    return OrderClient(None, tenant, both)  # type: ignore[arg-type]


def replayed(answer: httpx.Response) -> bool:
    return answer.headers.get("idempotent-replayed") == "true"


# ----- rate limits: one budget, counted in Redis, whichever process a request reaches -----


async def clear_of_minute_edge(margin: float) -> None:
    """Wait, if need be, until the clock minute has more than ``margin`` seconds left."""
    left = 60 - time.time() % 60
    if left < margin:
        await asyncio.sleep(left + 0.05)


async def test_a_small_tier_has_one_budget_across_both_api_processes(deployment: Deployment):
    tenant = await tenant_of(deployment.db, "STANDARD")
    first = httpx.AsyncClient(base_url=deployment.api_urls[0], timeout=30)
    second = httpx.AsyncClient(base_url=deployment.api_urls[1], timeout=30)
    # the token of one process is good at the other
    token = await api_token(deployment, tenant, 1)
    for http in (first, second):
        http.headers["Authorization"] = f"Bearer {token}"
    # each process names the clock minute by its own clock: the requests all fall in one
    await clear_of_minute_edge(20)
    try:
        reads = [await http.get("/v1/me") for http in (first, second) * 4]
        writes = [
            await http.post(
                f"{tenant.seller}/buyers",
                json=buyer_body(),
                headers={"Idempotency-Key": str(uuid4())},
            )
            for http in (second, first) * 3
        ]
    finally:
        await first.aclose()
        await second.aclose()
    # six reads a minute: three through each process, the seventh refused, wherever it went
    assert [a.status_code for a in reads] == [200] * 6 + [429, 429], [a.text for a in reads]
    remaining = [a.headers["x-ratelimit-remaining"] for a in reads]
    assert remaining == ["5", "4", "3", "2", "1", "0", "0", "0"]
    # four writes a minute, a budget of its own
    assert [a.status_code for a in writes] == [201, 200, 200, 200, 429, 429], [
        a.text for a in writes
    ]
    assert [a.headers["x-ratelimit-remaining"] for a in writes] == ["3", "2", "1", "0", "0", "0"]
    for answers, category, limit in ((reads, "read", 6), (writes, "write", 4)):
        for answer in answers:
            assert answer.headers["x-ratelimit-limit"] == str(limit)
            assert answer.headers["x-ratelimit-category"] == category
        for refused in answers[-2:]:
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "rate-limited"
            assert refused.json()["detail"] == (
                f"{limit} requests per minute for {category} category exceeded."
            )
            assert 1 <= int(refused.headers["retry-after"]) <= 60
    # one clock minute, whichever process answered: its end is the same to the second
    resets = {int(a.headers["x-ratelimit-reset"]) for a in reads + writes}
    assert len(resets) == 1 and resets.pop() % 60 == 0


# ----- idempotency: one record in the database, whichever process a retry reaches -----


async def test_the_same_idempotency_key_through_both_processes_applies_once(
    deployment: Deployment,
):
    await deployment.two_workers()
    tenant = await tenant_of(deployment.db, "ENTERPRISE")
    token = await api_token(deployment, tenant, 0)
    first = httpx.AsyncClient(base_url=deployment.api_urls[0], timeout=30)
    second = httpx.AsyncClient(base_url=deployment.api_urls[1], timeout=30)
    for http in (first, second):
        http.headers["Authorization"] = f"Bearer {token}"
    both = BothApis(deployment, token)
    try:
        orders = client_of(tenant, both)
        buyer = await orders.buyer()

        # the order: created through one process, the retry through the other replays it
        key = {"Idempotency-Key": str(uuid4())}
        body = orders.order_body(buyer, f"deal-{uuid4()}")
        created = await first.post(f"{tenant.seller}/orders", json=body, headers=key)
        assert created.status_code == 201, created.text
        again = await second.post(f"{tenant.seller}/orders", json=body, headers=key)
        assert again.status_code == 200 and replayed(again), again.text
        assert again.json() == created.json()
        assert again.headers["location"] == created.headers["location"]
        order = created.json()["uuid"]

        # a command sent to both at the same moment: one runs it, the other waits and replays
        invoice_key = {"Idempotency-Key": str(uuid4())}
        invoice = invoice_body()
        path = f"{tenant.seller}/orders/{order}/invoice"
        racing = await asyncio.gather(
            first.post(path, json=invoice, headers=invoice_key),
            second.post(path, json=invoice, headers=invoice_key),
        )
        assert [a.status_code for a in racing] == [201, 201], [a.text for a in racing]
        assert racing[0].json() == racing[1].json()
        assert sorted(replayed(a) for a in racing) == [False, True]

        # an upload (a new multipart boundary each time): the other process replays it too
        key = {"Idempotency-Key": str(uuid4())}
        content = pdf("the preliminary invoice, sent twice")
        fields = {
            "type": "SHIPMENT_PRELIMINARY_INVOICE",
            "documentDate": seller_today().isoformat(),
        }
        uploads = []
        for http in (second, first):
            files = {"file": ("invoice.pdf", content, "application/pdf")}
            uploads.append(
                await http.post(f"{path}/documents", data=fields, files=files, headers=key)
            )
        assert [a.status_code for a in uploads] == [201, 201], [a.text for a in uploads]
        assert uploads[1].json() == uploads[0].json() and replayed(uploads[1])

        # the same key with another request to its endpoint is refused by either process
        other = invoice | {"invoiceNumber": "INV-OTHER"}
        reused = await first.post(path, json=other, headers=invoice_key)
        assert reused.status_code == 422 and reused.json()["code"] == "idempotency-key-reused"

        # applied once: one order, one invoice, one document
        async with deployment.db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Order)
                .where(Order.external_order_id == body["externalOrderId"])
            )
        assert count == 1
        listed = (await second.get(path)).json()
        assert [i["invoiceNumber"] for i in listed] == [invoice["invoiceNumber"]]
        documents = (await first.get(f"{tenant.seller}/orders/{order}/documents")).json()
        assert [d["uuid"] for d in documents] == [uploads[0].json()["uuid"]]
    finally:
        await first.aclose()
        await second.aclose()
        await both.aclose()


# ----- lifecycles to VALID, one worker killed in the middle of them -----


async def workflow_task_identities(deployment: Deployment, order: str) -> list[str]:
    """Who completed each workflow task of the order's workflow, in order (``pid@host``). The
    completion names its worker; the start of an Update's task, written to the history only
    once it completed, may name nobody."""
    history = await deployment.temporal.get_workflow_handle(f"order-{order}").fetch_history()
    identities = (
        event.workflow_task_completed_event_attributes.identity
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    return [identity for identity in identities if identity]


def identity_of(process: asyncio.subprocess.Process) -> str:
    """The Temporal identity a worker process polls with (the SDK's default)."""
    return f"{process.pid}@{socket.gethostname()}"


async def test_lifecycles_through_both_apis_reach_valid_when_a_worker_is_killed(
    deployment: Deployment,
):
    await deployment.two_workers()
    workers = deployment.live_workers
    assert len(workers) == 2
    tenant = await tenant_of(deployment.db, "ENTERPRISE")
    both = BothApis(deployment, await api_token(deployment, tenant, 1))
    created: list[str] = []
    try:
        orders = client_of(tenant, both)
        buyer = await orders.buyer()
        before = both.answered_writes

        async def lifecycle() -> str:
            """The steps of OrderClient.delivered, each request through the next process."""
            order = (await orders.order(buyer))["uuid"]
            created.append(order)
            await orders.invoice_and_payment(order)
            ready = await orders.post(f"/orders/{order}/payment/ready-for-pickup")
            assert ready.status_code == 200, ready.text
            picked = await orders.pickup(order)
            assert picked.status_code == 200, picked.text
            await orders.transport_evidence(order)
            delivered = await orders.deliver(order)
            assert delivered.status_code == 200, delivered.text
            return order

        running = [asyncio.create_task(lifecycle()) for _ in range(ORDERS)]
        # mid-lifecycle: every order exists, and about a third of their commands are answered
        async with asyncio.timeout(30):
            while len(created) < ORDERS or both.answered_writes - before < 4 * ORDERS:
                await asyncio.sleep(0.02)
        # the worker that runs most of the orders dies (its sticky caches with them)
        holders = Counter()
        for order in created:
            holders[(await workflow_task_identities(deployment, order))[-1]] += 1
        victim = max(workers, key=lambda w: holders[identity_of(w)])
        survivor = next(w for w in workers if w is not victim)
        held = holders[identity_of(victim)]
        assert held >= 1, holders
        await deployment.kill(victim)
        killed_at = time.monotonic()

        uuids = await asyncio.gather(*running)
        for order in uuids:
            await orders.compliance_until(
                order, lambda r: r["complianceStatus"] == "VALID", seconds=30
            )
        finished = time.monotonic() - killed_at
    except BaseException:
        print(deployment.tail())
        raise
    finally:
        await both.aclose()

    # both processes served the lifecycles
    assert both.served[0] > 10 and both.served[1] > 10, both.served
    # every order: valid, and nothing lost or applied twice by the retries
    expected_documents = sorted(
        [
            "PAYMENT_CONFIRMATION",
            "SHIPMENT_PRELIMINARY_INVOICE",
            "TRANSPORT_CMR",
            "TRANSPORT_CMR_DELIVERY",
            "TRANSPORT_INSURANCE_POLICY",
        ]
    )
    both = BothApis(deployment, await api_token(deployment, tenant, 0))
    orders = client_of(tenant, both)
    try:
        for order in uuids:
            got = (await orders.get(f"/orders/{order}")).json()
            assert got["status"] == "COMPLIANCE_VALID", got
            invoices = (await orders.get(f"/orders/{order}/invoice")).json()
            assert len(invoices) == 1, invoices
            documents = (await orders.get(f"/orders/{order}/documents")).json()
            assert sorted(d["type"] for d in documents) == expected_documents, documents
            transport = (await orders.get(f"/orders/{order}/transport")).json()
            assert transport["pickup"]["pickupDate"] == seller_today().isoformat(), transport
    finally:
        await both.aclose()

    # the orders the dead worker held went on on the other: every workflow task since is its
    identities = {order: await workflow_task_identities(deployment, order) for order in uuids}
    moved = [o for o, ran in identities.items() if identity_of(victim) in ran]
    assert len(moved) >= held, identities
    for order, ran in identities.items():
        assert ran[-1] == identity_of(survivor), (order, ran)
    assert finished < 45, f"{finished:.1f} s from the kill to every order VALID"
