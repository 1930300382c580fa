"""Shared fixtures: real PostgreSQL (from scripts/test), real Temporal servers, a real HTTP stack.

Nothing here is mocked: the database is the throwaway PostgreSQL cluster that ``scripts/test``
starts, Temporal is the pip-installed dev server (or the time-skipping test server), and the API
is served by uvicorn on a loopback port.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

import sandboxes.app
from activities.kept_alive import KeptAliveClients
from api.main import create_app
from api.shared.converter import DATA_CONVERTER
from api.shared.payload_codec import decoded_history
from devstack import TEMPORAL_TUNING, free_port
from sandboxes.mail import MailCatcher
from settings import RateLimits, Settings
from store.db import Database
from store.identity import api_clients, identity
from store.migrate import upgrade_async
from worker import build_worker
from workflows import search_attributes

BIN = Path(sys.executable).parent


def _binary(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        pytest.exit(f"{name} is missing: run the tests through scripts/test", returncode=2)
    return found


# What a test marked fast may not need: scripts/test -m fast starts no PostgreSQL (every
# database fixture asks for pg_url) and no dev server
NOT_IN_THE_FAST_LANE = {"pg_url", "dev_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs = NOT_IN_THE_FAST_LANE.intersection(getattr(item, "fixturenames", ()))
        if needs and item.get_closest_marker("fast"):
            raise pytest.UsageError(f"{item.nodeid} is marked fast but needs {sorted(needs)}")


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get("NT24_TEST_DATABASE_URL")
    if not url:
        pytest.exit(
            "NT24_TEST_DATABASE_URL is not set: run the suite with scripts/test, which starts "
            "a throwaway PostgreSQL cluster",
            returncode=2,
        )
    return url


async def fresh_database(url: str) -> None:
    """Empty the database, then apply every migration."""
    if url.startswith("postgresql"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def db(pg_url: str) -> AsyncIterator[Database]:
    await fresh_database(pg_url)
    database = Database(pg_url)
    yield database
    await database.dispose()


@pytest_asyncio.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite file, the embedded default's database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    await fresh_database(url)
    database = Database(url)
    yield database
    await database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Database:
    """Each database the project runs on: a test taking it runs once on each."""
    # a plain fixture: it sets up the chosen database's async fixture outside the event loop,
    # whether or not an earlier test already made the session's PostgreSQL one
    return request.getfixturevalue("sqlite_store" if request.param == "sqlite" else "db")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


async def start_dev_server(
    *extra_args: str, port: int | None = None, **options: Any
) -> WorkflowEnvironment:
    """A Temporal dev server, tuned, with the project's search attributes, on ``port`` or a
    port picked for it."""
    return await _started(
        lambda picked: WorkflowEnvironment.start_local(
            dev_server_existing_path=_binary("temporal"),
            data_converter=DATA_CONVERTER,
            search_attributes=search_attributes.ALL,
            dev_server_extra_args=[*TEMPORAL_TUNING, *extra_args],
            dev_server_startup_timeout=SERVER_STARTUP,
            port=picked,
            **options,
        ),
        port,
    )


# A server starts in about a second when the machine is idle; the SDK waits 5 s by default,
# little on two cores busy with the suite's other processes.
SERVER_STARTUP = timedelta(seconds=20)


async def _started(
    start: Callable[[int], Awaitable[WorkflowEnvironment]], port: int | None = None
) -> WorkflowEnvironment:
    """``start`` on ``port`` or a picked one. A dev server picks its other ports (HTTP API,
    metrics, its internal services: five more) from the kernel's ephemeral range, where one can
    be taken before it binds it: a start that fails is tried again, on another picked port."""
    tries_left = 3
    while True:
        tries_left -= 1
        try:
            return await start(port or free_port())
        except RuntimeError as failed:
            if not tries_left or not str(failed).startswith("Failed starting"):
                raise


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """One time-skipping server per test module: a skip fires the timers of every workflow on
    the server, so modules must not pile up each other's (dunning ladders, daily re-checks)."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


async def start_time_skipping() -> WorkflowEnvironment:
    """A time-skipping test server. A module's is shared, so its clock is as far ahead as
    earlier tests slept; a test that needs the clock at today starts one of its own."""
    env = await _started(
        lambda port: WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=_binary("temporal-test-server"),
            data_converter=DATA_CONVERTER,
            test_server_startup_timeout=SERVER_STARTUP,
            port=port,
        )
    )
    # the order workflow sets the project's search attributes: register them, as the dev
    # server's --search-attribute flags do
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in search_attributes.ALL
            },
        )
    )
    return env


