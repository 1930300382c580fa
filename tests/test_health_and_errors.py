"""Health probes and the problem+json contract for errors nobody planned for."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from api.shared.errors import Unavailable
from api.web.core import WebRoute
from store.db import Database
from tests.conftest import Stack, free_port, serving, settings_for_tests


async def test_healthz_and_readyz_with_a_polling_worker(stack: Stack):
    async with stack.http() as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "temporal": "ok", "worker": "ok"}


async def test_readyz_is_503_when_no_worker_polls(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    app = create_app(settings_for_tests(pg_url), db=db, temporal_client=dev_server.client)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["retry-after"].isdigit()
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["temporal"] == "ok"
    assert "no worker polls" in ready.json()["checks"]["worker"]


async def test_unexpected_errors_hide_internals_and_carry_a_trace_id(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    app = create_app(settings_for_tests(pg_url), db=db, temporal_client=dev_server.client)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret.py line 12")

    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        answer = await http.get("/boom", headers={"X-Request-Id": "boom-1"})
        missing = await http.get("/no/such/path", headers={"X-Request-Id": "abc-123"})
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "internal-error" and body["traceId"].startswith("req_")
    # answered inside the middlewares: the caller's id echoed, the security headers on it
    assert answer.headers["x-request-id"] == "boom-1"
    assert answer.headers["cache-control"] == "no-store"
    assert "hunter2" not in answer.text and "secret.py" not in answer.text
    assert missing.status_code == 404 and missing.json()["code"] == "not-found"
    assert missing.headers["x-request-id"] == "abc-123"


async def test_a_database_that_does_not_answer_is_503_with_retry_after(
    dev_server: WorkflowEnvironment,
):
    gone = f"postgresql+asyncpg://nt24:nt24@127.0.0.1:{free_port()}/nt24"
    app = create_app(settings_for_tests(gone), temporal_client=dev_server.client)
    token_url = "/realms/nt24-idp/protocol/openid-connect/token"
    form = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        # reads the API clients
        token = await http.post(token_url, data=form, headers={"X-Request-Id": "db-1"})
        # the payments API's seller login reads its users
        login = await http.post("/v1/api/token/", json={"username": "a@b.c", "password": "x"})
    assert token.status_code == 503, token.text
    assert token.headers["content-type"] == "application/problem+json"
    body = token.json()
    assert body["code"] == "service-unavailable" and body["traceId"].startswith("req_")
    assert token.headers["x-request-id"] == "db-1"
    assert token.headers["x-content-type-options"] == "nosniff"
    for answer in (token, login):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"].isdigit()
        assert "127.0.0.1" not in answer.text and "asyncpg" not in answer.text


async def test_web_pages_answer_a_dependency_away_in_words_with_retry_after(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    app = create_app(settings_for_tests(pg_url), db=db, temporal_client=dev_server.client)
    pages = APIRouter(prefix="/app/away", route_class=WebRoute)

    @pages.get("/temporal")
    async def temporal_away() -> None:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")

    @pages.get("/database")
    async def database_away() -> None:
        raise Unavailable("The database did not answer.")

    app.include_router(pages)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        answers = [await http.get(f"/app/away/{name}") for name in ("temporal", "database")]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("text/html"), answer.text
        assert answer.headers["retry-after"].isdigit()
        assert "Service Unavailable" in answer.text and "connection refused" not in answer.text
