"""Speed and memory of the order lifecycle, measured on a stack of its own; never asserted.

    .venv/bin/python -m bench.run [--orders 20] [--concurrency 4] [--open-orders 200] ...

Starts Temporal (tuned like the dev stack), the sandboxes, the worker and the API on free
loopback ports in a temporary folder (SQLite app database, or ``NT24_BENCH_DATABASE_URL``),
then on the same servers measures:

1. order lifecycles through the HTTP API: lifecycles/s and p50/p99 per route (raw asyncio
   client, see bench/client.py);
2. the worker's RSS per 1,000 open orders;
3. bare figures: a one-activity workflow, a bare Update and Query, a hello-world endpoint, and
   compliance GETs (200 and 304) at 50 connections (wrk), then ours as ratios of them.

Prints a table and writes it as JSON to bench/results/latest.json. Exits 0 whether or not the
aims are met; non-zero only when the run itself could not be made. Sends traffic to 127.0.0.1
only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Worker

from api.shared.converter import data_converter
from bench import wrk
from bench.client import HttpClient
from bench.echo import BenchEchoWorkflow
from bench.lifecycle import (
    COMMANDS,
    COMPLIANCE,
    ORDER,
    UPLOADS_PER_LIFECYCLE,
    Recorder,
    Seller,
    pdfs,
    run_lifecycles,
)
from bench.stack import HOST, BenchStack, Seeded, cpu_seconds, machine_cpu, rss_kib
from bench.webhooks import (
    arrived,
    burst,
    delay_breakdown,
    delivery_delays,
    receiving,
    webhook_runs,
)
from settings import Settings
from store.db import Database
from store.migrate import upgrade
from store.models import ExportFile, Order
from workflows.ids import order_workflow_id
from workflows.round_trip import RoundTripInput, RoundTripWorkflow

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
WATCHED = ("api", "worker", "temporal", "sandboxes", "hello")
# Temporal caps the Updates of one run (history.maxTotalUpdates, 2000 by default)
MAX_UPDATES_PER_WORKFLOW = 1500
ALONE = 2  # lifecycles run one at a time before the concurrent ones


# ----- small measuring helpers -----


def percentile(values: list[float], q: float) -> float | None:
    """Nearest rank: with 20 samples p99 is the slowest one."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def hop_figures(hops: dict[str, list[float]]) -> dict[str, list[float | None]]:
    """Each hop's p50 and p99 (ms), as ``delay_breakdown`` measured them."""
    return {
        hop: [ms(percentile(values, 0.5)), ms(percentile(values, 0.99))]
        for hop, values in hops.items()
        if values
    }


@contextmanager
def cpu_window(stack: BenchStack) -> Iterator[dict[str, float]]:
    """CPU of each server process and of this process (the client) over the block, as a
    fraction of one core; filled in when the block ends."""
    result: dict[str, float] = {}
    before = {name: cpu_seconds(stack.pid(name)) for name in WATCHED}
    self_before = time.process_time()
    children_before = _children_cpu()
    machine_before, _ = machine_cpu()
    started = time.perf_counter()
    yield result
    wall = time.perf_counter() - started
    for name in WATCHED:
        result[name] = round((cpu_seconds(stack.pid(name)) - before[name]) / wall, 3)
    result["bench client"] = round((time.process_time() - self_before) / wall, 3)
    ours = sum(result[name] for name in WATCHED) + result["bench client"]
    ours += (_children_cpu() - children_before) / wall  # wrk
    # Other sessions' work on the same cores (a test suite, say) distorts every figure
    result["other processes"] = round(
        max(0.0, (machine_cpu()[0] - machine_before) / wall - ours), 3
    )
    result["seconds"] = round(wall, 2)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def timed_lanes(
    op: Callable[[int], Awaitable[Any]], lanes: int, seconds: float, per_lane: int
) -> dict[str, Any]:
    """``op(lane)`` in a loop on each lane, until ``seconds`` or ``per_lane`` calls."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def lane(index: int) -> None:
        for _ in range(per_lane):
            if time.perf_counter() >= deadline:
                return
            begun = time.perf_counter()
            await op(index)
            latencies.append(time.perf_counter() - begun)

    await asyncio.gather(*(lane(i) for i in range(lanes)))
    elapsed = time.perf_counter() - started
    return {
        "connections": lanes,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(percentile(latencies, 0.99)),
    }


async def sql_counts(http: HttpClient) -> dict[str, int]:
    """SQL statements and commits the API process has sent so far (bench/api_app.py)."""
    return (await http.request("GET", "/bench/sql")).json()


def per(after: dict[str, int], before: dict[str, int], count: int) -> dict[str, float]:
    return {k: round((after[k] - before[k]) / max(1, count), 1) for k in after}


def figure(name: str, generator: str, values: dict[str, Any], cpu: dict[str, float]) -> dict:
    return {"name": name, "generator": generator, **values, "cpu": cpu}


# ----- the phases -----


async def _machine_busy(seconds: float) -> float:
    """Busy cores of the whole machine over a short idle wait (our stack is idle then)."""
    before, _ = machine_cpu()
    await asyncio.sleep(seconds)
    return round((machine_cpu()[0] - before) / seconds, 2)


async def wait_ready(http: HttpClient, stack: BenchStack) -> None:
    async with asyncio.timeout(90):
        while True:
            if problem := stack.exited():
                raise RuntimeError(problem)
            answer = await http.request("GET", "/readyz")
            if answer.status == 200:
                return
            await asyncio.sleep(0.2)


async def tokens(http: HttpClient, seeded: Seeded) -> tuple[str, str]:
    """An NT24 API client token (client_credentials) and a NOTYD user token."""
    nt24 = await http.request(
        "POST",
        "/realms/nt24-idp/protocol/openid-connect/token",
        form={
            "grant_type": "client_credentials",
            "client_id": seeded.client_id,
            "client_secret": seeded.client_secret,
        },
    )
    user = await http.request(
        "POST",
        "/v1/api/token/",
        json_body={"username": seeded.username, "password": seeded.password},
    )
    if nt24.status != 200 or user.status != 200:
        raise RuntimeError(f"no tokens: {nt24.status} {nt24.text()} / {user.status} {user.text()}")
    return nt24.json()["access_token"], user.json()["access"]


@dataclass
class Session:
    """The bench's tenant, once the API answers: its NT24 API client and NOTYD user signed in."""

    seeded: Seeded
    api: HttpClient  # sends the NT24 API client's token
    nt24_bearer: dict[str, str]
    user_token: str
    machine_busy_at_idle: float  # busy cores while our stack idles