async def capture_history(handle: WorkflowHandle[Any, Any], name: str) -> None:
    """With NT24_CAPTURE_HISTORIES set, keep the run's history for the replay test."""
    if os.environ.get("NT24_CAPTURE_HISTORIES"):
        # in clear: the replay test reads it with whatever payload keys its run has
        history = await decoded_history(await handle.fetch_history(), DATA_CONVERTER.payload_codec)
        path = Path(__file__).parent / "histories" / f"{name}.json"
        # the workflow id too: workflows derive ids (of children, of events) from it
        saved = {"workflowId": history.workflow_id} | json.loads(history.to_json())
        path.write_text(json.dumps(saved, indent=1))


@asynccontextmanager
async def serving(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on ``port`` (a free loopback one); yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest_asyncio.fixture
async def outgoing() -> AsyncIterator[KeptAliveClients]:
    """HTTP clients for a provider's client under test, as the worker keeps them; closed after."""
    clients = KeptAliveClients()
    yield clients
    await clients.close()


_mail_catcher: MailCatcher | None = None


def running_mail_catcher() -> MailCatcher:
    """The suite's one mail catcher, taking SMTP on a free loopback port from first use on."""
    global _mail_catcher
    if _mail_catcher is None:
        _mail_catcher = MailCatcher()
        _mail_catcher.start("127.0.0.1", free_port())
    return _mail_catcher


@pytest.fixture(scope="session")
def mail_catcher() -> Iterator[MailCatcher]:
    """Every e-mail the platform sent in this test session: ``.messages``, ``.wait_for(...)``."""
    catcher = running_mail_catcher()
    yield catcher
    catcher.stop()


def settings_for_tests(pg_url: str, **overrides: Any) -> Settings:
    catcher = running_mail_catcher()
    values: dict[str, Any] = {
        "environment": "test",
        # every e-mail goes to the suite's mail catcher
        "smtp_host": "127.0.0.1",
        "smtp_port": catcher.port,
        "smtp_starttls": False,
        "database_url": pg_url,
        "jwt_secret": "test-secret-" + "x" * 40,
        "invitation_link_secret": "test-link-secret-" + "y" * 40,
        "task_queue": f"nt24-test-{uuid4().hex[:8]}",
        # Many tests share little time: the limits themselves are tested in test_conventions
        "rate_limits_standard": RateLimits(read=100_000, write=100_000, webhook=100_000),
        # every test signs in from 127.0.0.1: the throttle is tested in test_security_credentials
        "login_throttle_pair_failures": 100_000,
        "login_throttle_address_failures": 100_000,
        "login_throttle_account_failures": 100_000,
        # the many workers of the suite render Export Files in a thread (one process each
        # would start reportlab and pyhanko anew); tests/test_export_file_render.py runs the
        # processes
        "export_file_processes": 0,
    }
    return Settings(**(values | overrides))


class Stack:
    """The API on a loopback port and a worker, both on the real dev server and PostgreSQL."""

    def __init__(self, base_url: str, settings: Settings, db: Database, client: Client) -> None:
        self.base_url = base_url
        self.settings = settings
        self.db = db
        self.client = client

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def login(self, username: str, password: str) -> str:
        async with self.http() as http:
            answer = await http.post(
                "/v1/api/token/", json={"username": username, "password": password}
            )
        assert answer.status_code == 200, answer.text
        return answer.json()["access"]


@asynccontextmanager
async def running_stack(
    pg_url: str,
    db: Database,
    env: WorkflowEnvironment,
    *,
    wait_for_pollers: bool = True,
    **overrides: Any,
) -> AsyncIterator[Stack]:
    """API, worker and provider sandboxes on loopback, on the Temporal server of ``env``;
    ``overrides``: settings of a deployment that sets them otherwise than the tests do."""
    # The worker's provider clients talk to the sandboxes over HTTP, as in the dev stack.
    async with serving(sandboxes.app.create_app(running_mail_catcher())) as sandboxes_url:
        # known before it serves: providers call back to it (iDenfy's callbackUrl)
        api_port = free_port()
        settings = settings_for_tests(
            pg_url,
            public_base_url=f"http://127.0.0.1:{api_port}",
            vies_base_url=f"{sandboxes_url}/vies",
            credit_bureau_base_url=f"{sandboxes_url}/credit-bureau",
            idenfy_base_url=f"{sandboxes_url}/idenfy",
            idenfy_aml_base_url=f"{sandboxes_url}/idenfy-aml",
            **overrides,
        )
        app = create_app(settings, db=db, temporal_client=env.client)
        async with serving(app, api_port) as base_url, build_worker(env.client, db, settings):
            if wait_for_pollers:
                await wait_until_ready(base_url)
            yield Stack(base_url, settings, db, env.client)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stack(pg_url: str, db: Database, dev_server: WorkflowEnvironment) -> AsyncIterator[Stack]:
    async with running_stack(pg_url, db, dev_server) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def sqlite_stack(
    tmp_path_factory: pytest.TempPathFactory, dev_server: WorkflowEnvironment
) -> AsyncIterator[Stack]:
    """The same stack on an SQLite file, the embedded default's database."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite-stack') / 'nt24.db'}"
    await fresh_database(url)
    database = Database(url)
    try:
        async with running_stack(url, database, dev_server) as running:
            yield running
    finally:
        await database.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def either_stack(request: pytest.FixtureRequest) -> Stack:
    """The stack on each database the project runs on: a test taking it runs once on each."""
    return request.getfixturevalue("stack" if request.param == "postgresql" else "sqlite_stack")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def skipping_stack(
    pg_url: str, db: Database, time_skipping: WorkflowEnvironment
) -> AsyncIterator[Stack]:
    """The same stack on the time-skipping server: days pass with ``time_skipping.sleep``."""
    # the Java test server does not report task-queue pollers: /readyz cannot see the worker
    async with running_stack(pg_url, db, time_skipping, wait_for_pollers=False) as running:
        yield running


async def wait_until_ready(base_url: str) -> None:
    """As an orchestrator would: poll /readyz until the worker is seen polling."""
    async with httpx.AsyncClient(base_url=base_url) as http, asyncio.timeout(30):
        while (await http.get("/readyz")).status_code != 200:
            await asyncio.sleep(0.1)


class Tenant:
    """An organization with one user, made fresh for a test."""

    def __init__(self, org_uuid: str, org_slug: str, username: str, password: str) -> None:
        self.org_uuid = org_uuid
        self.org_slug = org_slug
        self.username = username
        self.password = password


async def make_tenant(db: Database, *, dpa: bool = True, **org_flags: bool) -> Tenant:
    """An organization (its DPA accepted unless ``dpa=False``) and one web app user of it."""
    suffix = uuid4().hex[:8]
    password = f"pw-{uuid4().hex}"
    async with db.transaction() as session:
        org = await identity.create_organization(
            session,
            f"Org {suffix}",
            dpa_version="2026-01" if dpa else None,
            dpa_accepted_at=datetime.now(UTC) if dpa else None,
            **org_flags,
        )
        user = await identity.create_user(
            session, f"user-{suffix}", password, email=f"{suffix}@example.com", organization=org
        )
    return Tenant(str(org.uuid), org.slug, user.username, password)


class ApiTenant:
    """An NT24 integration organization with one partner and one API client."""

    def __init__(
        self, org: Any, partner: Any, client_id: str, client_secret: str, other_partner: Any
    ) -> None:
        self.org = org
        self.partner = partner
        self.other_partner = other_partner  # also authorized, for cross-partner checks
        self.client_id = client_id
        self.client_secret = client_secret

    @property
    def seller(self) -> str:
        return f"/v1/partners/{self.partner.uuid}"


async def make_api_tenant(db: Database, *, dpa: bool = True, **capabilities: Any) -> ApiTenant:
    suffix = uuid4().hex[:8]
    async with db.transaction() as session:
        org = await identity.create_organization(
            session,
            f"Marketplace {suffix}",
            dpa_version="2026-01" if dpa else None,
            dpa_accepted_at=datetime.now(UTC) if dpa else None,
        )
        for flag, value in capabilities.items():
            setattr(org, flag, value)
        partner = await identity.create_partner(
            session, org, f"Autohaus {suffix}", "DE", vat_number="DE136695976"
        )
        other = await identity.create_partner(session, org, f"Autohaus B {suffix}", "AT")
        client, secret = await api_clients.create_api_client(session, org, f"system {suffix}")
    return ApiTenant(org, partner, client.client_id, secret, other)


async def client_token(stack: Stack, tenant: ApiTenant) -> str:
    async with stack.http() as http:
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
