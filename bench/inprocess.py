"""The API's fixed cost per request, in process: CPU µs per raw ASGI call, no server, no socket.

    .venv/bin/python -m bench.inprocess [--requests 400] [--rounds 3]

Settings come from the environment exactly as ``bench/stack.py`` sets them for the served API
(SQLite in a temporary folder, or ``NT24_BENCH_DATABASE_URL``). One seller with one order
(written straight into the read model, as its workflow would) is seeded, then each case is
called ``--requests`` times per round on the same event loop, after a warm-up:

- ``hello``: a bare FastAPI hello-world (bench/hello_app.py), the floor;
- ``noop``: ``/bench/hello`` inside the API (bench/api_app.py): the middleware stack alone;
- ``compliance 200`` / ``compliance 304``: the order's compliance GET, fresh and with
  If-None-Match;
- ``order 200``: the order GET.

Prints the best round's CPU µs per request of each case and its ratio to hello-world (a lower
bound on the throughput share a server could reach). Never asserted; exits non-zero only when a
case answers with an unexpected status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from sqlalchemy import select

from bench.hello_app import app as hello
from bench.stack import BenchStack, Seeded
from store.db import Database
from store.migrate import upgrade
from store.models import Buyer, Order, Partner

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    name: str
    app: Asgi
    method: str
    path: str
    headers: tuple[tuple[bytes, bytes], ...]
    status: int
    body: bytes = b""


async def call(case: Case) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request through the app's ASGI interface; answers the status, headers and body."""
    path, _, query = case.path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *case.headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": case.body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = dict(message.get("headers", []))
        else:
            answer["body"] += message.get("body", b"")

    await case.app(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


async def measure(case: Case, requests: int) -> float:
    """CPU µs per request over ``requests`` sequential calls."""
    started = time.process_time()
    for _ in range(requests):
        status, _, _ = await call(case)
        if status != case.status:
            raise RuntimeError(f"{case.name}: {status}, expected {case.status}")
    return (time.process_time() - started) / requests * 1e6


def bench_environment(root: Path) -> BenchStack:
    """The served API's environment (bench/stack.py), in this process."""
    stack = BenchStack(root, os.environ.get("NT24_BENCH_DATABASE_URL"))
    for name in [name for name in os.environ if name.startswith("NT24_")]:
        del os.environ[name]
    os.environ.update(stack.env)
    return stack


async def seed_order(database_url: str, seeded: Seeded) -> str:
    """One buyer and one order in the read model; answers the order's uuid."""
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            seller = UUID(seeded.seller_uuid)
            partner = await session.scalar(select(Partner).where(Partner.uuid == seller))
            buyer = Buyer(
                organization_id=partner.organization_id,
                partner_id=partner.id,
                vat_number="ATU12345678",
                company_name="Bench Käufer GmbH",
                street="Ring 1",
                post_code="1010",
                city="Wien",
                country="AT",
                kyc_mode="MARKETPLACE_LED",
            )
            session.add(buyer)
            await session.flush()
            uuid = uuid4()
            now = datetime.now(UTC)
            compliance = {
                "version": 3,
                "complianceStatus": "IN_PROGRESS",
                "checks": [
                    {"code": code, "status": "PASSED", "checkedAt": now.isoformat()}
                    for code in ("VIES", "KYC", "PAYMENT", "TRANSPORT", "DOCUMENTS")
                ],
            }
            session.add(
                Order(
                    uuid=uuid,
                    organization_id=partner.organization_id,
                    partner_id=partner.id,
                    buyer_id=buyer.id,
                    external_order_id="bench-1",
                    workflow_id=f"bench-order-{uuid}",
                    status="CREATED",
                    compliance_status="IN_PROGRESS",
                    version=3,
                    revision=3,
                    order={"uuid": str(uuid), "externalOrderId": "bench-1", "status": "CREATED"},
                    invoices=[],
                    payment=None,
                    transport={},
                    compliance=compliance,
                    export_file={},
                    create_fingerprint="0" * 64,
                    created_at=now,
                    updated_at=now,
                )
            )
        return str(uuid)
    finally:
        await db.dispose()


async def token(app: Asgi, seeded: Seeded) -> str:
    """An NT24 API client token (client_credentials), as bench/run.py gets one."""
    form = {
        "grant_type": "client_credentials",
        "client_id": seeded.client_id,
        "client_secret": seeded.client_secret,
    }
    form_type = (b"content-type", b"application/x-www-form-urlencoded")
    path = "/realms/nt24-idp/protocol/openid-connect/token"
    case = Case("token", app, "POST", path, (form_type,), 200, urlencode(form).encode())
    status, _, body = await call(case)
    if status != case.status:
        raise RuntimeError(f"no token: {status} {body!r}")
    return json.loads(body)["access_token"]


async def main(requests: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="nt24-inprocess-") as folder:
        stack = bench_environment(Path(folder))
        await asyncio.to_thread(upgrade, stack.database_url)
        seeded = await stack.seed()
        order_uuid = await seed_order(stack.database_url, seeded)
        # the served API logs each request to stderr (console lines in dev): so does this one,
        # into a file, so the log line is part of the cost
        stderr = sys.stderr
        with (stack.logs / "api.log").open("w") as log:
            sys.stderr = log
            try:
                best = await run_cases(seeded, order_uuid, requests, rounds)
                await asyncio.sleep(0)  # the last turn's log lines, written before it closes
            finally:
                sys.stderr = stderr
    floor = best["hello"]
    database = "postgresql" if stack.database_url.startswith("postgresql") else "sqlite"
    print(f"in-process CPU per request, N={requests}, best of {rounds} ({database})")
    print(f"{'case':<16}{'µs':>10}{'hello/case':>12}")
    for name, micros in best.items():
        print(f"{name:<16}{micros:>10.1f}{floor / micros:>11.0%}")
    return 0


async def run_cases(
    seeded: Seeded, order_uuid: str, requests: int, rounds: int
) -> dict[str, float]:
    """The best round's CPU µs per request of each case."""
    from bench.api_app import create_bench_api  # builds the API from the environment

    api = create_bench_api()
    async with api.router.lifespan_context(api):
        bearer = (b"authorization", f"Bearer {await token(api, seeded)}".encode())
        order = f"/v1/partners/{seeded.seller_uuid}/orders/{order_uuid}"
        fresh = Case("compliance 200", api, "GET", f"{order}/compliance", (bearer,), 200)
        status, headers, body = await call(fresh)
        if status != fresh.status:
            raise RuntimeError(f"{fresh.name}: {status} {body!r}")
        etag = (b"if-none-match", headers[b"etag"])
        cases = [
            Case("hello", hello, "GET", "/hello", (), 200),
            Case("noop", api, "GET", "/bench/hello", (), 200),
            fresh,
            Case("compliance 304", api, "GET", f"{order}/compliance", (bearer, etag), 304),
            Case("order 200", api, "GET", order, (bearer,), 200),
        ]
        for case in cases:  # warm-up: caches, the cached principal, the statements
            await measure(case, 50)
        best = {case.name: float("inf") for case in cases}
        for _ in range(rounds):
            for case in cases:
                best[case.name] = min(best[case.name], await measure(case, requests))
    return best


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.requests, args.rounds)))


if __name__ == "__main__":
    cli()