async def start_session(stack: BenchStack) -> Session:
    seeded = await stack.seed()
    plain = HttpClient(HOST, stack.api_port)
    await wait_ready(plain, stack)
    busy = await _machine_busy(2.0)
    nt24_token, user_token = await tokens(plain, seeded)
    await plain.close()
    bearer = {"Authorization": f"Bearer {nt24_token}"}
    return Session(
        seeded, HttpClient(HOST, stack.api_port, headers=bearer), bearer, user_token, busy
    )


async def temporal_client(stack: BenchStack) -> Client:
    """A Temporal client that reads the stack's payloads (its keys)."""
    return await Client.connect(
        stack.temporal_address,
        data_converter=data_converter(Settings(payload_keys=stack.payload_keys)),
    )


async def export_files_made(database_url: str, orders: list[str]) -> int:
    """How many of these orders have an Export File. Their workflows make them once decided,
    and the lifecycles do not wait for them: fewer than the orders means some of the
    rendering's CPU fell after the window it is counted in."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            made = select(func.count(func.distinct(ExportFile.order_id))).join(Order)
            uuids = [UUID(order) for order in orders]
            return await session.scalar(made.where(Order.uuid.in_(uuids))) or 0
    finally:
        await db.dispose()


async def history_of(client: Client, workflow_id: str) -> dict[str, int]:
    """What one lifecycle cost Temporal: its history's events by kind."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    kinds: dict[str, int] = {}
    for event in history.events:
        name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
        kinds[name] = kinds.get(name, 0) + 1
    return {
        "events": len(history.events),
        "workflow_tasks": kinds.get("WORKFLOW_TASK_COMPLETED", 0),
        "updates": kinds.get("WORKFLOW_EXECUTION_UPDATE_COMPLETED", 0),
        "local_activities": kinds.get("MARKER_RECORDED", 0),
        "activities": kinds.get("ACTIVITY_TASK_COMPLETED", 0),
        "signals": kinds.get("WORKFLOW_EXECUTION_SIGNALED", 0),
    }


def route_table(recorder: Recorder) -> list[dict[str, Any]]:
    return [
        {
            "route": route,
            "count": len(samples),
            "p50_ms": ms(percentile(samples, 0.5)),
            "p99_ms": ms(percentile(samples, 0.99)),
            "command": route in COMMANDS,
        }
        for route, samples in sorted(recorder.samples.items(), key=lambda kv: kv[0].split()[1])
    ]


