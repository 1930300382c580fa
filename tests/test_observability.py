"""What operators see: /metrics after a lifecycle, one trace from the request to the activity,
the Temporal UI's summaries and search attributes, replaying histories, the deploy files."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import pytest
import structlog.testing
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.requests import Request
from starlette.routing import Route
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

import replay
import telemetry
from api.shared.converter import DATA_CONVERTER
from api.shared.errors import dependency_away
from api.shared.temporal_calls import logged_temporal_problem
from store.db import Database
from tests.conftest import Stack, running_stack
from tests.order_flow import OrderClient, seller_session
from workflows import search_attributes as sa

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e


async def _order(stack: Stack) -> tuple[OrderClient, dict, str]:
    tenant, http = await seller_session(stack)
    client = OrderClient(stack, tenant, http)
    buyer_id = await client.buyer(documents=False)
    external_id = f"deal-{uuid4().hex[:8]}"
    answer = await client.post("/orders", client.order_body(buyer_id, external_id))
    assert answer.status_code == 201, answer.text
    return client, answer.json(), external_id


async def test_metrics_are_behind_the_token_and_show_the_lifecycle(stack: Stack):
    client, order, _ = await _order(stack)
    await client.http.aclose()
    stack.settings.metrics_token = "metrics-" + "t" * 32
    try:
        async with stack.http() as http:
            assert (await http.get("/metrics")).status_code == 404
            wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 404
            answer = await http.get(
                "/metrics", headers={"Authorization": f"Bearer {stack.settings.metrics_token}"}
            )
    finally:
        stack.settings.metrics_token = ""
    assert answer.status_code == 200
    text = answer.text
    # per route template, never per id
    assert re.search(
        r'nt24_http_request_duration_seconds_count\{method="POST",'
        r'route="/v1/partners/\{sellerId\}/orders",status="201"\} [1-9]',
        text,
    ), text[:2000]
    assert order["uuid"] not in text
    assert re.search(r'nt24_orders\{compliance="\w+",status="\w+"\} [1-9]', text)
    for family in (
        "nt24_business_gauges_up 1.0",
        "nt24_vies_availability_ratio",
        "nt24_webhook_endpoints_auto_paused",
        "# TYPE nt24_open_order_blockers gauge",
        "# TYPE nt24_dunning_letters gauge",
        "# TYPE nt24_idempotency_refusals_total counter",
        "# TYPE nt24_rate_limit_refusals_total counter",
    ):
        assert family in text, family


async def test_a_write_without_idempotency_key_is_counted(stack: Stack):
    from api.shared.metrics import IDEMPOTENCY_REFUSALS

    before = IDEMPOTENCY_REFUSALS.labels("key-missing")._value.get()
    tenant, http = await seller_session(stack)
    async with http:
        answer = await http.post(f"{tenant.seller}/buyers", json={})
    assert answer.status_code == 400
    assert IDEMPOTENCY_REFUSALS.labels("key-missing")._value.get() == before + 1
    # the answer's traceId is the X-Request-Id the API gave it
    assert answer.json()["traceId"] == answer.headers["x-request-id"]
    assert re.fullmatch(r"req_[0-9a-f]{32}", answer.headers["x-request-id"])


async def test_orders_start_with_a_summary_and_their_search_attributes(stack: Stack):
    client, order, external_id = await _order(stack)
    await client.http.aclose()
    handle = stack.client.get_workflow_handle(f"order-{order['uuid']}")
    description = await handle.describe()
    summary = await description.static_summary()
    assert summary is not None and external_id in summary and "WVWZZZ1KZAW000001" in summary
    details = await description.static_details()
    assert details is not None and "FR40303265045" in details
    attributes = description.typed_search_attributes
    assert attributes.get(sa.EXTERNAL_ORDER_ID) == external_id
    assert attributes.get(sa.VINS) == ["WVWZZZ1KZAW000001"]


async def test_replay_and_capture_a_workflow_from_the_stack(stack: Stack, tmp_path: Path):
    client, order, _ = await _order(stack)
    await client.http.aclose()
    workflow_id = f"order-{order['uuid']}"
    outcome = await replay.replay_one(stack.client, workflow_id)
    assert outcome.failure is None, outcome.line()
    assert outcome.line().startswith("ok")

    path = await replay.capture(stack.client, workflow_id, "observed_order", tmp_path)
    saved = json.loads(path.read_text())
    assert saved["workflowId"] == workflow_id
    # the same history with a patch the code does not know: the nondeterminism is reported
    for event in saved["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_patch":
            patch = {"id": "no-such-patch", "deprecated": False}
            payload = marker["details"]["patch-data"]["payloads"][0]
            payload["data"] = base64.b64encode(json.dumps(patch).encode()).decode()
            break
    else:
        pytest.fail("the order's history has no patch marker")
    history = WorkflowHistory.from_json(saved.pop("workflowId"), saved)
    broken = await replay.replay_history(history)
    assert broken.failure is not None and "no-such-patch" in broken.failure, broken.failure
    assert "Nondeterminism" in broken.failure
    assert broken.line().startswith("FAILED")


async def test_one_trace_from_the_request_to_the_activity(
    pg_url: str, db: Database, dev_server: WorkflowEnvironment
):
    exporter = InMemorySpanExporter()
    telemetry.install_tracing(telemetry.tracer_provider_for(exporter, "nt24-test"))
    try:
        traced = Client(
            dev_server.client.service_client,
            namespace=dev_server.client.namespace,
            data_converter=DATA_CONVERTER,
            interceptors=telemetry.temporal_interceptors(),
        )
        env = SimpleNamespace(client=traced)
        async with running_stack(pg_url, db, env) as stack:  # type: ignore[arg-type]
            client, order, _ = await _order(stack)
            missing = await client.get(f"/orders/{uuid4()}")
            await client.http.aclose()
    finally:
        telemetry.uninstall_tracing()
    assert missing.status_code == 404
    problem_trace = missing.json()["traceId"].removeprefix("req_")

    async with asyncio.timeout(10):
        while True:
            spans = exporter.get_finished_spans()
            by_trace: dict[str, list[str]] = {}
            for span in spans:
                by_trace.setdefault(format(span.context.trace_id, "032x"), []).append(span.name)
            order_traces = [
                names
                for names in by_trace.values()
                if any(n.startswith("POST /v1/partners/") for n in names)
                and any(n == "RunActivity:write_order" for n in names)
            ]
            if order_traces:
                break
            await asyncio.sleep(0.1)
    names = order_traces[0]
    # the create starts the order's workflow with its Update, in one request
    assert "StartUpdateWithStartWorkflow:OrderWorkflow" in names, names
    assert any(n.startswith("RunWorkflow:OrderWorkflow") for n in names), names
    # the problem's traceId is its request's trace
    assert problem_trace in by_trace, "no span of the 404's trace"
    assert any(n.startswith("GET /v1/partners/") for n in by_trace[problem_trace])


async def test_saved_histories_replay_with_the_tracing_interceptor():
    """The tracing interceptor changes workflow headers, not commands."""
    for path in sorted((ROOT / "tests" / "histories").glob("*.json"))[:6]:
        saved = json.loads(path.read_text())
        history = WorkflowHistory.from_json(saved.pop("workflowId", path.stem), saved)
        outcome = await replay.replay_history(history)
        assert outcome.failure is None, f"{path.name}: {outcome.failure}"


def test_search_attributes_fit_the_sql_visibility_store():
    """The dev server and Temporal on PostgreSQL keep at most 10 Keyword attributes."""
    kinds = [key.indexed_value_type.name for key in sa.ALL]
    assert kinds.count("KEYWORD") <= 10 and kinds.count("KEYWORD_LIST") <= 3


def test_prometheus_config_and_dashboard(tmp_path: Path):
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/nt24.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs and all(exprs)
    metrics_module = (ROOT / "api/shared/metrics.py").read_text()
    for name in set(re.findall(r"\bnt24_[a-z_]+", " ".join(exprs))):
        base = re.sub(r"_(total|bucket|count|sum)$", "", name)
        assert f'"{base}"' in metrics_module, f"the dashboard reads {name}, which is not exported"
    for provisioning in (ROOT / "deploy/grafana/provisioning").rglob("*.yml"):
        import yaml

        assert yaml.safe_load(provisioning.read_text())["apiVersion"] == 1
    import yaml

    # every replica of the API and the worker is scraped: found by the service's DNS name
    scrape = {
        j["job_name"]: j
        for j in yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())["scrape_configs"]
    }
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for job, service in (("nt24-api", "api"), ("nt24-worker", "worker")):
        (lookup,) = scrape[job]["dns_sd_configs"]
        assert lookup["names"] == [service] and lookup["type"] == "A", job
        assert services[service]["deploy"]["replicas"] >= 2, service
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed")
    config = tmp_path / "prometheus.yml"
    token = tmp_path / "metrics-token"
    token.write_text("x")
    config.write_text(
        (ROOT / "deploy/prometheus.yml")
        .read_text()
        .replace("/prometheus/metrics-token", str(token))
    )
    run = subprocess.run([promtool, "check", "config", str(config)], capture_output=True)
    assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()


async def test_writes_and_refusals_log_one_line_with_the_ids_they_resolved(stack: Stack):
    """Support goes from a log line to the organization, partner and order it served, by id;
    the line names no company, person or address. A read answered in time writes no line
    (its metrics count it) unless NT24_LOG_READS asks for one."""
    client, order, _ = await _order(stack)
    compliance = f"/orders/{order['uuid']}/compliance"
    # as the configured pipeline's first step, the ids bound in the request's context
    merged = [structlog.contextvars.merge_contextvars]
    try:
        with structlog.testing.capture_logs(merged) as lines:
            written = await client.upload(f"/orders/{order['uuid']}/documents", "ORDER_OTHER")
            read = await client.get(compliance)
            missing = await client.get(f"/orders/{uuid4()}/compliance")
        stack.settings.log_reads = True
        with structlog.testing.capture_logs(merged) as read_lines:
            assert (await client.get(compliance)).status_code == 200
    finally:
        stack.settings.log_reads = False
        await client.http.aclose()
    assert (written.status_code, read.status_code, missing.status_code) == (201, 200, 404)
    requests = [e for e in lines if e["event"] == "request"]
    assert [(e["method"], e["route"].rsplit("/", 2)[-2:], e["status"]) for e in requests] == [
        ("POST", ["{uuid}", "documents"], 201),
        ("GET", ["{uuid}", "compliance"], 404),
    ]
    upload, refused = requests
    assert upload["order"] == order["uuid"] and "order" not in refused
    for line in requests:
        assert line["partner"] == str(client.tenant.partner.uuid)
        assert line["organization"] and "Garage" not in str(line)
    (logged_read,) = [e for e in read_lines if e["event"] == "request"]
    assert logged_read["status"] == 200 and logged_read["order"] == order["uuid"]


def test_the_console_line_is_structlogs_console_renderers_text():
    full = structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )
    lines = [
        {"event": "request", "timestamp": "2026-01-02T03:04:05Z", "level": "info", "status": 200},
        {"event": "e" * 40, "level": "warning", "x": "a b", "y": "q'", "z": None, "w": [1, "a"]},
        {"event": 5, "level": "error", "timestamp": None, "e": "a=b", "v": ""},
        {"level": "debug", "k": 1},
        {"event": "failed", "level": "error", "exception": "Traceback ..."},
    ]
    for event in lines:
        assert telemetry.ConsoleLine()(None, "info", dict(event)) == full(None, "info", event)


@pytest.mark.fast
def test_a_console_traceback_is_plain_and_quick():
    """An exception on a console line is Python's own traceback, without local variables:
    a deep recursion, whose locals rich would render frame by frame, is written at once."""

    def deep(n: int) -> int:
        bulky = "x" * 10_000  # noqa: F841 (a local the line must not show)
        return deep(n + 1)

    try:
        deep(0)
    except RecursionError:
        event = {"event": "failed", "level": "error", "exc_info": sys.exc_info()}
    started = time.monotonic()
    line = telemetry.ConsoleLine()(None, "error", event)
    assert time.monotonic() - started < 2
    assert "RecursionError" in line and "Previous line repeated" in line
    assert "x" * 20 not in line  # rich would show the local's value


@pytest.mark.fast
def test_log_lines_of_one_loop_turn_are_written_together_in_order(tmp_path: Path):
    """A line logged on the event loop is on disk once the loop turn ends, after the lines
    logged before it; one logged off the loop (an activity's thread) is written at once."""
    path = tmp_path / "api.log"
    with path.open("w") as file:
        writer = telemetry.LineWriter(file)
        seen_during_turn: list[str] = []

        async def one_turn() -> None:
            writer.info("first")
            writer.info("second")
            seen_during_turn.append(path.read_text())
            await asyncio.sleep(0)  # the turn ends: its flush runs

        asyncio.run(one_turn())
        assert seen_during_turn == [""]
        assert path.read_text() == "first\nsecond\n"

        async def from_a_thread() -> None:
            writer.info("on the loop")
            await asyncio.to_thread(writer.info, "in a thread")
            await asyncio.sleep(0)

        asyncio.run(from_a_thread())
        assert path.read_text().splitlines()[2:] == ["on the loop", "in a thread"]

        def left_waiting() -> None:
            writer.info("the loop closes before its turn ends")
            loop.stop()  # its scheduled flush never runs

        loop = asyncio.new_event_loop()
        loop.call_soon(left_waiting)
        loop.run_forever()
        loop.close()
        assert len(path.read_text().splitlines()) == 4
        asyncio.run(one_turn())  # a later loop writes what the closed one left
        assert path.read_text().splitlines()[4:] == [
            "the loop closes before its turn ends",
            "first",
            "second",
        ]


@pytest.mark.fast
def test_a_dependency_away_is_logged_by_its_route_not_its_path():
    """A path may carry a credential (a self-service link's token, a payment page's order):
    the warnings of a database or Temporal away name the route's template instead."""
    path = "/self-service/s3cret-link-token/submit"
    route = Route("/self-service/{token}/submit", endpoint=lambda _: None, methods=["POST"])
    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "route": route}
    request = Request(scope | {"query_string": b"", "state": {}})
    with structlog.testing.capture_logs() as lines:
        assert dependency_away(request, ConnectionRefusedError()) is not None
        away = RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")
        assert logged_temporal_problem(request, away).status == 503
    assert [line["route"] for line in lines] == ["/self-service/{token}/submit"] * 2
    assert "s3cret" not in str(lines)