async def measure(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    deadline = time.monotonic() + args.max_minutes * 60
    session = await start_session(stack)
    seeded, api, user_token = session.seeded, session.api, session.user_token
    results: dict[str, Any] = {"machine_busy_at_idle": session.machine_busy_at_idle}
    if results["machine_busy_at_idle"] > 0.3:
        print(
            f"Warning: {results['machine_busy_at_idle']:.1f} cores are busy while our stack "
            "idles (another test suite?): the figures will be low and noisy",
            flush=True,
        )
    client = await temporal_client(stack)

    def budget(cap: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"the run's time budget (--max-minutes {args.max_minutes}) is spent")
        return min(cap, left)

    # 1. Lifecycles, after a warm-up that pays for first imports and cold caches, and a few
    # alone (one at a time): what a command costs when nothing else runs
    documents = pdfs(UPLOADS_PER_LIFECYCLE * (args.orders + args.warmup + ALONE))
    print(f"Warm-up: {args.warmup} lifecycle(s), then {ALONE} alone ...", flush=True)
    warm = await run_lifecycles(
        lambda: Seller(api, seeded.seller_uuid, Recorder(), documents), args.warmup, 1, budget(120)
    )
    alone_recorder = Recorder()
    alone = await run_lifecycles(
        lambda: Seller(api, seeded.seller_uuid, alone_recorder, documents), ALONE, 1, budget(120)
    )
    alone_commands = [s for route in COMMANDS for s in alone_recorder.samples.get(route, [])]
    print(f"Lifecycles: {args.orders} at concurrency {args.concurrency} ...", flush=True)
    recorder = Recorder()
    sql_before = await sql_counts(api)
    # every event of these lifecycles also goes to a webhook receiver: its delays are measured
    async with receiving(api) as receiver:
        started_at = datetime.now(UTC)
        with cpu_window(stack) as cpu:
            run = await run_lifecycles(
                lambda: Seller(api, seeded.seller_uuid, recorder, documents),
                args.orders,
                args.concurrency,
                budget(600),
            )
        exports_ready = await export_files_made(stack.database_url, run.orders)
        written = await receiver.settle(stack.database_url, started_at, seconds=budget(60))
        delays = delivery_delays(written, receiver.arrivals)
        window = max(receiver.arrivals.values(), default=0) - min(written.values(), default=0)
        lifecycle_webhooks = await webhook_runs(client, started_at)
        hops = await delay_breakdown(stack.database_url, lifecycle_webhooks, receiver.arrivals)
        # then as many events as a worker can take: a burst, written at once
        print(f"Webhooks at saturation: {args.burst_events} events at once ...", flush=True)
        burst_at = datetime.now(UTC)
        with cpu_window(stack) as burst_cpu:
            kicked = time.time()
            burst_events = await burst(
                client, stack.database_url, seeded.org_uuid, stack.task_queue, args.burst_events
            )
            await arrived(receiver, burst_events, budget(120))
        came = [e for e in burst_events if e in receiver.arrivals]
        burst_delays = [receiver.arrivals[e] - kicked for e in came]
        burst_webhooks = await webhook_runs(client, burst_at)
        burst_hops = await delay_breakdown(stack.database_url, burst_webhooks, receiver.arrivals)
    if not run.completed:
        raise RuntimeError("no lifecycle completed:\n" + "\n".join(run.failures[:5]))
    sql_after = await sql_counts(api)
    requests = recorder.requests()
    commands = [s for route in COMMANDS for s in recorder.samples.get(route, [])]
    lifecycle_rate = run.completed / run.seconds
    # Had no lane stalled: the lanes' busy time spent on completed lifecycles only
    steady_rate = run.completed / (sum(run.latencies) / min(args.concurrency, run.completed))
    history = await history_of(client, order_workflow_id(run.orders[0]))
    results["lifecycles"] = {
        "generator": "raw asyncio HTTP client (bench/client.py)",
        "orders": args.orders,
        "concurrency": args.concurrency,
        "completed": run.completed,
        "failed": run.failed,
        "failures": run.failures[:10],
        "compliance_statuses": run.statuses,
        "seconds": round(run.seconds, 2),
        "lifecycles_per_s": round(lifecycle_rate, 3),
        "lifecycles_per_s_without_stalls": round(steady_rate, 3),
        "lifecycle_p50_ms": ms(percentile(run.latencies, 0.5)),
        "lifecycle_p99_ms": ms(percentile(run.latencies, 0.99)),
        "requests": requests,
        "requests_per_lifecycle": round(sum(run.requests) / max(1, run.completed), 1),
        "api_sql_per_request": per(sql_after, sql_before, requests),
        "requests_per_s": round(requests / run.seconds, 1),
        "commands_per_lifecycle": round(len(commands) / max(1, run.completed), 1),
        "command_p50_ms": ms(percentile(commands, 0.5)),
        "command_p99_ms": ms(percentile(commands, 0.99)),
        "statuses": dict(sorted(recorder.statuses.items())),
        "routes": route_table(recorder),
        "cpu": cpu,
        "cpu_ms_per_lifecycle": {
            name: round(cpu[name] * run.seconds * 1000 / run.completed, 1)
            for name in (*WATCHED, "bench client", "other processes")
        },
        "history_of_one_order": history,
        "export_files_made_when_ended": exports_ready,
        "alone": {
            "lifecycles": alone.completed,
            "failures": alone.failures,
            "lifecycle_p50_ms": ms(percentile(alone.latencies, 0.5)),
            "command_p50_ms": ms(percentile(alone_commands, 0.5)),
        },
        "warmup": {
            "lifecycles": warm.completed,
            "failures": warm.failures,
            "first_lifecycle_ms": ms(warm.latencies[0] if warm.latencies else None),
        },
    }

    results["webhooks"] = {
        "generator": "the lifecycles above; a receiver in the bench process (bench/webhooks.py)",
        "events_written": len(written),
        "events_delivered": len(delays),
        "events_delivered_per_s": round(len(delays) / window, 1) if window > 0 else None,
        "state_change_to_delivery_p50_ms": ms(percentile(delays, 0.5)),
        "state_change_to_delivery_p99_ms": ms(percentile(delays, 0.99)),
        "not_delivered_within_a_minute": sorted(set(written) - set(receiver.arrivals)),
        "workflows_per_delivered_event": round(
            (lifecycle_webhooks.fan_outs + lifecycle_webhooks.deliveries) / max(1, len(delays)),
            2,
        ),
        "temporal_actions_per_delivered_event": round(
            lifecycle_webhooks.actions / max(1, len(delays)), 2
        ),
        "delay_hops_p50_p99_ms": hop_figures(hops),
        "saturation_events": args.burst_events,
        "saturation_delivered": len(burst_delays),
        "saturation_events_per_s": round(len(burst_delays) / max(burst_delays), 1)
        if burst_delays
        else None,
        "saturation_delay_p50_ms": ms(percentile(burst_delays, 0.5)),
        "saturation_delay_p99_ms": ms(percentile(burst_delays, 0.99)),
        "saturation_temporal_actions_per_event": round(
            burst_webhooks.actions / max(1, len(burst_delays)), 2
        ),
        "saturation_delay_hops_p50_p99_ms": hop_figures(burst_hops),
        "saturation_cpu_ms_per_event": {
            name: round(burst_cpu[name] * burst_cpu["seconds"] * 1000 / max(1, len(came)), 2)
            for name in ("worker", "temporal", "api")
        },
    }

    # 2. Worker memory per 1,000 open orders (created, never finished)
    seller = Seller(api, seeded.seller_uuid, Recorder(), documents)
    results["memory"], _ = await open_orders(
        stack, seller, await seller.buyer(), args.open_orders, args.concurrency, budget(300)
    )

    # 3. Bare figures on the same servers
    print("Bare figures ...", flush=True)
    bare: list[dict[str, Any]] = []
    seconds, conns, lanes = args.seconds, args.connections, args.concurrency
    scripts = stack.root / "wrk"
    scripts.mkdir(exist_ok=True)

    async def load(name: str, port: int, path: str, connections: int, **lua: Any) -> dict:
        budget(seconds + 60)
        sql_before = await sql_counts(api)
        with cpu_window(stack) as cpu:
            result = await wrk.run(
                name,
                f"http://{HOST}:{port}{path}",
                connections=connections,
                seconds=seconds,
                script=wrk.lua(**lua),
                scripts_dir=scripts,
            )
        entry = figure(name, "wrk", result.as_dict(), cpu)
        if port == stack.api_port:
            entry["api_sql_per_request"] = per(await sql_counts(api), sql_before, result.requests)
        bare.append(entry)
        return entry

    # The raw client's own ceiling: the lifecycles ran far below it, or it was the bottleneck
    hello = HttpClient(HOST, stack.hello_port)
    with cpu_window(stack) as cpu:
        ceiling = await timed_lanes(
            lambda _lane: hello.request("GET", "/hello"), lanes, budget(seconds), 10**6
        )
    await hello.close()
    raw_ceiling = figure("hello-world (raw client ceiling)", "raw asyncio client", ceiling, cpu)
    bare.append(raw_ceiling)
    hello_c = await load("hello-world", stack.hello_port, "/hello", lanes)
    hello_50 = await load("hello-world", stack.hello_port, "/hello", conns)
    no_op = await load("hello route in the API process", stack.api_port, "/bench/hello", conns)
    round_trip = await load(
        "trivial workflow (round-trip endpoint)",
        stack.api_port,
        "/v1/api/diagnostics/round-trip/",
        lanes,
        method="POST",
        body="{}",
        headers={"Authorization": f"Bearer {user_token}", "Content-Type": "application/json"},
    )
    with cpu_window(stack) as cpu:
        direct = await timed_lanes(
            lambda _lane: client.execute_workflow(
                RoundTripWorkflow.run,
                RoundTripInput(seeded.org_uuid, "ping"),
                id=f"bench-round-trip-{uuid4()}",
                task_queue=stack.task_queue,
                execution_timeout=timedelta(minutes=1),
            ),
            lanes,
            budget(seconds),
            10**6,
        )
    bare.append(figure("trivial workflow (Temporal client)", "bench process", direct, cpu))

    # The bare Update and Query: a tiny workflow on a worker in this process, own task queue
    queue = f"bench-echo-{uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[BenchEchoWorkflow]):
        echoes = [
            await client.start_workflow(
                BenchEchoWorkflow.run,
                id=f"{queue}-{i}",
                task_queue=queue,
                execution_timeout=timedelta(minutes=10),  # ends by itself whatever happens
            )
            for i in range(max(lanes, 4))
        ]
        with cpu_window(stack) as cpu:
            update = await timed_lanes(
                lambda lane: echoes[lane].execute_update(BenchEchoWorkflow.bump),
                lanes,
                budget(seconds),
                MAX_UPDATES_PER_WORKFLOW,
            )
        bare_update = figure("bare Update (tiny workflow)", "bench process", update, cpu)
        bare.append(bare_update)
        with cpu_window(stack) as cpu:
            update_alone = await timed_lanes(
                lambda lane: echoes[lane].execute_update(BenchEchoWorkflow.bump),
                1,
                budget(seconds),
                MAX_UPDATES_PER_WORKFLOW,
            )
        bare.append(figure("bare Update, one at a time", "bench process", update_alone, cpu))
        with cpu_window(stack) as cpu:
            query = await timed_lanes(
                lambda lane: echoes[lane].query(BenchEchoWorkflow.state),
                lanes,
                budget(seconds),
                10**6,
            )
        bare.append(figure("bare Query (tiny workflow)", "bench process", query, cpu))
        await load(
            "Query endpoint (tiny workflow)",
            stack.api_port,
            f"/bench/query/{echoes[0].id}",
            conns,
            paths=[f"/bench/query/{e.id}" for e in echoes],
        )
        for echo in echoes:
            await echo.signal(BenchEchoWorkflow.finish)
    await load(
        "Query endpoint (an order's view)",
        stack.api_port,
        f"/bench/query/order-{run.orders[0]}?name=view",
        conns,
        paths=[f"/bench/query/order-{o}?name=view" for o in run.orders],
    )

    # Compliance GETs of one decided order: 200, then 304 with its ETag
    path = COMPLIANCE.format(sellerId=seeded.seller_uuid, uuid=run.orders[0])
    first = await api.request("GET", path)
    etag = first.headers["etag"]
    check = await api.request("GET", path, headers={"If-None-Match": etag})
    if first.status != 200 or check.status != 304:
        raise RuntimeError(f"compliance GET answered {first.status} and {check.status}")
    bearer = session.nt24_bearer
    get_200 = await load("compliance GET 200", stack.api_port, path, conns, headers=bearer)
    get_304 = await load(
        "compliance GET 304 (If-None-Match)",
        stack.api_port,
        path,
        conns,
        headers=bearer | {"If-None-Match": etag},
    )
    await api.close()
    results["bare"] = bare

    # 4. Ours against the bare figures
    lc = results["lifecycles"]

    def aim(text: str, ours: float, target: float, higher_is_better: bool = True) -> dict:
        score = ours / target if higher_is_better else target / ours
        return {
            "aim": text,
            "ours": round(ours, 3),
            "target": round(target, 3),
            "score": round(score, 2),
            "met": score >= 1,
        }

    results["aims"] = [
        aim(
            f"lifecycles/s >= 1/5 of the trivial workflow's rate (round-trip endpoint, "
            f"{lanes} connections)",
            lc["lifecycles_per_s"],
            round_trip["rps"] / 5,
        ),
        aim(
            "command p50 (ms) <= 2x a bare Update's p50",
            lc["command_p50_ms"],
            2 * bare_update["p50_ms"],
            higher_is_better=False,
        ),
        aim(
            f"no-op route in the API process >= 70% of hello-world/s ({conns} connections)",
            no_op["rps"],
            0.7 * hello_50["rps"],
        ),
        aim(
            f"compliance GET 200/s >= 20% of hello-world/s ({conns} connections)",
            get_200["rps"],
            0.2 * hello_50["rps"],
        ),
        aim(
            f"compliance GET 304/s >= 20% of hello-world/s ({conns} connections)",
            get_304["rps"],
            0.2 * hello_50["rps"],
        ),
        aim(
            "worker MiB per 1,000 open orders <= 150",
            results["memory"]["worker_mib_per_1000_open_orders"],
            150,
            higher_is_better=False,
        ),
        aim(
            "webhook delay p99 (ms) during the lifecycles < 1,000",
            results["webhooks"]["state_change_to_delivery_p99_ms"] or float("inf"),
            1000,
            higher_is_better=False,
        ),
    ]
    # Is a generator the bottleneck? wrk must stay well under one core while the server it
    # loads is busy; the raw client must have run the lifecycles far below its own ceiling.
    results["generators"] = {
        "wrk_max_cpu": max(b["generator_cpu"] for b in bare if b["generator"] == "wrk"),
        "raw_client_ceiling_rps": raw_ceiling["rps"],
        "raw_client_lifecycle_rps": lc["requests_per_s"],
        "raw_client_cpu_during_lifecycles": lc["cpu"]["bench client"],
        "hello_world_rps": {"raw client": raw_ceiling["rps"], "wrk": hello_c["rps"]},
    }
    await asyncio.sleep(0)
    return results


# ----- report -----


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    return "\n".join([line, rule, *body])


def _pair(sql: dict[str, float]) -> str:
    return f"{sql['statements']} / {sql['commits']}"


def _busy(cpu: dict[str, float]) -> str:
    """The servers that used a tenth of a core or more, busiest first."""
    busy = sorted(
        (-v, k) for k, v in cpu.items() if (k in WATCHED or k == "other processes") and v >= 0.1
    )
    return ", ".join(f"{k} {-v:.2f}" for v, k in busy) or "-"


def report(results: dict[str, Any]) -> str:
    lc, mem, meta = results["lifecycles"], results["memory"], results["meta"]
    out = [
        f"NT24 bench, {meta['date']}, {meta['cpus']} CPUs, Python {meta['python']}, "
        f"app database: {meta['database']}; cores busy before we started: "
        f"{results['machine_busy_at_idle']}",
        *(
            ["(PostgreSQL's own CPU counts as 'other processes' below.)"]
            if meta["database"] == "PostgreSQL"
            else []
        ),
        "",
        f"Lifecycles ({lc['generator']}, concurrency {lc['concurrency']}):",
        _table(
            ["figure", "value"],
            [
                ["lifecycles/s (wall clock)", lc["lifecycles_per_s"]],
                ["lifecycles/s had no lane stalled", lc["lifecycles_per_s_without_stalls"]],
                ["completed / failed", f"{lc['completed']} / {lc['failed']}"],
                ["compliance at the end", json.dumps(lc["compliance_statuses"])],
                [
                    "lifecycle p50 / p99 (ms)",
                    f"{lc['lifecycle_p50_ms']} / {lc['lifecycle_p99_ms']}",
                ],
                ["requests per completed lifecycle", lc["requests_per_lifecycle"]],
                ["API SQL statements / commits per request", _pair(lc["api_sql_per_request"])],
                ["commands (Updates) per lifecycle", lc["commands_per_lifecycle"]],
                ["requests/s during lifecycles", lc["requests_per_s"]],
                ["command p50 / p99 (ms)", f"{lc['command_p50_ms']} / {lc['command_p99_ms']}"],
                ["one order's history", json.dumps(lc["history_of_one_order"])],
                [
                    "decided orders with their Export File when the lifecycles ended",
                    f"{lc['export_files_made_when_ended']} of {lc['completed']}",
                ],
                ["first (cold) lifecycle (ms)", lc["warmup"]["first_lifecycle_ms"]],
                [
                    f"alone ({lc['alone']['lifecycles']} one at a time): lifecycle / command p50",
                    f"{lc['alone']['lifecycle_p50_ms']} / {lc['alone']['command_p50_ms']} ms",
                ],
            ],
        ),
        *(f"failed: {f}" for f in lc["failures"][:5]),
        "",
        "Per route (p99 of few samples is their slowest):",
        _table(
            ["route", "n", "p50 ms", "p99 ms", "command"],
            [
                [r["route"], r["count"], r["p50_ms"], r["p99_ms"], "yes" if r["command"] else ""]
                for r in lc["routes"]
            ],
        ),
        "",
        "CPU during the lifecycles (1.0 = one core; the machine has "
        f"{meta['cpus']}), and CPU ms per lifecycle:",
        _table(
            ["process", "cores", "ms/lifecycle"],
            [[n, lc["cpu"][n], lc["cpu_ms_per_lifecycle"][n]] for n in lc["cpu_ms_per_lifecycle"]],
        ),
        "",
        f"Webhooks ({results['webhooks']['generator']}):",
        _table(
            ["figure", "value"],
            [
                row
                for k, v in results["webhooks"].items()
                if k != "generator"
                for row in (
                    [[f"{k}: {hop}", f"{p50} / {p99}"] for hop, (p50, p99) in v.items()]
                    if k.endswith("hops_p50_p99_ms")
                    else [[k, v]]
                )
            ],
        ),
        "",
        f"Memory ({mem['open_orders']} open orders, RSS from /proc/<pid>/status):",
        _table(
            ["process", "before MiB", "after MiB"],
            [[n, mem["rss_before_mib"][n], mem["rss_after_mib"][n]] for n in mem["rss_before_mib"]],
        ),
        f"worker: {mem['worker_mib_per_1000_open_orders']} MiB per 1,000 open orders; "
        f"Temporal server: {mem['temporal_mib_per_1000_open_orders']} MiB per 1,000; "
        f"order create {mem['order_create']['rps']}/s, p50 {mem['order_create']['p50_ms']} ms",
        "",
        "Bare figures on the same servers:",
        _table(
            [
                "figure",
                "generator",
                "conns",
                "req/s",
                "p50 ms",
                "p99 ms",
                "gen CPU",
                "busy servers",
                "API SQL/req",
            ],
            [
                [
                    b["name"],
                    b["generator"],
                    b["connections"],
                    b["rps"],
                    b["p50_ms"],
                    b["p99_ms"],
                    b.get("generator_cpu", b["cpu"]["bench client"]),
                    _busy(b["cpu"]),
                    _pair(b["api_sql_per_request"]) if "api_sql_per_request" in b else "",
                ]
                for b in results["bare"]
            ],
        ),
        "",
        "Aims (score >= 1 meets the aim):",
        _table(
            ["aim", "ours", "target", "score", "met"],
            [
                [a["aim"], a["ours"], a["target"], a["score"], "yes" if a["met"] else "NO"]
                for a in results["aims"]
            ],
        ),
        "",
        "Generators: " + json.dumps(results["generators"]),
    ]
    return "\n".join(out)


async def open_orders(
    stack: BenchStack, seller: Seller, buyer: str, count: int, lanes: int, seconds: float
) -> tuple[dict[str, Any], list[str]]:
    """The worker's memory per open order: ``count`` orders of ``buyer`` created over
    ``lanes`` and left open, RSS read before and after (and the worker's peak). Answers the
    figures and the orders, oldest first."""
    await asyncio.sleep(2)  # let the buyer's VIES check and any lifecycles' tails settle
    watched = ("worker", "api", "temporal")
    before = {name: rss_kib(stack.pid(name)) for name in watched}
    print(f"Memory: {count} open orders ...", flush=True)
    orders: list[str] = []
    step = max(1_000, count // 10)

    async def open_order(_lane: int) -> None:
        orders.append(await seller.order(buyer))
        if len(orders) % step == 0:
            print(f"  {len(orders)} open", flush=True)

    created = await timed_lanes(open_order, lanes, seconds, math.ceil(count / lanes))
    await asyncio.sleep(2)
    after = {name: rss_kib(stack.pid(name)) for name in watched}
    per_1000 = {
        name: round((after[name] - before[name]) / 1024 / max(1, len(orders)) * 1000, 1)
        for name in ("worker", "temporal")
    }
    return {
        "open_orders": len(orders),
        "rss_before_mib": {k: round(v / 1024, 1) for k, v in before.items()},
        "rss_after_mib": {k: round(v / 1024, 1) for k, v in after.items()},
        "worker_peak_rss_mib": round(rss_kib(stack.pid("worker"), "VmHWM") / 1024, 1),
        "worker_mib_per_1000_open_orders": per_1000["worker"],
        "temporal_mib_per_1000_open_orders": per_1000["temporal"],
        "order_create": created,
    }, orders


# ----- reads only -----

READ_FIGURES = (
    "hello route in the API process",
    "compliance GET 200",
    "compliance GET 304 (If-None-Match)",
    "order GET 200",
    "order GET 304 (If-None-Match)",
)


async def measure_reads(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """The read figures alone (``--reads-only``): an order is created, then wrk loads
    hello-world, the no-op route in the API process and the order's GETs (200 and 304), each
    printed as a ratio of hello-world's rate in the same run. With ``--profile DIR``, py-spy
    records the API process during each load of the API (needs ``py-spy``)."""
    session = await start_session(stack)
    seeded, api = session.seeded, session.api
    results: dict[str, Any] = {"machine_busy_at_idle": session.machine_busy_at_idle}
    print("One order to read ...", flush=True)
    seller = Seller(api, seeded.seller_uuid, Recorder(), [])
    order = await seller.order(await seller.buyer())
    scripts = stack.root / "wrk"
    scripts.mkdir(exist_ok=True)
    bearer = session.nt24_bearer
    figures: list[dict[str, Any]] = []

    async def load(name: str, port: int, path: str, headers: dict[str, str] | None = None):
        sql_before = await sql_counts(api)
        spy = None
        if args.profile and port == stack.api_port:
            args.profile.mkdir(parents=True, exist_ok=True)
            out = args.profile / (name.split(" (")[0].replace(" ", "-") + ".txt")
            spy_bin = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            spy = await asyncio.create_subprocess_exec(
                spy_bin, "record", "--pid", str(stack.pid("api")), "--format", "raw",
                "--rate", "200", "--duration", str(int(args.seconds)), "--output", str(out),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        with cpu_window(stack) as cpu:
            result = await wrk.run(
                name,
                f"http://{HOST}:{port}{path}",
                connections=args.connections,
                seconds=args.seconds,
                script=wrk.lua(headers=headers),
                scripts_dir=scripts,
            )
        if spy is not None:
            await spy.wait()
        entry = figure(name, "wrk", result.as_dict(), cpu)
        if port == stack.api_port:
            entry["api_sql_per_request"] = per(await sql_counts(api), sql_before, result.requests)
        figures.append(entry)
        return entry

    hello = await load("hello-world", stack.hello_port, "/hello")
    await load("hello route in the API process", stack.api_port, "/bench/hello")
    for label, template in (("compliance", COMPLIANCE), ("order", ORDER)):
        path = template.format(sellerId=seeded.seller_uuid, uuid=order)
        first = await api.request("GET", path)
        etag = first.headers["etag"]
        check = await api.request("GET", path, headers={"If-None-Match": etag})
        if first.status != 200 or check.status != 304:
            raise RuntimeError(f"{label} GET answered {first.status} and {check.status}")
        await load(f"{label} GET 200", stack.api_port, path, bearer)
        await load(
            f"{label} GET 304 (If-None-Match)",
            stack.api_port,
            path,
            bearer | {"If-None-Match": etag},
        )
    await api.close()
    for entry in figures:
        entry["ratio_to_hello_world"] = round(entry["rps"] / hello["rps"], 3)
    results["reads"] = figures
    return results


def report_reads(results: dict[str, Any]) -> str:
    meta = results["meta"]
    return "\n".join(
        [
            f"NT24 bench (reads only), {meta['date']}, {meta['cpus']} CPUs, Python "
            f"{meta['python']}, app database: {meta['database']}; cores busy before we started: "
            f"{results['machine_busy_at_idle']}",
            "",
            _table(
                ["figure", "conns", "req/s", "of hello-world", "p50 ms", "busy", "API SQL/req"],
                [
                    [
                        r["name"],
                        r["connections"],
                        r["rps"],
                        f"{r['ratio_to_hello_world']:.1%}",
                        r["p50_ms"],
                        _busy(r["cpu"]),
                        _pair(r["api_sql_per_request"]) if "api_sql_per_request" in r else "",
                    ]
                    for r in results["reads"]
                ],
            ),
        ]
    )


# ----- memory only -----

REPLAYED = 20  # commands timed on the oldest open orders, and as many on the newest


async def measure_memory(stack: BenchStack, args: argparse.Namespace) -> dict[str, Any]:
    """The worker's memory at scale (``--memory-only``): ``--open-orders`` orders are created
    and left open on one worker whose workflow cache holds ``--workflow-cache-size`` runs, then
    one command each goes to the newest orders (cached) and to the oldest (evicted from the
    cache when it is smaller than the open orders, so each command first replays the order's
    history): what a command costs the worker, cached and replayed."""
    deadline = time.monotonic() + args.max_minutes * 60
    session = await start_session(stack)
    api = session.api
    results: dict[str, Any] = {"machine_busy_at_idle": session.machine_busy_at_idle}
    client = await temporal_client(stack)
    seller = Seller(api, session.seeded.seller_uuid, Recorder(), pdfs(0))
    buyer = await seller.buyer()
    await seller.order(buyer)  # the first order pays for cold imports and caches
    memory, orders = await open_orders(
        stack, seller, buyer, args.open_orders, args.concurrency, deadline - time.monotonic()
    )
    sample = min(REPLAYED, len(orders) // 2)
    commands: dict[str, dict[str, Any]] = {}
    for label, group in (("newest", orders[-sample:]), ("oldest", orders[:sample])):
        print(f"One command each on the {sample} {label} open orders ...", flush=True)
        events = await client.get_workflow_handle(order_workflow_id(group[0])).describe()
        latencies: list[float] = []
        with cpu_window(stack) as cpu:
            for order in group:
                begun = time.perf_counter()
                await seller.preliminary_invoice(order)
                latencies.append(time.perf_counter() - begun)
        commands[label] = {
            "commands": len(group),
            "history_events_before": events.history_length,
            "p50_ms": ms(percentile(latencies, 0.5)),
            "worker_cpu_ms_per_command": round(
                cpu["worker"] * cpu["seconds"] * 1000 / max(1, len(group)), 1
            ),
        }
    await api.close()
    cache = args.workflow_cache_size
    results["memory"] = memory | {
        # the worker's own setting when not given: the stack passes no NT24_ variable through
        "workflow_cache_size": Settings.model_fields["workflow_cache_size"].default
        if cache is None
        else cache,
        "command_on_open_order": commands,
    }
    return results


def report_memory(results: dict[str, Any]) -> str:
    mem, meta = results["memory"], results["meta"]
    cached = mem["workflow_cache_size"] >= mem["open_orders"]
    return "\n".join(
        [
            f"NT24 bench (memory only), {meta['date']}, {meta['cpus']} CPUs, Python "
            f"{meta['python']}, app database: {meta['database']}; cores busy before we started: "
            f"{results['machine_busy_at_idle']}",
            "",
            f"{mem['open_orders']} open orders on one worker, workflow cache "
            f"{mem['workflow_cache_size']} runs (RSS from /proc/<pid>/status):",
            _table(
                ["process", "before MiB", "after MiB"],
                [
                    [n, mem["rss_before_mib"][n], mem["rss_after_mib"][n]]
                    for n in mem["rss_before_mib"]
                ],
            ),
            f"worker: {mem['worker_mib_per_1000_open_orders']} MiB per 1,000 open orders, peak "
            f"{mem['worker_peak_rss_mib']} MiB; Temporal server: "
            f"{mem['temporal_mib_per_1000_open_orders']} MiB per 1,000; order create "
            f"{mem['order_create']['rps']}/s, p50 {mem['order_create']['p50_ms']} ms",
            "",
            "One command (a preliminary invoice) on each of these open orders, one at a time:",
            _table(
                ["orders", "cached", "history events", "p50 ms", "worker CPU ms/command"],
                [
                    [
                        f"{c['commands']} {label}",
                        "yes" if cached or label == "newest" else "no: replayed first",
                        c["history_events_before"],
                        c["p50_ms"],
                        c["worker_cpu_ms_per_command"],
                    ]
                    for label, c in mem["command_on_open_order"].items()
                ],
            ),
        ]
    )


# ----- main -----


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20, help="lifecycles to time (20)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent lifecycles (4)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed lifecycles first (1)")
    parser.add_argument(
        "--open-orders", type=int, default=200, help="open orders for the memory figure (200)"
    )
    parser.add_argument(
        "--connections", type=int, default=50, help="connections for throughput figures (50)"
    )
    parser.add_argument(
        "--burst-events",
        type=int,
        default=200,
        help="events written at once for the webhooks' saturation figure (200)",
    )
    parser.add_argument("--seconds", type=float, default=5, help="duration of each bare figure (5)")
    parser.add_argument(
        "--max-minutes", type=float, default=15, help="the whole run stops past this (15)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder and its logs")
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="only the read figures: no-op route, compliance and order GETs (about a minute)",
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only the memory figures: --open-orders left open on one worker, then a command "
        "each on the newest and the oldest (evicted when the cache is smaller)",
    )
    parser.add_argument(
        "--workflow-cache-size",
        type=int,
        default=None,
        help="the worker's NT24_WORKFLOW_CACHE_SIZE (default: the setting's own)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="with --reads-only: py-spy raw stacks of the API process per load, in this folder",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file ({RESULTS})")
    args = parser.parse_args()
    for name in ("orders", "concurrency", "open_orders", "connections"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.reads_only and args.memory_only:
        parser.error("--reads-only and --memory-only are two separate runs")
    if args.memory_only and args.open_orders < 2:
        parser.error("--memory-only needs at least 2 --open-orders")
    return args


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = parse_args()
    if not wrk.available():
        sys.exit("wrk is missing: apt-get install -y wrk (the throughput figures need it)")
    database_url = os.environ.get("NT24_BENCH_DATABASE_URL") or None
    root = Path(tempfile.mkdtemp(prefix="nt24-bench-"))
    stack = BenchStack(root, database_url)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    finished = False
    started = time.perf_counter()
    try:
        print(f"Starting a stack of our own in {root} ...", flush=True)
        stack.start_temporal()
        upgrade(stack.database_url)
        cache = args.workflow_cache_size
        stack.start_services(None if cache is None else {"NT24_WORKFLOW_CACHE_SIZE": str(cache)})
        measure_run, report_run, default_json = (
            (measure_reads, report_reads, "reads.json")
            if args.reads_only
            else (measure_memory, report_memory, "memory.json")
            if args.memory_only
            else (measure, report, RESULTS.name)
        )
        results = asyncio.run(measure_run(stack, args))
        results["meta"] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "database": "PostgreSQL" if database_url else "SQLite (embedded)",
            "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
            "run_seconds": round(time.perf_counter() - started, 1),
            "max_rss_bench_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        print()
        print(report_run(results))
        if args.json == RESULTS:
            args.json = RESULTS.with_name(default_json)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nWritten to {args.json} (run took {results['meta']['run_seconds']} s)")
        finished = True
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
    finally:
        stack.stop()
        if finished and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"Logs and data kept in {root}", file=sys.stderr)
    if not finished:
        sys.exit(1)


if __name__ == "__main__":
    main()