async def test_traces_name_a_request_by_its_route_never_a_path_with_a_credential(stack: Stack):
    """Logs name a request by its route's template, never its path, which may carry a
    credential: with tracing on, the API's span recorded a self-service link's token in its
    path and URL, and an outbound call's span its query."""
    import httpx
    from opentelemetry.trace import SpanKind

    from api.main import create_app
    from tests.conftest import serving

    exporter = InMemorySpanExporter()
    telemetry.install_tracing(telemetry.tracer_provider_for(exporter, "nt24-test"))
    try:
        app = create_app(stack.settings, db=stack.db, temporal_client=stack.client)
        async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
            await http.get("/self-service/s3cret-link-token-4711", params={"uploaded": "x"})
    finally:
        telemetry.uninstall_tracing()
    spans = {span.kind: dict(span.attributes or {}) for span in exporter.get_finished_spans()}
    served, called = spans[SpanKind.SERVER], spans[SpanKind.CLIENT]
    assert "s3cret" not in str(served), served
    assert served.get("http.route") == "/self-service/{token}"
    assert "uploaded" not in str(called), called  # the caller's span keeps the path, not the query


async def test_a_webhook_delivery_span_keeps_the_receivers_host_not_its_secret_path(
    stack: Stack,
):
    """A receiver's URL is the integrator's, and some (Slack-style) carry their secret in
    the path: a delivery's outbound span recorded it. It keeps the scheme and host only."""
    from opentelemetry.trace import SpanKind
    from starlette.applications import Starlette
    from starlette.responses import Response

    from tests.conftest import serving
    from tests.test_webhooks import deliveries, fire_test, register, until

    async def receive(_request: Request) -> Response:
        return Response(status_code=204)

    receiver = Starlette(routes=[Route("/services/T0/B0/{secret}", receive, methods=["POST"])])
    exporter = InMemorySpanExporter()
    telemetry.install_tracing(telemetry.tracer_provider_for(exporter, "nt24-test"))
    try:
        async with serving(receiver) as base:
            _, http = await seller_session(stack)
            async with http:
                hook = await register(http, f"{base}/services/T0/B0/xoxb-s3cret", ["kyc.*"])
                await fire_test(http, hook, 1)

                async def answered() -> bool:
                    found = await deliveries(http, hook)
                    return bool(found) and found[0].get("httpStatus") == 204

                await until(answered, 20)
    finally:
        telemetry.uninstall_tracing()
    port = base.rpartition(":")[2]
    sent = [
        dict(span.attributes or {})
        for span in exporter.get_finished_spans()
        if span.kind == SpanKind.CLIENT and f":{port}" in str(span.attributes)
    ]
    assert sent and all(a.get("http.status_code") == 204 for a in sent), sent
    assert "s3cret" not in str(sent) and "/services" not in str(sent), sent
